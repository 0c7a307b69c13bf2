/**
 * /help: what the bot can do (with /admin for administrators).
 *
 * @module
 */
import { Composer } from "grammy";
import { formatHelp } from "../format.ts";
import { trustedHtml } from "../html.ts";
import type { TurnContext } from "./context.ts";

/** The /help command. */
export const help: Composer<TurnContext> = new Composer<TurnContext>();

help.command("help", (ctx) => {
  ctx.say(trustedHtml(formatHelp({ admin: ctx.isAdmin() })));
});
