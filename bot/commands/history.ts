/**
 * /history: the user's last builds, one line each.
 *
 * @module
 */
import { Composer } from "grammy";
import { formatHistory, LINK_HOWTO } from "../format.ts";
import { html, trustedHtml } from "../html.ts";
import type { TurnContext } from "./context.ts";

/** How many builds /history lists. */
export const HISTORY_SIZE = 10;

/** The /history command. */
export const history: Composer<TurnContext> = new Composer<TurnContext>();

history.command("history", async (ctx) => {
  const user = ctx.user;
  if (!user) {
    ctx.say(html`🔒 Link your account first.\n\n${trustedHtml(LINK_HOWTO)}`);
    return;
  }
  const builds = await ctx.deps.data.recentBuilds(user.userId, HISTORY_SIZE);
  ctx.say(trustedHtml(formatHistory(builds.map((b) => ({
    id: b.id,
    project: b.project,
    language: b.language,
    status: b.status,
    created_at: b.createdAt,
  })))));
});
