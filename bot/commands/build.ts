/**
 * /build <project>: starts the build wizard (bot/commands/wizard.ts) for a
 * linked, enabled user: asks for the language with buttons that carry a new
 * wizard nonce, so buttons of an earlier wizard are recognised as stale.
 *
 * @module
 */
import { Composer } from "grammy";
import type { ChatState } from "../../actors/chat.ts";
import { LINK_HOWTO } from "../format.ts";
import { html, trustedHtml } from "../html.ts";
import { languageKeyboard } from "../keyboards.ts";
import type { TurnContext } from "./context.ts";

/** The longest project name, in characters. */
export const MAX_PROJECT = 200;

function nextNonce(state: ChatState): { nonce: string; count: number } {
  const count = state.wizards + 1;
  return { nonce: `w${count.toString(36)}`, count };
}

/** The /build command. */
export const build: Composer<TurnContext> = new Composer<TurnContext>();

build.command("build", (ctx) => {
  const user = ctx.user;
  if (!user) {
    ctx.say(
      html`🔒 You need a linked account to build.\n\n${
        trustedHtml(LINK_HOWTO)
      }`,
    );
    return;
  }
  if (user.disabled) {
    ctx.say(html`Your account is disabled; ask an administrator.`);
    return;
  }
  const project = ctx.match.split("\n")[0]!.trim();
  if (project === "") {
    ctx.say(
      html`Which project? Send <code>/build &lt;project&gt;</code>, for example <code>/build todo-api</code>.`,
    );
    return;
  }
  if ([...project].length > MAX_PROJECT) {
    ctx.say(
      html`The project name is too long (at most ${MAX_PROJECT} characters).`,
    );
    return;
  }
  const { nonce, count } = nextNonce(ctx.chatState);
  ctx.say(
    html`🛠 New build: <b>${project}</b>\nWhich language?`,
    languageKeyboard(nonce),
  );
  ctx.chatState = {
    ...ctx.chatState,
    wizards: count,
    wizard: { step: "language", nonce, project, userId: ctx.sender.id },
  };
});
