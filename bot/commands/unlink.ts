/**
 * /unlink: removes the link between this Telegram account and its platform
 * account (audited).
 *
 * @module
 */
import { Composer } from "grammy";
import { html } from "../html.ts";
import type { TurnContext } from "./context.ts";

/** The /unlink command. */
export const unlink: Composer<TurnContext> = new Composer<TurnContext>();

unlink.command("unlink", async (ctx) => {
  const removed = await ctx.deps.data.unlink(ctx.sender.id);
  ctx.say(
    removed
      ? html`This Telegram account is no longer linked. /link &lt;code&gt; links it again.`
      : html`This Telegram account is not linked.`,
  );
});
