/**
 * The chat actor: one per Telegram chat (key = chat id). Its mailbox keeps a
 * chat's updates in order; its durable state holds the conversation (the
 * /build wizard), so a question asked before a restart is still answered
 * after it. What a message means is decided by the {@linkcode ChatHandlers}
 * passed in (bot/commands.ts); this module owns the message and state shapes,
 * de-duplication of re-delivered updates, and {@linkcode notifyBuildEvent}
 * for the build actor.
 *
 * @module
 */
import { z } from "zod";
import {
  type ActorContext,
  type ActorRef,
  type Behavior,
  defineActor,
} from "../runtime/actor.ts";
import { InvalidMessageError } from "../runtime/errors.ts";

/** The actor kind name. */
export const CHAT_KIND = "chat";

/** The Telegram user behind an update. */
export interface ChatUser {
  readonly id: number;
  readonly username?: string;
  readonly firstName?: string;
}

/** A text message (commands included) someone sent in the chat. */
export interface TextInput {
  readonly type: "text";
  readonly updateId: number;
  readonly messageId: number;
  readonly text: string;
  readonly from: ChatUser;
}

/** A press of one of the bot's inline buttons. */
export interface ButtonInput {
  readonly type: "button";
  readonly updateId: number;
  readonly callbackQueryId: string;
  readonly data: string;
  /** The message carrying the keyboard, when Telegram still knows it. */
  readonly messageId?: number;
  readonly from: ChatUser;
}

/** A build event for this chat (see {@linkcode notifyBuildEvent}). */
export interface NoticeInput {
  readonly type: "notify";
  readonly notice:
    & { readonly type: string; readonly buildId: string }
    & Record<
      string,
      unknown
    >;
}

/** Every message a chat actor takes. */
export type ChatMessage = TextInput | ButtonInput | NoticeInput;

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
  /** Highest Telegram update id handled; re-delivered updates are skipped. */
  readonly lastUpdateId: number;
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
  return { lastUpdateId: 0, wizard: null, wizards: 0, recent: [] };
}

/** What a message means: implemented in bot/commands.ts. */
export interface ChatHandlers {
  text(
    ctx: ActorContext<ChatMessage>,
    state: ChatState,
    input: TextInput,
  ): Promise<ChatState>;
  button(
    ctx: ActorContext<ChatMessage>,
    state: ChatState,
    input: ButtonInput,
  ): Promise<ChatState>;
  notify(
    ctx: ActorContext<ChatMessage>,
    state: ChatState,
    input: NoticeInput,
  ): Promise<ChatState>;
}

const userSchema = z.object({
  id: z.number().int(),
  username: z.string().max(64).optional(),
  firstName: z.string().max(256).optional(),
});

/** Validates chat messages at the edge. */
export const chatMessageSchema: z.ZodType<ChatMessage> = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("text"),
      updateId: z.number().int().nonnegative(),
      messageId: z.number().int(),
      text: z.string().max(8192),
      from: userSchema,
    }),
    z.object({
      type: z.literal("button"),
      updateId: z.number().int().nonnegative(),
      callbackQueryId: z.string().min(1).max(128),
      data: z.string().max(256),
      messageId: z.number().int().optional(),
      from: userSchema,
    }),
    z.object({
      type: z.literal("notify"),
      notice: z.looseObject({
        type: z.string().min(1),
        buildId: z.string().min(1),
      }),
    }),
  ],
) as z.ZodType<ChatMessage>;

/** Options of {@linkcode createChatBehavior}. */
export interface ChatBehaviorOptions {
  readonly handlers: ChatHandlers;
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
  const { handlers } = options;
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
    async receive(ctx, state, message) {
      switch (message.type) {
        case "text":
        case "button": {
          // Polling is at-least-once (a new poller may fetch a batch again): an
          // update at or below the last handled id was already answered.
          if (message.updateId <= state.lastUpdateId) return state;
          const next = message.type === "text"
            ? await handlers.text(ctx, state, message)
            : await handlers.button(ctx, state, message);
          return { ...next, lastUpdateId: message.updateId };
        }
        case "notify":
          return await handlers.notify(ctx, state, message);
      }
    },
  });
}

/** How to reach actors; an `ActorSystem` or an `ActorContext` both fit. */
export interface ActorRefs {
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
