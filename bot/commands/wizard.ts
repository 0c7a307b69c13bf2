/**
 * The /build wizard after /build (bot/commands/build.ts): the language
 * buttons, the requirements as the next plain message, and /cancel or the
 * cancel button. Its progress lives in the chat's durable state
 * (`ChatState.wizard`), so a question asked before a restart is answered
 * after it; only the user who started a wizard may answer it.
 *
 * @module
 */
import { Composer } from "grammy";
import type { WizardState } from "../../actors/chat.ts";
import {
  type CreateBuildReply,
  SESSION_KIND,
  type SessionMessage,
} from "../../actors/session.ts";
import { LINK_HOWTO, shortId } from "../format.ts";
import { html, trustedHtml } from "../html.ts";
import { cancelKeyboard, languageLabel, statusKeyboard } from "../keyboards.ts";
import { isAction, type TurnContext } from "./context.ts";

/** The longest requirements text, in UTF-16 units. */
export const MAX_REQUIREMENTS = 20_000;
/** The shortest requirements text, in characters. */
export const MIN_REQUIREMENTS = 3;

type Step<S extends WizardState["step"]> = Extract<WizardState, { step: S }>;

/** The wizard of this chat when it is at `step` and the sender started it. */
function wizardAt<S extends WizardState["step"]>(
  ctx: TurnContext,
  step: S,
): Step<S> | undefined {
  const wizard = ctx.chatState.wizard;
  return wizard?.step === step && wizard.userId === ctx.sender.id
    ? wizard as Step<S>
    : undefined;
}

/** The wizard: its texts, its buttons and /cancel. */
export const wizard: Composer<TurnContext> = new Composer<TurnContext>();

// Plain text (not a command) while the wizard waits for its starter.
const text = wizard.on("message").filter((ctx) => ctx.parsed === undefined);

text.filter(
  (ctx) => wizardAt(ctx, "requirements") !== undefined,
  (ctx) => requirements(ctx, wizardAt(ctx, "requirements")!),
);

text.filter((ctx) => wizardAt(ctx, "language") !== undefined, (ctx) => {
  ctx.say(html`Pick a language with the buttons above, or /cancel.`);
});

wizard.command("cancel", (ctx) => {
  if (!ctx.chatState.wizard) {
    ctx.say(html`Nothing to cancel.`);
    return;
  }
  ctx.say(html`Cancelled. Start again with /build &lt;project&gt;.`);
  ctx.chatState = { ...ctx.chatState, wizard: null };
});

wizard.filter(isAction("language"), (ctx) => {
  const current = ctx.chatState.wizard;
  if (current?.step !== "language" || current.nonce !== ctx.action.nonce) {
    ctx.answer(
      "This question has expired. Start again with /build <project>.",
    );
    return;
  }
  if (current.userId !== ctx.sender.id) {
    ctx.answer("Only the person who started this build can answer.");
    return;
  }
  const label = languageLabel(ctx.action.language);
  ctx.answer(label);
  const messageId = ctx.pressedMessageId;
  if (messageId !== undefined) {
    ctx.edit(
      messageId,
      html`🛠 New build: <b>${current.project}</b>\nLanguage: ${label}`,
    );
  }
  ctx.say(
    html`📝 Now describe what to build, in one message: features, inputs and outputs, anything the code must do.`,
    cancelKeyboard(current.nonce),
  );
  ctx.chatState = {
    ...ctx.chatState,
    wizard: {
      step: "requirements",
      nonce: current.nonce,
      project: current.project,
      language: ctx.action.language,
      userId: current.userId,
    },
  };
});

wizard.filter(isAction("cancel"), (ctx) => {
  const current = ctx.chatState.wizard;
  if (!current || current.nonce !== ctx.action.nonce) {
    ctx.answer("This question has expired already.");
    return;
  }
  if (current.userId !== ctx.sender.id) {
    ctx.answer("Only the person who started this build can cancel it.");
    return;
  }
  ctx.answer("Cancelled");
  const messageId = ctx.pressedMessageId;
  if (messageId !== undefined) {
    ctx.edit(
      messageId,
      html`🚫 Build of <b>${current.project}</b> cancelled.`,
    );
  }
  ctx.chatState = { ...ctx.chatState, wizard: null };
});

/** The requirements arrived: asks the session actor for the build. */
async function requirements(
  ctx: TurnContext,
  current: Step<"requirements">,
): Promise<void> {
  const user = ctx.user;
  if (!user) {
    ctx.say(
      html`🔒 Your account is no longer linked.\n\n${trustedHtml(LINK_HOWTO)}`,
    );
    ctx.chatState = { ...ctx.chatState, wizard: null };
    return;
  }
  const text = ctx.input.type === "text" ? ctx.input.text.trim() : "";
  if ([...text].length < MIN_REQUIREMENTS) {
    ctx.say(html`Tell me a little more about what to build (one message).`);
    return;
  }
  if (text.length > MAX_REQUIREMENTS) {
    ctx.say(
      html`That is too long: at most ${MAX_REQUIREMENTS} characters, please.`,
    );
    return;
  }
  let reply: CreateBuildReply;
  try {
    // The id is the idempotency key: it comes from this wizard and these
    // requirements, so a retried turn, or the user sending the same text
    // again after "could not start", names the same build, and the session
    // answers it again instead of making a second one.
    const buildId = await uuidFrom(
      `telegram:${ctx.turnChatId}:${current.nonce}:${text}`,
    );
    reply = await ctx.turn.ref<SessionMessage>(SESSION_KIND, user.userId)
      .ask<CreateBuildReply>({
        type: "create_build",
        buildId,
        project: current.project,
        language: current.language,
        requirements: text,
        source: "telegram",
        telegramChatId: ctx.turnChatId,
      }, { timeoutMs: ctx.deps.askTimeoutMs });
  } catch {
    ctx.say(
      html`⚠️ I could not start the build just now. Send the requirements again in a moment, or /cancel.`,
    );
    return;
  }
  if (reply.ok) {
    ctx.say(
      html`🚀 Build <code>${
        shortId(reply.buildId)
      }</code> of <b>${current.project}</b> (${
        languageLabel(current.language)
      }) is queued. I will post its progress here.`,
      statusKeyboard(reply.buildId),
    );
  } else if (reply.code === "quota_exceeded") {
    const resetAt = new Date(reply.resetAt).toISOString().slice(0, 16)
      .replace("T", " ");
    ctx.say(
      html`📉 You have used today's build quota (${reply.limit} builds). It resets at ${resetAt} UTC.`,
    );
  } else if (reply.code === "user_disabled") {
    ctx.say(html`Your account is disabled; ask an administrator.`);
  } else {
    ctx.say(
      html`🔒 Your account no longer exists.\n\n${trustedHtml(LINK_HOWTO)}`,
    );
  }
  ctx.chatState = { ...ctx.chatState, wizard: null };
}

/** A version-4-shaped UUID derived from `seed` (SHA-256), stable across retries. */
async function uuidFrom(seed: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(seed)),
  );
  const b = digest.slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${
    hex.slice(16, 20)
  }-${hex.slice(20)}`;
}
