/**
 * What each chat message means: the commands, the /build wizard, button
 * presses and build notifications. Runs inside the chat actor (one turn per
 * message, in order); answers are queued with `ctx.send`, kept in the chat's
 * state and sent after the turn (see actors/chat.ts), so a slow chat does not
 * slow its actor and a crash does not lose them.
 *
 * @module
 */
import type {
  ButtonInput,
  ChatContext,
  ChatHandlers,
  ChatState,
  ChatUser,
  NoticeInput,
  TextInput,
  WizardState,
} from "../actors/chat.ts";
import type { BuildInfo, ChatData, LinkedUser } from "./data.ts";
import {
  type BuildNotice,
  escapeHtml,
  formatBuildStatus,
  formatHelp,
  formatHistory,
  formatNotice,
  formatWelcome,
  LINK_HOWTO,
  shortId,
  truncate,
} from "./format.ts";
import {
  cancelKeyboard,
  languageKeyboard,
  languageLabel,
  parseCallback,
  statusKeyboard,
} from "./keyboards.ts";
import {
  type CreateBuildReply,
  type RateReply,
  SESSION_KIND,
  type SessionMessage,
} from "../actors/session.ts";
import type { InlineKeyboardMarkup } from "grammy/types";

/** Options of {@linkcode createChatHandlers}. */
export interface CommandOptions {
  readonly data: ChatData;
  /** Telegram user ids with /admin (TELEGRAM_ADMIN_IDS). */
  readonly adminIds: readonly number[];
  /** The bot's username (known after getMe), to accept `/cmd@username` and ignore commands for other bots. */
  readonly botUsername?: () => string | undefined;
  /** Commands per user per minute (default 20). */
  readonly rateLimitPerMinute?: number;
  /** How long to wait for the session actor (default 15 s). */
  readonly askTimeoutMs?: number;
}

const MAX_PROJECT = 200;
const MAX_REQUIREMENTS = 20_000;
const MIN_REQUIREMENTS = 3;
const HISTORY_SIZE = 10;

type Ctx = ChatContext;

/** A parsed `/command args`. */
export interface ParsedCommand {
  readonly name: string;
  readonly args: string;
  /** Addressed to another bot (`/cmd@other_bot`). */
  readonly foreign: boolean;
}

/**
 * Parses a command; undefined for text that is not one.
 *
 * @example
 * ```ts
 * import { parseCommand } from "./commands.ts";
 * const c = parseCommand("/build@troupe_bot  todo api", "troupe_bot");
 * console.assert(c?.name === "build" && c.args === "todo api");
 * ```
 */
export function parseCommand(
  text: string,
  botUsername?: string,
): ParsedCommand | undefined {
  const match =
    /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+([\s\S]*))?$/
      .exec(text.trim());
  if (!match) return undefined;
  const target = match[2];
  return {
    name: match[1]!.toLowerCase(),
    args: (match[3] ?? "").trim(),
    foreign: target !== undefined && botUsername !== undefined &&
      target.toLowerCase() !== botUsername.toLowerCase(),
  };
}

/**
 * The chat handlers: every command, the wizard, buttons and notifications.
 *
 * @example
 * ```ts ignore
 * import { createChatBehavior } from "../actors/chat.ts";
 * import { createChatHandlers } from "./commands.ts";
 * const chat = createChatBehavior({
 *   handlers: createChatHandlers({ data, adminIds: [42] }),
 *   sender: outbox,
 * });
 * ```
 */
export function createChatHandlers(options: CommandOptions): ChatHandlers {
  const { data } = options;
  const limit = options.rateLimitPerMinute ?? 20;
  const askTimeoutMs = options.askTimeoutMs ?? 15_000;

  function chatIdOf(ctx: Ctx): number {
    return Number(ctx.self.id);
  }

  function say(
    ctx: Ctx,
    text: string,
    keyboard?: InlineKeyboardMarkup,
  ): void {
    ctx.send({
      type: "send",
      chatId: chatIdOf(ctx),
      text,
      ...(keyboard ? { keyboard } : {}),
    });
  }

  function answer(
    ctx: Ctx,
    input: ButtonInput,
    text: string,
    alert = false,
  ): void {
    ctx.send({
      type: "answer",
      callbackQueryId: input.callbackQueryId,
      text,
      ...(alert ? { alert } : {}),
    });
  }

  function isAdmin(from: ChatUser, user: LinkedUser | undefined): boolean {
    return options.adminIds.includes(from.id) ||
      (user !== undefined && !user.disabled && user.role === "admin");
  }

  /**
   * The per-user rate limit. Linked users are counted by their session actor
   * (one budget per platform user across chats); unlinked users by this chat.
   * Returns the next state and, when the message must be refused, how long
   * to wait.
   */
  async function admit(
    ctx: Ctx,
    state: ChatState,
    user: LinkedUser | undefined,
  ): Promise<{ state: ChatState; retryAfter?: number }> {
    const now = ctx.now();
    if (user) {
      try {
        const reply = await ctx.ref<SessionMessage>(SESSION_KIND, user.userId)
          .ask<RateReply>(
            { type: "rate", bucket: "telegram", limitPerMinute: limit },
            { timeoutMs: askTimeoutMs },
          );
        if (!reply.ok) {
          return { state, retryAfter: Math.max(1, reply.retryAfterSeconds) };
        }
      } catch {
        // The session is unreachable: fall back to the chat's own count.
        return admitLocally(state, now);
      }
      return { state };
    }
    return admitLocally(state, now);
  }

  function admitLocally(
    state: ChatState,
    now: number,
  ): { state: ChatState; retryAfter?: number } {
    const recent = state.recent.filter((t) => t > now - 60_000);
    if (recent.length >= limit) {
      const retryAfter = Math.max(
        1,
        Math.ceil((recent[0]! + 60_000 - now) / 1000),
      );
      return { state: { ...state, recent }, retryAfter };
    }
    return { state: { ...state, recent: [...recent, now] } };
  }

  function tooFast(ctx: Ctx, retryAfter: number): void {
    say(
      ctx,
      `⏳ You are sending messages faster than I can take them (at most ${limit} a minute). Please try again in ${retryAfter} s.`,
    );
  }

  function nextNonce(state: ChatState): { nonce: string; count: number } {
    const count = state.wizards + 1;
    return { nonce: `w${count.toString(36)}`, count };
  }

  // ---- commands --------------------------------------------------------

  async function start(ctx: Ctx, input: TextInput, user?: LinkedUser) {
    if (chatIdOf(ctx) === input.from.id) {
      // Private chats only: this is where notifications for API builds go.
      await data.remember({
        telegramUserId: input.from.id,
        chatId: chatIdOf(ctx),
        username: input.from.username ?? null,
      });
    }
    say(
      ctx,
      formatWelcome({
        ...(input.from.firstName ? { firstName: input.from.firstName } : {}),
        linked: user !== undefined,
      }),
    );
  }

  async function link(ctx: Ctx, input: TextInput, args: string) {
    const code = args.split(/\s+/)[0] ?? "";
    if (!/^[A-Za-z0-9_-]{4,64}$/.test(code)) {
      say(
        ctx,
        `Send the code like this: <code>/link ABCD1234</code>\n\n${LINK_HOWTO}`,
      );
      return;
    }
    const outcome = await data.link(code, {
      telegramUserId: input.from.id,
      chatId: chatIdOf(ctx),
      username: input.from.username ?? null,
    }, new Date(ctx.now()));
    if (outcome.ok) {
      say(
        ctx,
        `✅ Linked to <b>${
          escapeHtml(outcome.user.email)
        }</b>. Start a build with /build &lt;project&gt;.`,
      );
      return;
    }
    say(
      ctx,
      "❌ That code is unknown, already used or expired. Codes work once and expire after a few minutes: ask the HTTP API for a new one (<code>POST /v1/telegram/link-code</code>).",
    );
  }

  async function unlink(ctx: Ctx, input: TextInput) {
    const removed = await data.unlink(input.from.id);
    say(
      ctx,
      removed
        ? "This Telegram account is no longer linked. /link &lt;code&gt; links it again."
        : "This Telegram account is not linked.",
    );
  }

  function build(
    ctx: Ctx,
    state: ChatState,
    input: TextInput,
    args: string,
    user: LinkedUser | undefined,
  ): ChatState {
    if (!user) {
      say(ctx, `🔒 You need a linked account to build.\n\n${LINK_HOWTO}`);
      return state;
    }
    if (user.disabled) {
      say(ctx, "Your account is disabled; ask an administrator.");
      return state;
    }
    const project = args.split("\n")[0]!.trim();
    if (project === "") {
      say(
        ctx,
        "Which project? Send <code>/build &lt;project&gt;</code>, for example <code>/build todo-api</code>.",
      );
      return state;
    }
    if ([...project].length > MAX_PROJECT) {
      say(
        ctx,
        `The project name is too long (at most ${MAX_PROJECT} characters).`,
      );
      return state;
    }
    const { nonce, count } = nextNonce(state);
    say(
      ctx,
      `🛠 New build: <b>${escapeHtml(project)}</b>\nWhich language?`,
      languageKeyboard(nonce),
    );
    return {
      ...state,
      wizards: count,
      wizard: { step: "language", nonce, project, userId: input.from.id },
    };
  }

  async function status(
    ctx: Ctx,
    args: string,
    user: LinkedUser | undefined,
  ) {
    if (!user) {
      say(ctx, `🔒 Link your account first.\n\n${LINK_HOWTO}`);
      return;
    }
    const id = args.split(/\s+/)[0] ?? "";
    let found: BuildInfo | undefined;
    if (id === "") {
      found = (await data.recentBuilds(user.userId, 1))[0];
      if (!found) {
        say(
          ctx,
          "You have no builds yet. Start one with /build &lt;project&gt;.",
        );
        return;
      }
    } else {
      if (!/^[0-9a-fA-F-]{4,36}$/.test(id)) {
        say(ctx, "Build ids look like <code>3f2a9c1e</code>. See /history.");
        return;
      }
      found = await data.findBuild(user.userId, id.toLowerCase());
      if (!found) {
        say(
          ctx,
          `I found no build <code>${
            escapeHtml(id)
          }</code> among yours. See /history.`,
        );
        return;
      }
    }
    say(ctx, await statusText(found), statusKeyboard(found.id));
  }

  async function statusText(build: BuildInfo): Promise<string> {
    const scores = build.status === "succeeded"
      ? await data.scores(build.userId, build.id)
      : undefined;
    return formatBuildStatus({
      id: build.id,
      project: build.project,
      language: build.language,
      status: build.status,
      created_at: build.createdAt,
      finished_at: build.finishedAt,
      error: build.error,
      attempts: build.attempts,
      scores: scores ?? null,
    });
  }

  async function history(ctx: Ctx, user: LinkedUser | undefined) {
    if (!user) {
      say(ctx, `🔒 Link your account first.\n\n${LINK_HOWTO}`);
      return;
    }
    const builds = await data.recentBuilds(user.userId, HISTORY_SIZE);
    say(
      ctx,
      formatHistory(builds.map((b) => ({
        id: b.id,
        project: b.project,
        language: b.language,
        status: b.status,
        created_at: b.createdAt,
      }))),
    );
  }

  async function admin(
    ctx: Ctx,
    input: TextInput,
    args: string,
    user: LinkedUser | undefined,
  ) {
    if (!isAdmin(input.from, user)) {
      say(ctx, "⛔ Sorry, /admin is only for administrators.");
      return;
    }
    const actor = {
      userId: user?.userId ?? null,
      telegramUserId: input.from.id,
    };
    const [sub = "stats", ...rest] = args.split(/\s+/).filter(Boolean);
    switch (sub.toLowerCase()) {
      case "stats": {
        const stats = await data.adminStats();
        await data.auditAdmin(actor, "telegram.admin.stats", {});
        const byStatus = Object.entries(stats.builds).filter(([, n]) => n > 0)
          .map(([s, n]) => `${s} ${n}`).join(" · ") || "none";
        say(
          ctx,
          [
            "<b>Troupe stats</b>",
            `Users: ${stats.users}`,
            `Builds: ${byStatus}`,
            "",
            "<code>/admin quota &lt;email&gt; &lt;n&gt;</code> · <code>/admin failures</code>",
          ].join("\n"),
        );
        return;
      }
      case "quota": {
        const [email, n] = rest;
        const quota = Number(n);
        if (
          !email || !email.includes("@") || !/^\d{1,6}$/.test(n ?? "") ||
          !Number.isSafeInteger(quota)
        ) {
          say(
            ctx,
            "Usage: <code>/admin quota &lt;email&gt; &lt;builds per day&gt;</code>",
          );
          return;
        }
        const result = await data.setQuota(email, quota, actor);
        say(
          ctx,
          result.ok
            ? `✅ Daily quota of <b>${escapeHtml(email)}</b> is now ${quota}.`
            : `I found no user <b>${escapeHtml(email)}</b>.`,
        );
        return;
      }
      case "failures": {
        const failures = await data.recentFailures(5);
        await data.auditAdmin(actor, "telegram.admin.failures", {});
        if (failures.length === 0) {
          say(ctx, "No failed builds. 🎉");
          return;
        }
        say(
          ctx,
          [
            "<b>Recent failures</b>",
            ...failures.map((b) =>
              `❌ <code>${shortId(b.id)}</code> ${
                escapeHtml(truncate(b.project, 60))
              }: ${escapeHtml(truncate(b.error ?? "no reason recorded", 300))}`
            ),
          ].join("\n"),
        );
        return;
      }
      default:
        say(
          ctx,
          "Admin commands: <code>/admin stats</code>, <code>/admin quota &lt;email&gt; &lt;n&gt;</code>, <code>/admin failures</code>",
        );
    }
  }

  /** The requirements of the wizard arrived: ask the session actor for a build. */
  async function requirements(
    ctx: Ctx,
    state: ChatState,
    wizard: Extract<WizardState, { step: "requirements" }>,
    input: TextInput,
    user: LinkedUser | undefined,
  ): Promise<ChatState> {
    if (!user) {
      say(ctx, `🔒 Your account is no longer linked.\n\n${LINK_HOWTO}`);
      return { ...state, wizard: null };
    }
    const text = input.text.trim();
    if ([...text].length < MIN_REQUIREMENTS) {
      say(ctx, "Tell me a little more about what to build (one message).");
      return state;
    }
    if (text.length > MAX_REQUIREMENTS) {
      say(
        ctx,
        `That is too long: at most ${MAX_REQUIREMENTS} characters, please.`,
      );
      return state;
    }
    let reply: CreateBuildReply;
    try {
      // The id is the idempotency key: it comes from this wizard and these
      // requirements, so a retried turn, or the user sending the same text
      // again after "could not start", names the same build, and the session
      // answers it again instead of making a second one.
      const buildId = await uuidFrom(
        `telegram:${chatIdOf(ctx)}:${wizard.nonce}:${text}`,
      );
      reply = await ctx.ref<SessionMessage>(SESSION_KIND, user.userId)
        .ask<CreateBuildReply>({
          type: "create_build",
          buildId,
          project: wizard.project,
          language: wizard.language,
          requirements: text,
          source: "telegram",
          telegramChatId: chatIdOf(ctx),
        }, { timeoutMs: askTimeoutMs });
    } catch {
      say(
        ctx,
        "⚠️ I could not start the build just now. Send the requirements again in a moment, or /cancel.",
      );
      return state;
    }
    if (reply.ok) {
      say(
        ctx,
        `🚀 Build <code>${shortId(reply.buildId)}</code> of <b>${
          escapeHtml(wizard.project)
        }</b> (${
          escapeHtml(languageLabel(wizard.language))
        }) is queued. I will post its progress here.`,
        statusKeyboard(reply.buildId),
      );
    } else if (reply.code === "quota_exceeded") {
      const resetAt = new Date(reply.resetAt).toISOString().slice(0, 16)
        .replace("T", " ");
      say(
        ctx,
        `📉 You have used today's build quota (${reply.limit} builds). It resets at ${resetAt} UTC.`,
      );
    } else if (reply.code === "user_disabled") {
      say(ctx, "Your account is disabled; ask an administrator.");
    } else {
      say(ctx, `🔒 Your account no longer exists.\n\n${LINK_HOWTO}`);
    }
    return { ...state, wizard: null };
  }

  // ---- handlers ----------------------------------------------------------

  return {
    async text(ctx, state, input) {
      const command = parseCommand(input.text, options.botUsername?.());
      if (command?.foreign) return state;
      const user = await data.linkedUser(input.from.id);
      const admitted = await admit(ctx, state, user);
      state = admitted.state;
      if (admitted.retryAfter !== undefined) {
        // One polite reply per wait, so a flood is not answered by a flood.
        const now = ctx.now();
        if (now < (state.quietUntil ?? 0)) return state;
        tooFast(ctx, admitted.retryAfter);
        return { ...state, quietUntil: now + admitted.retryAfter * 1000 };
      }
      const wizard = state.wizard;
      if (!command) {
        if (
          wizard?.step === "requirements" && wizard.userId === input.from.id
        ) {
          return await requirements(ctx, state, wizard, input, user);
        }
        if (wizard?.step === "language" && wizard.userId === input.from.id) {
          say(ctx, "Pick a language with the buttons above, or /cancel.");
          return state;
        }
        say(
          ctx,
          "I did not understand that. Start a build with /build &lt;project&gt;, or see /help.",
        );
        return state;
      }
      switch (command.name) {
        case "start":
          await start(ctx, input, user);
          return state;
        case "help":
          say(ctx, formatHelp({ admin: isAdmin(input.from, user) }));
          return state;
        case "link":
          await link(ctx, input, command.args);
          return state;
        case "unlink":
          await unlink(ctx, input);
          return state;
        case "build":
          return build(ctx, state, input, command.args, user);
        case "cancel":
          if (!wizard) {
            say(ctx, "Nothing to cancel.");
            return state;
          }
          say(ctx, "Cancelled. Start again with /build &lt;project&gt;.");
          return { ...state, wizard: null };
        case "status":
          await status(ctx, command.args, user);
          return state;
        case "history":
          await history(ctx, user);
          return state;
        case "admin":
          await admin(ctx, input, command.args, user);
          return state;
        default:
          say(
            ctx,
            `I do not know /${
              escapeHtml(command.name)
            }. See /help for what I can do.`,
          );
          return state;
      }
    },

    async button(ctx, state, input) {
      const action = parseCallback(input.data);
      const wizard = state.wizard;
      switch (action.type) {
        case "language": {
          if (
            wizard?.step !== "language" || wizard.nonce !== action.nonce
          ) {
            answer(
              ctx,
              input,
              "This question has expired. Start again with /build <project>.",
            );
            return state;
          }
          if (wizard.userId !== input.from.id) {
            answer(
              ctx,
              input,
              "Only the person who started this build can answer.",
            );
            return state;
          }
          answer(ctx, input, languageLabel(action.language));
          if (input.messageId !== undefined) {
            ctx.send({
              type: "edit",
              chatId: chatIdOf(ctx),
              messageId: input.messageId,
              text: `🛠 New build: <b>${
                escapeHtml(wizard.project)
              }</b>\nLanguage: ${escapeHtml(languageLabel(action.language))}`,
            });
          }
          say(
            ctx,
            "📝 Now describe what to build, in one message: features, inputs and outputs, anything the code must do.",
            cancelKeyboard(wizard.nonce),
          );
          return {
            ...state,
            wizard: {
              step: "requirements",
              nonce: wizard.nonce,
              project: wizard.project,
              language: action.language,
              userId: wizard.userId,
            },
          };
        }
        case "cancel": {
          if (!wizard || wizard.nonce !== action.nonce) {
            answer(ctx, input, "This question has expired already.");
            return state;
          }
          if (wizard.userId !== input.from.id) {
            answer(
              ctx,
              input,
              "Only the person who started this build can cancel it.",
            );
            return state;
          }
          answer(ctx, input, "Cancelled");
          if (input.messageId !== undefined) {
            ctx.send({
              type: "edit",
              chatId: chatIdOf(ctx),
              messageId: input.messageId,
              text: `🚫 Build of <b>${
                escapeHtml(wizard.project)
              }</b> cancelled.`,
            });
          }
          return { ...state, wizard: null };
        }
        case "refresh": {
          const user = await data.linkedUser(input.from.id);
          const build = user &&
            await data.findBuild(user.userId, action.buildId);
          if (!build) {
            answer(ctx, input, "I cannot show that build to you.");
            return state;
          }
          answer(ctx, input, `Status: ${build.status}`);
          const text = await statusText(build);
          if (input.messageId !== undefined) {
            ctx.send({
              type: "edit",
              chatId: chatIdOf(ctx),
              messageId: input.messageId,
              text,
              keyboard: statusKeyboard(build.id),
            });
          } else say(ctx, text, statusKeyboard(build.id));
          return state;
        }
        case "unknown":
          answer(ctx, input, "This button is no longer in use. See /help.");
          return state;
      }
    },

    notify(ctx, state, input: NoticeInput) {
      say(ctx, formatNotice(input.notice as unknown as BuildNotice));
      return Promise.resolve(state);
    },
  };
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
