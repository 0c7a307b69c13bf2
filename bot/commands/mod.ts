/**
 * What each chat message means, as grammY {@linkcode Composer}s, one file a
 * command: the commands, the /build wizard, admin subcommands, buttons and
 * build notifications. Runs inside the chat actor (one turn per message, in
 * order); answers are queued with `ctx.say`/`edit`/`answer`, kept in the
 * chat's state and sent after the turn (see actors/chat.ts), so a slow chat
 * does not slow its actor and a crash does not lose them.
 *
 * A text goes through: commands for other bots are ignored; the sender's
 * linked account is looked up; the per-user limit ({@link rateLimit}); then
 * the wizard, the commands, and the {@link fallback} replies. A button press
 * goes to the wizard, the status refresh, or the fallback.
 *
 * @module
 */
import { Composer } from "grammy";
import type {
  ChatContext,
  ChatHandlers,
  ChatState,
} from "../../actors/chat.ts";
import type { ChatData } from "../data.ts";
import { admin } from "./admin.ts";
import { build } from "./build.ts";
import {
  type CommandDeps,
  type TurnContext,
  turnContext,
  type TurnInput,
} from "./context.ts";
import { fallback } from "./fallback.ts";
import { help } from "./help.ts";
import { history } from "./history.ts";
import { rateLimit } from "./limit.ts";
import { link } from "./link.ts";
import { notify } from "./notify.ts";
import { start } from "./start.ts";
import { status } from "./status.ts";
import { unlink } from "./unlink.ts";
import { linkedUser } from "./user.ts";
import { wizard } from "./wizard.ts";

export { parseCommand, type ParsedCommand } from "./parse.ts";
export type {
  AdminActor,
  AdminStats,
  BuildInfo,
  ChatData,
  LinkedUser,
  LinkOutcome,
} from "../data.ts";
export type {
  ButtonInput,
  ChatContext,
  ChatHandlers,
  ChatMessage,
  ChatReply,
  ChatState,
  ChatUser,
  DeliveredInput,
  FlushInput,
  NoticeInput,
  PendingReply,
  TextInput,
  WizardState,
} from "../../actors/chat.ts";
export type { BuildStatus, UserRole } from "../../storage/schema.ts";
/** The values {@linkcode UserRole} and {@linkcode BuildStatus} are drawn from. */
export { BUILD_STATUSES, USER_ROLES } from "../../storage/schema.ts";

/** Options of {@linkcode createChatHandlers}. */
export interface CommandOptions {
  /** The bot's view of the database. */
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

// Every text and button of a chat, composed in the order they are tried.
const chatComposer = new Composer<TurnContext>();

const texts = chatComposer.on("message")
  // `/cmd@other_bot` is for another bot in the group: no reply, not counted.
  .filter((ctx) => ctx.parsed?.foreign !== true);
texts.use(linkedUser, rateLimit);
texts.use(wizard, start, help, link, unlink, build, status, history, admin);
texts.use(fallback);

chatComposer.on("callback_query").use(wizard, status, fallback);

/**
 * The chat handlers: every command, the wizard, buttons and notifications.
 *
 * @example
 * ```ts ignore
 * import { createChatBehavior } from "../../actors/chat.ts";
 * import { createChatHandlers } from "./mod.ts";
 * const chat = createChatBehavior({
 *   handlers: createChatHandlers({ data, adminIds: [42] }),
 *   sender: outbox,
 * });
 * ```
 */
export function createChatHandlers(options: CommandOptions): ChatHandlers {
  const deps: CommandDeps = {
    data: options.data,
    adminIds: options.adminIds,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 20,
    askTimeoutMs: options.askTimeoutMs ?? 15_000,
  };
  const run = chatComposer.middleware();
  async function turn(
    turn: ChatContext,
    state: ChatState,
    input: TurnInput,
  ): Promise<ChatState> {
    const ctx = turnContext({
      turn,
      state,
      input,
      deps,
      botUsername: options.botUsername?.(),
    });
    await run(ctx, () => Promise.resolve());
    return ctx.chatState;
  }
  return { text: turn, button: turn, notify };
}
