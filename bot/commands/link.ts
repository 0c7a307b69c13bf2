/**
 * /link <code>: links this Telegram account to a platform account with a
 * one-time code from the HTTP API (`POST /v1/telegram/link-code`).
 *
 * @module
 */
import { Composer } from "grammy";
import { LINK_HOWTO } from "../format.ts";
import { html, trustedHtml } from "../html.ts";
import type { TurnContext } from "./context.ts";

const CODE = /^[A-Za-z0-9_-]{4,64}$/;

/** The /link command. */
export const link: Composer<TurnContext> = new Composer<TurnContext>();

link.command("link", async (ctx) => {
  const code = ctx.match.split(/\s+/)[0] ?? "";
  if (!CODE.test(code)) {
    ctx.say(
      html`Send the code like this: <code>/link ABCD1234</code>\n\n${
        trustedHtml(LINK_HOWTO)
      }`,
    );
    return;
  }
  const outcome = await ctx.deps.data.link(code, {
    telegramUserId: ctx.sender.id,
    chatId: ctx.turnChatId,
    username: ctx.sender.username ?? null,
  }, new Date(ctx.turn.now()));
  if (outcome.ok) {
    ctx.say(
      html`✅ Linked to <b>${outcome.user.email}</b>. Start a build with /build &lt;project&gt;.`,
    );
    return;
  }
  ctx.say(
    html`❌ That code is unknown, already used or expired. Codes work once and expire after a few minutes: ask the HTTP API for a new one (<code>POST /v1/telegram/link-code</code>).`,
  );
});
