/**
 * The Telegram bot: grammY wired to the chat actors. Updates (from long
 * polling or the webhook) are turned into chat messages and told to the chat
 * actor of their chat, whose durable mailbox keeps them in order; answers
 * are kept in the chat's state until Telegram acknowledges them and leave
 * through the per-chat ordered {@linkcode Outbox} (see actors/chat.ts).
 *
 * Transport: grammY's plugins sit on `bot.api` (bot/api_plugins.ts): the
 * throttler paces outgoing calls per chat and overall, auto-retry waits out
 * 429s and retries 5xx answers. What grammY does not offer stays ours: one
 * poller per bot token across nodes (bot/polling.ts, its lease and offset in
 * a {@linkcode PollerStore}: Deno KV or PostgreSQL, as the actor transport)
 * and the outbox's order and durable retries.
 *
 * Composition (main.ts):
 *
 * ```ts ignore
 * const telegram = createBot({ ...telegramOptionsFromConfig(config), data: dbChatData(db), pollerStore, nodeId });
 * const system = new ActorSystem({ behaviors: [...others, telegram.chatBehavior], ... });
 * system.start();
 * await telegram.start(system); // throws TelegramTokenError on a bad token
 * if (telegram.webhookHandler) app.post(telegram.webhookPath!, telegram.webhookHandler);
 * // build actor: notify = (chatId, notice) => notifyBuildEvent(system, chatId, notice)
 * await telegram.stop();
 * ```
 *
 * @module
 */
import { Bot, GrammyError, HttpError } from "grammy";
import type {
  Behavior,
  Config,
  GrammyBot,
  Update,
  UserFromGetMe,
} from "./_outside_types.ts";
import {
  type ActorRefs,
  CHAT_KIND,
  type ChatMessage,
  type ChatState,
  createChatBehavior,
} from "../actors/chat.ts";
import type {
  TelegramObservation,
  TelegramSendMethod,
  TelegramUpdateType,
} from "../actors/metrics.ts";
import { createChatHandlers } from "./commands/mod.ts";
import type { ChatData } from "./data.ts";
import { TelegramTokenError, TelegramUnavailableError } from "./errors.ts";
import { BOT_COMMANDS } from "./format.ts";
import { Outbox, type OutboxOptions, type OutgoingMessage } from "./outbox.ts";
import { Poller, type PollerEvent, type PollerOptions } from "./polling.ts";
import { installApiPlugins } from "./api_plugins.ts";
import type { PollerStore } from "./poller_store.ts";
import { KvPollerStore } from "./poller_store_kv.ts";
import {
  createWebhookHandler,
  type WebhookHandler,
  webhookPath,
} from "./webhook.ts";

export {
  BotError,
  TelegramTokenError,
  TelegramUnavailableError,
} from "./errors.ts";
export type {
  PollerAcquire,
  PollerAcquisition,
  PollerStore,
} from "./poller_store.ts";
export { MemoryPollerStore } from "./poller_store.ts";
export { KvPollerStore } from "./poller_store_kv.ts";
export { type ApiPluginOptions, installApiPlugins } from "./api_plugins.ts";
export {
  Outbox,
  type OutboxApi,
  type OutboxOptions,
  type OutboxSignal,
  type OutboxStats,
  type OutgoingMessage,
} from "./outbox.ts";
export {
  Poller,
  type PollerEvent,
  type PollerOptions,
  type PollingApi,
} from "./polling.ts";
export type { WebhookHandler } from "./webhook.ts";
export type { Clock, TimerId } from "../runtime/clock.ts";
export type { ChatReply, ReplyOutcome, ReplySender } from "../actors/chat.ts";
export { dbChatData } from "./data.ts";
export type {
  AdminActor,
  AdminStats,
  BuildInfo,
  BuildStatus,
  ChatData,
  LinkedUser,
  LinkOutcome,
  UserRole,
} from "./data.ts";
export { notifyBuildEvent } from "../actors/chat.ts";
// The chat actor's types and the value lists, as the command handlers' front
// door exports them; ActorRefs is the bot's own addition.
export {
  BUILD_STATUSES,
  type ButtonInput,
  type ChatMessage,
  type ChatState,
  type ChatUser,
  type DeliveredInput,
  type FlushInput,
  type NoticeInput,
  type PendingReply,
  type TextInput,
  USER_ROLES,
  type WizardState,
} from "./commands/mod.ts";
export type { ActorRefs } from "../actors/chat.ts";
export type {
  TelegramObservation,
  TelegramSendMethod,
  TelegramUpdateType,
} from "../actors/metrics.ts";
/** The values {@linkcode TelegramSendMethod} and {@linkcode TelegramUpdateType} are drawn from. */
export {
  TELEGRAM_SEND_METHODS,
  TELEGRAM_UPDATE_TYPES,
} from "../actors/metrics.ts";

/** A log line from the bot. */
export type BotLog = (
  level: "debug" | "info" | "warn" | "error",
  message: string,
  fields?: Record<string, unknown>,
) => void;

/** Options of {@linkcode createBot}. */
export interface BotOptions {
  /** TELEGRAM_BOT_TOKEN. */
  readonly token: string;
  /** TELEGRAM_API_ROOT (default https://api.telegram.org), without a trailing slash. */
  readonly apiRoot?: string;
  /** TELEGRAM_ADMIN_IDS. */
  readonly adminIds?: readonly number[];
  /** Webhook mode when set (TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET); long polling otherwise. */
  readonly webhook?: { readonly url: string; readonly secretToken: string };
  /** The chats' view of the database (link codes, users, builds): {@linkcode dbChatData}. */
  readonly data: ChatData;
  /**
   * Where the poller keeps its lease and offset, shared by the nodes
   * (platform.ts: PostgreSQL with the postgres actor transport, KV with kv).
   * Long polling needs it or `kv`.
   */
  readonly pollerStore?: PollerStore;
  /** An opened KV shared by the nodes: the poller's store when `pollerStore` is not given. */
  readonly kv?: Deno.Kv;
  /** This node's id (for the poller lease). */
  readonly nodeId: string;
  /** Skips getMe at start (tests). */
  readonly botInfo?: UserFromGetMe;
  /**
   * Outbox options. Its pacing (`perChatIntervalMs`, `perGroupIntervalMs`,
   * `globalPerSecond`) is applied by grammY's throttler on `bot.api`; the
   * outbox itself then runs unpaced. With a `clock` of its own the outbox
   * paces and waits out 429s itself, on that clock.
   */
  readonly outbox?: Omit<OutboxOptions, "api">;
  /** auto-retry's limits (defaults: wait out a `retry_after` up to 60 s, 3 retries). */
  readonly autoRetry?: { maxDelaySeconds?: number; maxRetryAttempts?: number };
  /** Poller settings (tests shorten them). */
  readonly polling?: Pick<
    PollerOptions,
    "pollTimeoutSeconds" | "leaseMs" | "backoff" | "clock"
  >;
  /** Commands per user per minute (default 20). */
  readonly rateLimitPerMinute?: number;
  /** How long to wait for the session actor (default 15 s). */
  readonly askTimeoutMs?: number;
  /** Passivate idle chat actors after this long (default 5 minutes). */
  readonly chatIdleTimeoutMs?: number;
  /** How often a chat retries replies Telegram has not acknowledged, e.g. after a restart (default 30 s). */
  readonly replyRetryMs?: number;
  /** Where the bot's log lines go (default: nowhere). */
  readonly log?: BotLog;
  /** Told about updates received, messages sent or refused and 429s (the `troupe_telegram_*` metrics). */
  readonly observe?: (observation: TelegramObservation) => void;
}

/** The bot, ready to be started. */
export interface TelegramBot {
  /** The grammY bot, its api carrying the plugins (api_plugins.ts). */
  readonly bot: GrammyBot;
  /** Where the chat actors' replies leave (per-chat order, durable retries). */
  readonly outbox: Outbox;
  /** Register it with the ActorSystem before {@linkcode TelegramBot.start}. */
  readonly chatBehavior: Behavior<ChatState, ChatMessage>;
  /** Webhook mode: the Hono handler, served at {@linkcode TelegramBot.webhookPath}. */
  readonly webhookHandler: WebhookHandler | undefined;
  /** Webhook mode: the path of `TELEGRAM_WEBHOOK_URL`. */
  readonly webhookPath: string | undefined;
  /** The poller (long polling mode, after start). */
  readonly poller: Poller | undefined;
  /**
   * Checks the token (getMe), registers the commands, then sets the webhook
   * or starts polling. Throws {@linkcode TelegramTokenError} on a bad token and
   * {@linkcode TelegramUnavailableError} when the Bot API cannot be reached.
   */
  start(refs: ActorRefs): Promise<void>;
  /** Hands one update to its chat actor (what polling and the webhook do). */
  route(update: Update): Promise<void>;
  /**
   * Stops polling and drains the outbox for up to `drainMs`; replies not sent
   * by then stay pending in their chats' state and go out after the next start.
   */
  stop(options?: { drainMs?: number }): Promise<void>;
}

/** The bot's options from the configuration, or undefined when no token is set. */
export function telegramOptionsFromConfig(
  config: Config,
):
  | Pick<BotOptions, "token" | "apiRoot" | "adminIds" | "webhook">
  | undefined {
  if (!config.TELEGRAM_BOT_TOKEN) return undefined;
  const webhook = config.TELEGRAM_WEBHOOK_URL
    ? {
      url: config.TELEGRAM_WEBHOOK_URL,
      secretToken: config.TELEGRAM_WEBHOOK_SECRET ?? "",
    }
    : undefined;
  if (webhook && webhook.secretToken === "") {
    throw new Error(
      "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: set a secret so the webhook can refuse forged updates",
    );
  }
  return {
    token: config.TELEGRAM_BOT_TOKEN,
    apiRoot: config.TELEGRAM_API_ROOT.replace(/\/+$/, ""),
    adminIds: config.TELEGRAM_ADMIN_IDS,
    ...(webhook ? { webhook } : {}),
  };
}

/**
 * Turns a Telegram update into a chat actor message; undefined for updates
 * the bot does not handle.
 */
export function toChatInput(
  update: Update,
): { chatId: number; message: ChatMessage } | undefined {
  const message = update.message;
  if (message?.from && !message.from.is_bot) {
    return {
      chatId: message.chat.id,
      message: {
        type: "text",
        updateId: update.update_id,
        messageId: message.message_id,
        date: message.date,
        text: (message.text ?? message.caption ?? "").slice(0, 8192),
        from: userOf(message.from),
      },
    };
  }
  const query = update.callback_query;
  if (query) {
    return {
      chatId: query.message?.chat.id ?? query.from.id,
      message: {
        type: "button",
        updateId: update.update_id,
        callbackQueryId: query.id,
        data: (query.data ?? "").slice(0, 256),
        ...(query.message ? { messageId: query.message.message_id } : {}),
        from: userOf(query.from),
      },
    };
  }
  return undefined;
}

function userOf(
  from: { id: number; username?: string; first_name?: string },
): { id: number; username?: string; firstName?: string } {
  return {
    id: from.id,
    ...(from.username ? { username: from.username.slice(0, 64) } : {}),
    ...(from.first_name ? { firstName: from.first_name.slice(0, 256) } : {}),
  };
}

/**
 * Creates the bot. Nothing is contacted until {@linkcode TelegramBot.start}.
 *
 * @example
 * ```ts ignore
 * import { createBot, dbChatData } from "./mod.ts";
 * const telegram = createBot({ token, data: dbChatData(db), kv, nodeId: "n1" });
 * ```
 */
export function createBot(options: BotOptions): TelegramBot {
  const apiRoot = options.apiRoot ?? "https://api.telegram.org";
  const log: BotLog = options.log ?? (() => {});
  const observe = options.observe ?? (() => {});
  const bot = new Bot(options.token, {
    client: { apiRoot },
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
  });
  const pacing = options.outbox ?? {};
  // An outbox given a clock of its own (tests that speed time up) keeps
  // pacing and retry waits on that clock; the plugins, on the wall clock,
  // then only observe 429s and hand them back. Otherwise the plugins pace
  // and retry, and the outbox keeps order and durable retries.
  const ownClock = pacing.clock !== undefined;
  installApiPlugins(bot.api, {
    ...(ownClock
      ? {
        perChatIntervalMs: 0,
        globalPerSecond: Infinity,
        maxDelaySeconds: 0,
        retryServerErrors: false,
      }
      : {
        ...(pacing.perChatIntervalMs !== undefined
          ? { perChatIntervalMs: pacing.perChatIntervalMs }
          : {}),
        ...(pacing.perGroupIntervalMs !== undefined
          ? { perGroupIntervalMs: pacing.perGroupIntervalMs }
          : {}),
        ...(pacing.globalPerSecond !== undefined
          ? { globalPerSecond: pacing.globalPerSecond }
          : {}),
      }),
    ...options.autoRetry,
    onRateLimited: (method, retryAfterSeconds) => {
      const metric = rateLimitedMethod(method);
      if (metric) observe({ type: "rate_limited", method: metric });
      log("warn", "telegram rate limited (429)", { method, retryAfterSeconds });
    },
  });
  const outbox = new Outbox({
    ...options.outbox,
    // The throttler on bot.api paces; the outbox keeps order and retries.
    ...(ownClock ? {} : {
      perChatIntervalMs: 0,
      perGroupIntervalMs: 0,
      globalPerSecond: Infinity,
    }),
    onDropped: (message, error) => {
      observe({ type: "send_failed", method: sendMethod(message) });
      log("warn", "telegram message dropped", {
        type: message.type,
        error: error instanceof Error ? error.message : String(error),
      });
      options.outbox?.onDropped?.(message, error);
    },
    onSent: (message) => {
      observe({ type: "sent", method: sendMethod(message) });
      options.outbox?.onSent?.(message);
    },
    // Counted by the api's 429 observer; here only the ones auto-retry
    // handed back (a retry_after beyond its limit).
    onRateLimited: (message, retryAfterSeconds) => {
      options.outbox?.onRateLimited?.(message, retryAfterSeconds);
    },
    api: bot.api,
  });
  let username = options.botInfo?.username;
  const chatBehavior = createChatBehavior({
    sender: outbox,
    onReplyEvicted: (chatId, reply) =>
      log("warn", "telegram reply given up: too many pending in one chat", {
        chatId,
        type: reply.type,
      }),
    ...(options.replyRetryMs !== undefined
      ? { replyRetryMs: options.replyRetryMs }
      : {}),
    handlers: createChatHandlers({
      data: options.data,
      adminIds: options.adminIds ?? [],
      botUsername: () => username,
      ...(options.rateLimitPerMinute !== undefined
        ? { rateLimitPerMinute: options.rateLimitPerMinute }
        : {}),
      ...(options.askTimeoutMs !== undefined
        ? { askTimeoutMs: options.askTimeoutMs }
        : {}),
    }),
    ...(options.chatIdleTimeoutMs !== undefined
      ? { idleTimeoutMs: options.chatIdleTimeoutMs }
      : {}),
  });

  let refs: ActorRefs | undefined;
  let poller: Poller | undefined;

  async function route(update: Update): Promise<void> {
    const input = toChatInput(update);
    if (!input) return;
    if (!refs) throw new Error("the Telegram bot is not started");
    await refs.ref(CHAT_KIND, String(input.chatId)).tell(input.message);
  }

  bot.use((ctx) => {
    observe({ type: "update", update: updateType(ctx.update) });
    return route(ctx.update);
  });

  const webhookHandler = options.webhook
    ? createWebhookHandler(bot, { secretToken: options.webhook.secretToken })
    : undefined;

  /** Chats in parallel, each chat's updates in order. */
  async function handleBatch(updates: Update[]): Promise<void> {
    const byChat = new Map<number, Update[]>();
    for (const update of updates) {
      const chatId = toChatInput(update)?.chatId ?? 0;
      const list = byChat.get(chatId) ?? [];
      list.push(update);
      byChat.set(chatId, list);
    }
    await Promise.all(
      [...byChat.values()].map(async (list) => {
        for (const update of list) await bot.handleUpdate(update);
      }),
    );
  }

  return {
    bot,
    outbox,
    chatBehavior,
    webhookHandler,
    webhookPath: options.webhook ? webhookPath(options.webhook.url) : undefined,
    get poller() {
      return poller;
    },
    route,
    async start(actorRefs) {
      refs = actorRefs;
      if (!options.botInfo) {
        // One getMe, not bot.init(): grammY's init retries network errors
        // forever, and a start-up check must fail once, clearly.
        try {
          bot.botInfo = await bot.api.getMe();
        } catch (error) {
          if (
            error instanceof GrammyError &&
            (error.error_code === 401 || error.error_code === 404)
          ) {
            // Telegram answers 404 for a token of the wrong shape.
            throw new TelegramTokenError(apiRoot, error);
          }
          if (error instanceof HttpError) {
            throw new TelegramUnavailableError(apiRoot, error);
          }
          throw error;
        }
      }
      username = bot.botInfo.username;
      try {
        await bot.api.setMyCommands([...BOT_COMMANDS]);
      } catch (error) {
        log("warn", "setMyCommands failed; commands still work", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
      if (options.webhook) {
        await bot.api.setWebhook(options.webhook.url, {
          secret_token: options.webhook.secretToken,
          allowed_updates: ["message", "callback_query"],
        });
        log("info", "telegram webhook set", {
          path: webhookPath(options.webhook.url),
        });
        return;
      }
      const store = options.pollerStore ??
        (options.kv ? new KvPollerStore({ kv: options.kv }) : undefined);
      if (!store) {
        throw new Error(
          "long polling needs storage shared by the nodes for the poller lease: pass pollerStore (or kv) to createBot",
        );
      }
      await bot.api.deleteWebhook();
      poller = new Poller({
        api: bot.api,
        store,
        botId: bot.botInfo.id,
        nodeId: options.nodeId,
        apiRoot,
        allowedUpdates: ["message", "callback_query"],
        handle: handleBatch,
        // 429s are counted by the api's observer (api_plugins.ts).
        onEvent: (event: PollerEvent) => logPollerEvent(log, event),
        ...options.polling,
      });
      poller.start().catch((error) =>
        log("error", "telegram polling stopped", {
          error: error instanceof Error ? error.message : String(error),
        })
      );
      log("info", "telegram long polling", { bot: username });
    },
    async stop(stopOptions = {}) {
      await poller?.stop();
      await outbox.close(
        stopOptions.drainMs !== undefined
          ? { drainMs: stopOptions.drainMs }
          : {},
      );
    },
  };
}

/** The metric label of a rate-limited method, if it has one. */
function rateLimitedMethod(
  method: string,
): TelegramSendMethod | "getUpdates" | undefined {
  switch (method) {
    case "sendMessage":
    case "editMessageText":
    case "answerCallbackQuery":
    case "getUpdates":
      return method;
    default:
      return undefined;
  }
}

/** The Bot API method the outbox calls for a message. */
function sendMethod(message: OutgoingMessage): TelegramSendMethod {
  switch (message.type) {
    case "send":
      return "sendMessage";
    case "edit":
      return "editMessageText";
    case "answer":
      return "answerCallbackQuery";
  }
}

function updateType(update: Update): TelegramUpdateType {
  if (update.message) return "message";
  if (update.callback_query) return "callback_query";
  return "other";
}

function logPollerEvent(log: BotLog, event: PollerEvent): void {
  switch (event.type) {
    case "leader":
      log("info", "telegram poller lease taken", { fence: event.fence });
      return;
    case "lease_lost":
      log("warn", "telegram poller lease lost");
      return;
    case "conflict":
      log(
        "warn",
        "telegram getUpdates conflict (409): another poller or a webhook",
        {
          retryInMs: event.retryInMs,
          description: event.description,
        },
      );
      return;
    case "reset":
      log(
        "warn",
        "telegram update ids restarted lower (a Bot API restart, or a week without updates): following the new ids",
        {
          previousOffset: event.previousOffset,
          firstUpdateId: event.firstUpdateId,
        },
      );
      return;
    case "rate_limited":
      log("warn", "telegram getUpdates rate limited", {
        retryAfterSeconds: event.retryAfterSeconds,
      });
      return;
    case "error":
      log("warn", "telegram polling error", {
        error: event.error instanceof Error
          ? event.error.message
          : String(event.error),
        retryInMs: event.retryInMs,
      });
      return;
    default:
      log("debug", `telegram poller ${event.type}`);
  }
}
