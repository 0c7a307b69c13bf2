/**
 * The grammY context of one chat actor turn. The chat actor (actors/chat.ts)
 * takes a text or a button press as a message of its own; for that turn the
 * handlers rebuild the Telegram update it came from and run the bot's
 * {@linkcode Composer}s on a {@linkcode TurnContext}, so routing is grammY's
 * (`command()`, `on()`, `filter()`), while every effect stays inside the turn:
 * replies are queued with {@linkcode TurnContext.say} and friends into the
 * chat's durable outbox (sent once, after the turn's state is committed), and
 * the context's `api` refuses direct calls.
 *
 * @module
 */
import { Api, Context } from "grammy";
import type {
  InlineKeyboardMarkup,
  Message,
  Update,
  User,
  UserFromGetMe,
} from "grammy/types";
import type {
  ButtonInput,
  ChatContext,
  ChatState,
  ChatUser,
  TextInput,
} from "../../actors/chat.ts";
import type { ChatData, LinkedUser } from "../data.ts";
import type { Html } from "../html.ts";
import { type CallbackAction, parseCallback } from "../keyboards.ts";
import { parseCommand, type ParsedCommand } from "./parse.ts";

/** What the commands need besides the turn: resolved {@linkcode CommandOptions}-like settings. */
export interface CommandDeps {
  /** The bot's view of the database. */
  readonly data: ChatData;
  /** Telegram user ids with /admin (TELEGRAM_ADMIN_IDS). */
  readonly adminIds: readonly number[];
  /** Commands per user per minute. */
  readonly rateLimitPerMinute: number;
  /** How long to wait for the session actor, in ms. */
  readonly askTimeoutMs: number;
}

/** The input of a turn the Composers see. */
export type TurnInput = TextInput | ButtonInput;

/**
 * A grammY {@linkcode Context} for one chat actor turn. Handlers read
 * {@linkcode TurnContext.chatState}, may replace it (it is what the turn
 * returns), and reply with {@linkcode TurnContext.say},
 * {@linkcode TurnContext.edit} and {@linkcode TurnContext.answer}.
 */
export class TurnContext extends Context {
  /** The chat actor's turn (time, actor refs, the reply queue). */
  readonly turn: ChatContext;
  /** The actor message this turn handles, as the chat actor got it. */
  readonly input: TurnInput;
  /** The bot's dependencies. */
  readonly deps: CommandDeps;
  /** The chat's state; handlers replace it, and the turn returns it. */
  chatState: ChatState;
  /** The text parsed as a command; undefined for plain text and buttons. */
  readonly parsed: ParsedCommand | undefined;
  /** The button's action; undefined for texts. */
  readonly action: CallbackAction | undefined;
  /** The platform user linked to the sender, once the `linkedUser` middleware looked it up. */
  user: LinkedUser | undefined;

  /** Makes the context of one turn (see {@linkcode turnContext}). */
  constructor(
    update: Update,
    me: UserFromGetMe,
    turn: ChatContext,
    input: TurnInput,
    state: ChatState,
    deps: CommandDeps,
    parsed: ParsedCommand | undefined,
  ) {
    super(update, offlineApi(), me);
    this.turn = turn;
    this.input = input;
    this.deps = deps;
    this.chatState = state;
    this.parsed = parsed;
    this.action = input.type === "button"
      ? parseCallback(input.data)
      : undefined;
    this.user = undefined;
  }

  /** The chat this turn belongs to (the actor's key). */
  get turnChatId(): number {
    return Number(this.turn.self.id);
  }

  /** The sender, as the chat actor got it. */
  get sender(): ChatUser {
    return this.input.from;
  }

  /** The message carrying the pressed button, when Telegram still knows it; undefined for texts. */
  get pressedMessageId(): number | undefined {
    return this.input.type === "button" ? this.input.messageId : undefined;
  }

  /** Whether the sender may use /admin: listed in TELEGRAM_ADMIN_IDS, or linked to an enabled admin. */
  isAdmin(): boolean {
    const user = this.user;
    return this.deps.adminIds.includes(this.sender.id) ||
      (user !== undefined && !user.disabled && user.role === "admin");
  }

  /** Queues a message to this chat. */
  say(text: Html, keyboard?: InlineKeyboardMarkup): void {
    this.turn.send({
      type: "send",
      chatId: this.turnChatId,
      text: text.text,
      ...(keyboard ? { keyboard } : {}),
    });
  }

  /** Queues an edit of one of the bot's messages in this chat (no keyboard: it loses its buttons). */
  edit(messageId: number, text: Html, keyboard?: InlineKeyboardMarkup): void {
    this.turn.send({
      type: "edit",
      chatId: this.turnChatId,
      messageId,
      text: text.text,
      ...(keyboard ? { keyboard } : {}),
    });
  }

  /** Queues the answer to this turn's button press (plain text, shown as a toast or an alert). */
  answer(text: string, alert = false): void {
    if (this.input.type !== "button") {
      throw new Error("only a button press can be answered");
    }
    this.turn.send({
      type: "answer",
      callbackQueryId: this.input.callbackQueryId,
      text,
      ...(alert ? { alert } : {}),
    });
  }
}

/** A {@linkcode TurnContext} whose button press means an action of type `T`. */
export type ActionContext<T extends CallbackAction["type"]> =
  & TurnContext
  & { readonly action: Extract<CallbackAction, { type: T }> };

/**
 * A filter for `composer.filter()`: button presses whose callback data parses
 * as an action of `type` (bot/keyboards.ts).
 *
 * @example
 * ```ts ignore
 * composer.filter(isAction("refresh"), (ctx) => ctx.action.buildId);
 * ```
 */
export function isAction<T extends CallbackAction["type"]>(
  type: T,
): (ctx: TurnContext) => ctx is ActionContext<T> {
  return (ctx): ctx is ActionContext<T> => ctx.action?.type === type;
}

let offline: Api | undefined;

/**
 * An Api whose every call fails: inside a turn, replies must go through the
 * chat's durable outbox, never straight to Telegram.
 */
function offlineApi(): Api {
  if (offline) return offline;
  const api = new Api("0:chat-actor-turn");
  api.config.use((_prev, method) =>
    Promise.reject(
      new Error(
        `${method} inside a chat turn: reply with ctx.say/edit/answer, which go through the chat's outbox`,
      ),
    )
  );
  offline = api;
  return api;
}

/** What `ctx.me` holds in a turn: only the username is known to the chat actor. */
function meOf(username: string | undefined): UserFromGetMe {
  return {
    id: 0,
    is_bot: true,
    first_name: username ?? "bot",
    username: username ?? "",
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };
}

function userOf(from: ChatUser): User {
  return {
    id: from.id,
    is_bot: false,
    first_name: from.firstName ?? "",
    ...(from.username ? { username: from.username } : {}),
  };
}

/**
 * The Telegram update a turn's input stands for. A command is given in its
 * normal form (`/name args`, lower case, without `@thisbot`) with its
 * `bot_command` entity, so grammY's `command()` filter matches commands the
 * way {@linkcode parseCommand} reads them (case-insensitive, strict names).
 */
function updateOf(
  chatId: number,
  input: TurnInput,
  parsed: ParsedCommand | undefined,
): Update {
  const from = userOf(input.from);
  const chat: Message["chat"] = chatId === input.from.id
    ? { id: chatId, type: "private", first_name: from.first_name }
    : { id: chatId, type: "supergroup", title: "" };
  if (input.type === "button") {
    return {
      update_id: input.updateId,
      callback_query: {
        id: input.callbackQueryId,
        from,
        chat_instance: String(chatId),
        data: input.data,
      },
    };
  }
  const base = {
    message_id: input.messageId,
    date: input.date ?? 0,
    chat,
    from,
  };
  if (parsed === undefined || parsed.foreign) {
    return {
      update_id: input.updateId,
      message: { ...base, text: input.text },
    };
  }
  const command = `/${parsed.name}`;
  return {
    update_id: input.updateId,
    message: {
      ...base,
      text: parsed.args === "" ? command : `${command} ${parsed.args}`,
      entities: [{ type: "bot_command", offset: 0, length: command.length }],
    },
  };
}

/** Everything {@linkcode turnContext} needs. */
export interface TurnContextOptions {
  /** The chat actor's turn. */
  readonly turn: ChatContext;
  /** The chat's state at the start of the turn. */
  readonly state: ChatState;
  /** The text or button press. */
  readonly input: TurnInput;
  /** The bot's dependencies. */
  readonly deps: CommandDeps;
  /** The bot's username, once known (getMe), to tell `/cmd@otherbot` apart. */
  readonly botUsername: string | undefined;
}

/**
 * Makes the grammY context of one turn.
 *
 * @example
 * ```ts ignore
 * const ctx = turnContext({ turn, state, input, deps, botUsername: "troupe_bot" });
 * await composer.middleware()(ctx, () => Promise.resolve());
 * return ctx.chatState;
 * ```
 */
export function turnContext(options: TurnContextOptions): TurnContext {
  const { input } = options;
  const parsed = input.type === "text"
    ? parseCommand(input.text, options.botUsername)
    : undefined;
  const chatId = Number(options.turn.self.id);
  return new TurnContext(
    updateOf(chatId, input, parsed),
    meOf(options.botUsername),
    options.turn,
    input,
    options.state,
    options.deps,
    parsed,
  );
}
