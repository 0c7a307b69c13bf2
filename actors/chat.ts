/**
 * The chat actor: one per Telegram chat (key = chat id). Its mailbox keeps a
 * chat's updates in order; its durable state holds the conversation (the
 * /build wizard), so a question asked before a restart is still answered
 * after it. What a message means is decided by the {@linkcode ChatHandlers}
 * passed in (bot/commands.ts); this module owns the message and state shapes,
 * de-duplication of re-delivered updates, the durable outbox of replies, and
 * {@linkcode notifyBuildEvent} for the build actor.
 *
 * De-duplication: polling and webhooks deliver at least once, so an update may
 * arrive twice. Update ids cannot tell: Telegram may restart them from a lower
 * (random) number, and a high-water mark would then drop every new update. A
 * chat instead remembers the identities of its last {@linkcode SEEN_WINDOW}
 * inputs: a message is (message_id, date), unique in its chat and unchanged
 * by a Bot API restart; a button press is its callback query id.
 *
 * Durable replies: handlers hand replies to `ctx.send`; the turn appends them
 * to `state.outbox`, which the runtime commits with the rest of the state.
 * Only then are they handed to the {@linkcode ReplySender} (a `flush` message
 * the actor sends itself, so sending starts after the commit), and each is
 * removed by a `delivered` message once Telegram acknowledged it (or refused
 * it for good). A durable reminder retries whatever is still pending, also
 * after a crash or restart. So a crash delays a reply instead of losing it;
 * a crash between Telegram's acknowledgement and the commit of `delivered`
 * (one state write) sends that reply again.
 *
 * @module
 */
import { z } from "zod";
import { type Behavior, defineActor } from "../runtime/actor.ts";
import type {
  ActorContext,
  ActorRef,
  InlineKeyboardMarkup,
} from "./_outside_types.ts";
import { InvalidMessageError } from "../runtime/errors.ts";

/** The actor kind name. */
export const CHAT_KIND = "chat";

/** How many recent input identities a chat remembers for de-duplication. */
export const SEEN_WINDOW = 200;

/** Most replies a chat keeps waiting for Telegram; older ones give way (and are reported). */
export const MAX_PENDING_REPLIES = 200;

/** One thing to send to Telegram. Texts are in the HTML parse mode (bot/format.ts). */
export type ChatReply =
  | {
    readonly type: "send";
    readonly chatId: number;
    readonly text: string;
    readonly keyboard?: InlineKeyboardMarkup;
  }
  | {
    readonly type: "edit";
    readonly chatId: number;
    readonly messageId: number;
    readonly text: string;
    /** Omitted: the message loses its keyboard. */
    readonly keyboard?: InlineKeyboardMarkup;
  }
  | {
    readonly type: "answer";
    readonly callbackQueryId: string;
    readonly text?: string;
    readonly alert?: boolean;
  };

/** A reply kept in the chat's state until Telegram acknowledged it. */
export interface PendingReply {
  /** Increasing per chat: the order replies leave in. */
  readonly id: number;
  /** What to send. */
  readonly reply: ChatReply;
}

/** How the outcome of one send attempt is reported by a {@linkcode ReplySender}. */
export type ReplyOutcome =
  /** Telegram acknowledged it. */
  | "sent"
  /** Telegram refused it for good (bad text, bot blocked): sending again would not help. */
  | "dropped"
  /** Not sent (the sender is closing): it stays pending. */
  | "unsent";

/** Sends replies (bot/outbox.ts): paced, retried, and de-duplicated by key while in flight. */
export interface ReplySender {
  /**
   * Sends `reply`. A `key` (chat id and pending reply id) that is already
   * queued, in flight or recently finished is not sent again: the call gets
   * that send's outcome.
   */
  send(key: string, reply: ChatReply): Promise<ReplyOutcome>;
}

/** The Telegram user behind an update. */
export interface ChatUser {
  /** Telegram's user id. */
  readonly id: number;
  /** The @username, when the user has one. */
  readonly username?: string;
  /** The user's first name, when Telegram sent it. */
  readonly firstName?: string;
}

/** A text message (commands included) someone sent in the chat. */
export interface TextInput {
  /** Tells a text from the other inputs. */
  readonly type: "text";
  /** The id of the Telegram update it came in (not used to de-duplicate: ids may restart lower). */
  readonly updateId: number;
  /** The message's id in its chat. */
  readonly messageId: number;
  /** The message's `date` (Unix seconds); with `messageId` it identifies the message. */
  readonly date?: number;
  /** The text (or a media caption), at most 8192 characters. */
  readonly text: string;
  /** Who sent it. */
  readonly from: ChatUser;
}

/** A press of one of the bot's inline buttons. */
export interface ButtonInput {
  /** Tells a button press from the other inputs. */
  readonly type: "button";
  /** The id of the Telegram update it came in (not used to de-duplicate: ids may restart lower). */
  readonly updateId: number;
  /** The callback query's id, which is also the input's identity. */
  readonly callbackQueryId: string;
  /** The button's callback data (bot/keyboards.ts). */
  readonly data: string;
  /** The message carrying the keyboard, when Telegram still knows it. */
  readonly messageId?: number;
  /** Who pressed it. */
  readonly from: ChatUser;
}

/** A build event for this chat (see {@linkcode notifyBuildEvent}). */
export interface NoticeInput {
  /** Tells a build notice from the other inputs. */
  readonly type: "notify";
  /** The build event: its type, its build and the event's own fields. */
  readonly notice:
    & { readonly type: string; readonly buildId: string }
    & Record<
      string,
      unknown
    >;
}

/** Hands pending replies to the sender (sent to self after a turn added some, and as a retry). */
export interface FlushInput {
  /** Tells a flush from the other inputs. */
  readonly type: "flush";
}

/** Telegram acknowledged (or refused for good) these pending replies. */
export interface DeliveredInput {
  /** Tells a delivery report from the other inputs. */
  readonly type: "delivered";
  /** Ids of the {@linkcode PendingReply}s to remove from the outbox. */
  readonly ids: readonly number[];
}

/** Every message a chat actor takes. */
export type ChatMessage =
  | TextInput
  | ButtonInput
  | NoticeInput
  | FlushInput
  | DeliveredInput;

/** What handlers see: the actor context plus `send`, which queues a reply durably. */
export interface ChatContext extends ActorContext<ChatMessage> {
  /** Queues a reply; it is committed with this turn's state and sent after. */
  send(reply: ChatReply): void;
}

/** The /build wizard's progress. */
export type WizardState =
  | {
    readonly step: "language";
    readonly nonce: string;
    readonly project: string;
    /** Only the user who started the wizard may answer it (matters in groups). */
    readonly userId: number;
  }
  | {
    readonly step: "requirements";
    readonly nonce: string;
    readonly project: string;
    readonly language: string;
    readonly userId: number;
  };

/** A chat actor's durable state. Small: Deno KV and the state store take it whole. */
export interface ChatState {
  /** Identities of recently handled inputs, oldest first (see the module doc): re-deliveries are skipped. */
  readonly seen: readonly string[];
  /** Replies not yet acknowledged by Telegram, oldest first. */
  readonly outbox: readonly PendingReply[];
  /** The id of the next pending reply. */
  readonly nextReplyId: number;
  /** When the retry reminder for `outbox` is due (ms); null when none is set. */
  readonly retryAt: number | null;
  /** The /build wizard under way; null when none is. */
  readonly wizard: WizardState | null;
  /** Counter for wizard nonces, so buttons of an earlier wizard are stale. */
  readonly wizards: number;
  /** Start times (ms) of recent commands, for the rate limit of unlinked users. */
  readonly recent: readonly number[];
  /** Until when (ms) further rate-limited messages are dropped without another reply. */
  readonly quietUntil?: number;
}

/** What a fresh chat starts with. */
export function initialChatState(): ChatState {
  return {
    seen: [],
    outbox: [],
    nextReplyId: 1,
    retryAt: null,
    wizard: null,
    wizards: 0,
    recent: [],
  };
}

/** A state saved by an earlier version (a high-water mark, no outbox) brought to today's shape. */
function upgrade(state: ChatState): ChatState {
  const old: Partial<ChatState> & { lastUpdateId?: number } = state;
  if (old.seen && old.outbox && old.nextReplyId !== undefined) return state;
  const { lastUpdateId: _dropped, ...rest } = old;
  return {
    ...initialChatState(),
    ...rest,
  };
}

/** The identity of an input, for de-duplication. */
export function inputIdentity(input: TextInput | ButtonInput): string {
  return input.type === "text"
    ? `m:${input.messageId}:${input.date ?? ""}`
    : `q:${input.callbackQueryId}`;
}

/** What a message means: implemented in bot/commands.ts. */
export interface ChatHandlers {
  /** Handles a text (a command, a wizard answer, anything else); gives the new state. */
  text(
    ctx: ChatContext,
    state: ChatState,
    input: TextInput,
  ): Promise<ChatState>;
  /** Handles a button press; gives the new state. */
  button(
    ctx: ChatContext,
    state: ChatState,
    input: ButtonInput,
  ): Promise<ChatState>;
  /** Tells the chat about a build event; gives the new state. */
  notify(
    ctx: ChatContext,
    state: ChatState,
    input: NoticeInput,
  ): Promise<ChatState>;
}

const userSchema = z.object({
  id: z.number().int(),
  username: z.string().max(64).exactOptional(),
  firstName: z.string().max(256).exactOptional(),
});

/** Validates chat messages at the edge. */
export const chatMessageSchema: z.ZodType<ChatMessage> = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("text"),
      updateId: z.number().int().nonnegative(),
      messageId: z.number().int(),
      date: z.number().int().nonnegative().exactOptional(),
      text: z.string().max(8192),
      from: userSchema,
    }),
    z.object({
      type: z.literal("button"),
      updateId: z.number().int().nonnegative(),
      callbackQueryId: z.string().min(1).max(128),
      data: z.string().max(256),
      messageId: z.number().int().exactOptional(),
      from: userSchema,
    }),
    z.object({
      type: z.literal("notify"),
      notice: z.looseObject({
        type: z.string().min(1),
        buildId: z.string().min(1),
      }),
    }),
    z.object({ type: z.literal("flush") }),
    z.object({
      type: z.literal("delivered"),
      ids: z.array(z.number().int().positive()).max(1000),
    }),
  ],
);

/** Options of {@linkcode createChatBehavior}. */
export interface ChatBehaviorOptions {
  readonly handlers: ChatHandlers;
  /** Sends the replies (bot/outbox.ts). */
  readonly sender: ReplySender;
  /** How long after a flush pending replies are handed to the sender again (default 30 s). */
  readonly replyRetryMs?: number;
  /** Told when a pending reply gives way to newer ones (more than {@linkcode MAX_PENDING_REPLIES}). */
  readonly onReplyEvicted?: (chatId: string, reply: ChatReply) => void;
  /** Passivate after this long without messages (default 5 minutes). */
  readonly idleTimeoutMs?: number;
}

/**
 * The chat actor kind.
 *
 * @example
 * ```ts ignore
 * import { createChatBehavior } from "./chat.ts";
 * import { createChatHandlers } from "../bot/commands.ts";
 * system.register(createChatBehavior({ handlers: createChatHandlers(deps) }));
 * ```
 */
export function createChatBehavior(
  options: ChatBehaviorOptions,
): Behavior<ChatState, ChatMessage> {
  const { handlers, sender } = options;
  const retryMs = options.replyRetryMs ?? 30_000;

  /** Appends this turn's replies to the outbox; sending starts after the commit. */
  async function queueReplies(
    ctx: ActorContext<ChatMessage>,
    state: ChatState,
    replies: readonly ChatReply[],
  ): Promise<ChatState> {
    if (replies.length === 0) return state;
    let id = state.nextReplyId;
    let outbox = [
      ...state.outbox,
      ...replies.map((reply) => ({ id: id++, reply })),
    ];
    if (outbox.length > MAX_PENDING_REPLIES) {
      const evicted = outbox.slice(0, outbox.length - MAX_PENDING_REPLIES);
      outbox = outbox.slice(-MAX_PENDING_REPLIES);
      for (const p of evicted) options.onReplyEvicted?.(ctx.self.id, p.reply);
    }
    // A timer, not a reminder: it is only the prompt start; the reminder
    // armed below is what survives a crash.
    ctx.setTimer("flush", { type: "flush" }, 0);
    return await armRetry(ctx, { ...state, outbox, nextReplyId: id });
  }

  /** Keeps one durable retry reminder while replies are pending. */
  async function armRetry(
    ctx: ActorContext<ChatMessage>,
    state: ChatState,
  ): Promise<ChatState> {
    if (state.outbox.length === 0) return state;
    const now = ctx.now();
    if (state.retryAt !== null && state.retryAt > now) return state;
    await ctx.remind({ type: "flush" }, retryMs);
    return { ...state, retryAt: now + retryMs };
  }

  /** Hands every pending reply to the sender (it skips those already in flight). */
  async function flush(
    ctx: ActorContext<ChatMessage>,
    state: ChatState,
  ): Promise<ChatState> {
    const self = ctx.ref<ChatMessage>(CHAT_KIND, ctx.self.id);
    for (const pending of state.outbox) {
      sender.send(`${ctx.self.id}:${pending.id}`, pending.reply).then(
        (outcome) =>
          outcome === "unsent"
            ? undefined
            : self.tell({ type: "delivered", ids: [pending.id] }),
      ).catch(() => {
        // The system is stopping: the retry reminder sends it again.
      });
    }
    // Half a period of slack: a reminder delivered a little early still counts.
    const due = state.retryAt !== null &&
      state.retryAt - retryMs / 2 <= ctx.now();
    return await armRetry(ctx, due ? { ...state, retryAt: null } : state);
  }

  return defineActor<ChatState, ChatMessage>({
    kind: CHAT_KIND,
    durable: true,
    idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
    initialState: () => initialChatState(),
    parse(input) {
      const result = chatMessageSchema.safeParse(input);
      if (result.success) return result.data;
      throw new InvalidMessageError(
        CHAT_KIND,
        result.error.issues.map((i) => ({
          path: i.path.join("."),
          message: i.message,
        })),
      );
    },
    async receive(ctx, saved, message) {
      const state = upgrade(saved);
      switch (message.type) {
        case "text":
        case "button": {
          // Polling and webhooks are at-least-once: an input already seen was
          // answered. Identity, not update id: ids may restart lower.
          const identity = inputIdentity(message);
          if (state.seen.includes(identity)) return state;
          const seen = [...state.seen, identity].slice(-SEEN_WINDOW);
          const replies: ChatReply[] = [];
          const turn = chatContext(ctx, replies);
          const next = message.type === "text"
            ? await handlers.text(turn, state, message)
            : await handlers.button(turn, state, message);
          return await queueReplies(ctx, { ...next, seen }, replies);
        }
        case "notify": {
          const replies: ChatReply[] = [];
          const next = await handlers.notify(
            chatContext(ctx, replies),
            state,
            message,
          );
          return await queueReplies(ctx, next, replies);
        }
        case "flush":
          return await flush(ctx, state);
        case "delivered": {
          const done = new Set(message.ids);
          return {
            ...state,
            outbox: state.outbox.filter((p) => !done.has(p.id)),
          };
        }
      }
    },
  });
}

/** The context handlers get: `ctx` itself, plus `send` collecting this turn's replies. */
function chatContext(
  ctx: ActorContext<ChatMessage>,
  replies: ChatReply[],
): ChatContext {
  return {
    self: ctx.self,
    get parent() {
      return ctx.parent;
    },
    seq: ctx.seq,
    fence: ctx.fence,
    now: () => ctx.now(),
    reply: (value) => ctx.reply(value),
    ref: (kind, id) => ctx.ref(kind, id),
    spawn: (kind, id) => ctx.spawn(kind, id),
    setTimer: (name, message, ms) => ctx.setTimer(name, message, ms),
    cancelTimer: (name) => ctx.cancelTimer(name),
    remind: (message, ms) => ctx.remind(message, ms),
    send: (reply) => {
      replies.push(reply);
    },
  };
}

/** How to reach actors; an `ActorSystem` or an `ActorContext` both fit. */
export interface ActorRefs {
  /** A handle to the actor `id` of the kind `kind`. */
  ref(kind: string, id: string): ActorRef;
}

/**
 * Tells a chat about a build event. The build actor's `notify` dependency
 * calls this; the chat actor formats and sends it, paced with the chat's
 * other messages.
 *
 * @example
 * ```ts ignore
 * import { notifyBuildEvent } from "./chat.ts";
 * await notifyBuildEvent(system, 42, {
 *   type: "build_failed", buildId, project: "todo", reason: "tests failed 3 times",
 * });
 * ```
 */
export function notifyBuildEvent(
  refs: ActorRefs,
  chatId: number,
  notice: NoticeInput["notice"],
): Promise<void> {
  const message: NoticeInput = { type: "notify", notice };
  return refs.ref(CHAT_KIND, String(chatId)).tell(message);
}
