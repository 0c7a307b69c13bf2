/**
 * What nothing else took: an unknown command, text outside the wizard, a
 * button this version no longer has. Each gets a reply saying what to do.
 * Composed last.
 *
 * @module
 */
import { Composer } from "grammy";
import { html } from "../html.ts";
import type { TurnContext } from "./context.ts";

/** The replies of last resort. */
export const fallback: Composer<TurnContext> = new Composer<TurnContext>();

fallback.on("message", (ctx) => {
  if (ctx.parsed) {
    ctx.say(
      html`I do not know /${ctx.parsed.name}. See /help for what I can do.`,
    );
    return;
  }
  ctx.say(
    html`I did not understand that. Start a build with /build &lt;project&gt;, or see /help.`,
  );
});

fallback.on("callback_query", (ctx) => {
  ctx.answer("This button is no longer in use. See /help.");
});
