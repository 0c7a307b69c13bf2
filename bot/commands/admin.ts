/**
 * /admin and its subcommands, for administrators only (TELEGRAM_ADMIN_IDS, or
 * a linked account with the admin role): `stats` (the default), `quota
 * <email> <n>` and `failures`. Every use is audited.
 *
 * @module
 */
import { Composer } from "grammy";
import type { AdminActor } from "../data.ts";
import { shortId, truncate } from "../format.ts";
import { html, joinHtml } from "../html.ts";
import type { TurnContext } from "./context.ts";

/** How many failed builds `/admin failures` lists. */
export const FAILURES_SHOWN = 5;

/** `/admin stats`: users and builds by status. */
async function stats(ctx: TurnContext, actor: AdminActor): Promise<void> {
  const { data } = ctx.deps;
  const figures = await data.adminStats();
  await data.auditAdmin(actor, "telegram.admin.stats", {});
  const byStatus = Object.entries(figures.builds).filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`).join(" · ") || "none";
  ctx.say(joinHtml([
    html`<b>Troupe stats</b>`,
    html`Users: ${figures.users}`,
    html`Builds: ${byStatus}`,
    "",
    html`<code>/admin quota &lt;email&gt; &lt;n&gt;</code> · <code>/admin failures</code>`,
  ], "\n"));
}

/** `/admin quota <email> <n>`: sets a user's daily build quota (audited by the data layer). */
async function quota(
  ctx: TurnContext,
  actor: AdminActor,
  args: readonly string[],
): Promise<void> {
  const [email, n] = args;
  const value = Number(n);
  if (
    !email || !email.includes("@") || !/^\d{1,6}$/.test(n ?? "") ||
    !Number.isSafeInteger(value)
  ) {
    ctx.say(
      html`Usage: <code>/admin quota &lt;email&gt; &lt;builds per day&gt;</code>`,
    );
    return;
  }
  const result = await ctx.deps.data.setQuota(email, value, actor);
  ctx.say(
    result.ok
      ? html`✅ Daily quota of <b>${email}</b> is now ${value}.`
      : html`I found no user <b>${email}</b>.`,
  );
}

/** `/admin failures`: the latest failed builds and why. */
async function failures(ctx: TurnContext, actor: AdminActor): Promise<void> {
  const { data } = ctx.deps;
  const failed = await data.recentFailures(FAILURES_SHOWN);
  await data.auditAdmin(actor, "telegram.admin.failures", {});
  if (failed.length === 0) {
    ctx.say(html`No failed builds. 🎉`);
    return;
  }
  ctx.say(joinHtml([
    html`<b>Recent failures</b>`,
    ...failed.map((b) =>
      html`❌ <code>${shortId(b.id)}</code> ${truncate(b.project, 60)}: ${
        truncate(b.error ?? "no reason recorded", 300)
      }`
    ),
  ], "\n"));
}

/** The /admin command. */
export const admin: Composer<TurnContext> = new Composer<TurnContext>();

admin.command("admin", async (ctx) => {
  if (!ctx.isAdmin()) {
    ctx.say(html`⛔ Sorry, /admin is only for administrators.`);
    return;
  }
  const actor: AdminActor = {
    userId: ctx.user?.userId ?? null,
    telegramUserId: ctx.sender.id,
  };
  const [sub = "stats", ...rest] = ctx.match.split(/\s+/).filter(Boolean);
  switch (sub.toLowerCase()) {
    case "stats":
      return await stats(ctx, actor);
    case "quota":
      return await quota(ctx, actor, rest);
    case "failures":
      return await failures(ctx, actor);
    default:
      ctx.say(
        html`Admin commands: <code>/admin stats</code>, <code>/admin quota &lt;email&gt; &lt;n&gt;</code>, <code>/admin failures</code>`,
      );
  }
});
