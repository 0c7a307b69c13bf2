/**
 * /start: the welcome. In a private chat it also remembers the chat, which is
 * where notifications of the user's API builds go.
 *
 * @module
 */
import { Composer } from "grammy";
import { formatWelcome } from "../format.ts";
import { trustedHtml } from "../html.ts";
import type { TurnContext } from "./context.ts";

/** The /start command. */
export const start: Composer<TurnContext> = new Composer<TurnContext>();

start.command("start", async (ctx) => {
  const from = ctx.sender;
  if (ctx.turnChatId === from.id) {
    await ctx.deps.data.remember({
      telegramUserId: from.id,
      chatId: ctx.turnChatId,
      username: from.username ?? null,
    });
  }
  ctx.say(trustedHtml(formatWelcome({
    ...(from.firstName ? { firstName: from.firstName } : {}),
    linked: ctx.user !== undefined,
  })));
});
