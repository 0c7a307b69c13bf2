/**
 * Outgoing Telegram messages, in order per chat. Each chat has its own queue and
 * worker: messages to one chat leave in order, at most one per
 * `perChatIntervalMs`; a 429 answer pauses only that chat for `retry_after`
 * seconds and the same message is tried again, so a flood in one chat never
 * holds up another and nothing is dropped for being rate limited. Network
 * errors and 5xx answers are retried with backoff; only permanent refusals
 * (400, 403: bad text, bot blocked) drop a message, reported through
 * `onDropped`.
 *
 * The bot (mod.ts) gives the outbox an api with grammY's plugins installed
 * (bot/api_plugins.ts): the throttler paces the calls and auto-retry waits
 * out 429s and short 5xx streaks inside the call, so there the outbox runs
 * with its own pacing off and its retries only see what auto-retry gave up
 * on (a `retry_after` beyond its limit, a network error). Its own pacing and
 * retries remain for a plain api. What grammY does not offer stays here:
 * per-chat order, keyed de-duplication, and a message never dropped for
 * being rate limited; the chat actors keep unacknowledged replies in their
 * state and hand them over again after a restart.
 *
 * The outbox is the chat actors' {@linkcode ReplySender}: each reply comes
 * with a key (chat and reply id); a key already queued or in flight is not
 * queued again, and a key acknowledged recently (the last
 * `rememberDone` keys) answers its earlier outcome without sending again,
 * so a retry that crosses an acknowledgement does not send twice.
 *
 * @module
 */
import { GrammyError, HttpError } from "grammy";
import type { Api, InlineKeyboardMarkup } from "./_outside_types.ts";
import { type Clock, realClock, type TimerId } from "../runtime/clock.ts";
import type { ChatReply, ReplyOutcome, ReplySender } from "../actors/chat.ts";
import { PARSE_MODE } from "./format.ts";

/** One thing to send (the chat actor's reply shape). Texts are in the HTML parse mode (see format.ts). */
export type OutgoingMessage = ChatReply;

/** grammY types its signal with an AbortSignal shim; the platform's is the same at run time. */
export type OutboxSignal = Parameters<Api["sendMessage"]>[3];

/**
 * The part of grammY's `Api` the outbox calls. The signal is aborted when
 * the outbox closes, which also ends a wait inside auto-retry.
 */
export interface OutboxApi {
  /** Bot API sendMessage. */
  sendMessage(
    chatId: number,
    text: string,
    other?: { parse_mode?: "HTML"; reply_markup?: InlineKeyboardMarkup },
    signal?: OutboxSignal,
  ): Promise<unknown>;
  /** Bot API editMessageText. */
  editMessageText(
    chatId: number,
    messageId: number,
    text: string,
    other?: { parse_mode?: "HTML"; reply_markup?: InlineKeyboardMarkup },
    signal?: OutboxSignal,
  ): Promise<unknown>;
  /** Bot API answerCallbackQuery. */
  answerCallbackQuery(
    callbackQueryId: string,
    other?: { text?: string; show_alert?: boolean },
    signal?: OutboxSignal,
  ): Promise<unknown>;
}

/** Options of {@linkcode Outbox}. */
export interface OutboxOptions {
  /** grammY's api (`bot.api`), or the part of it the outbox calls. */
  readonly api: OutboxApi;
  /** Least time between two messages to one private chat (default 1000 ms). */
  readonly perChatIntervalMs?: number;
  /** Least time between two messages to one group (default 3000 ms: 20 a minute). */
  readonly perGroupIntervalMs?: number;
  /** All chats together (default 30 a second); `Infinity` disables it. */
  readonly globalPerSecond?: number;
  /** First retry delay after a network error or 5xx (default 500 ms), doubling up to `maxBackoffMs`. */
  readonly backoffMs?: number;
  /** Longest retry delay (default 30 s). */
  readonly maxBackoffMs?: number;
  /** Pacing and retry delays are measured on it (default: the wall clock). */
  readonly clock?: Clock;
  /** How many acknowledged keys to remember (default 10,000). */
  readonly rememberDone?: number;
  /** Told about a message Telegram refused for good. */
  readonly onDropped?: (message: OutgoingMessage, error: unknown) => void;
  /** Told about each message Telegram accepted, for metrics. */
  readonly onSent?: (message: OutgoingMessage) => void;
  /** Told about each 429, for metrics and logs. */
  readonly onRateLimited?: (
    message: OutgoingMessage,
    retryAfterSeconds: number,
  ) => void;
}

/** Counters since the outbox was created. */
export interface OutboxStats {
  /** Messages Telegram accepted. */
  sent: number;
  /** 429 answers that reached the outbox (auto-retry waits out the short ones). */
  rateLimited: number;
  /** Attempts made again (429, 5xx, network errors). */
  retried: number;
  /** Messages Telegram refused for good. */
  dropped: number;
}

interface Item {
  readonly message: OutgoingMessage;
  readonly key: string | undefined;
  readonly promise: Promise<ReplyOutcome>;
  readonly done: (outcome: ReplyOutcome) => void;
}

interface Lane {
  readonly items: Item[];
  running: boolean;
  /** Earliest time the next message may leave. */
  nextAt: number;
}

/**
 * Per-chat paced delivery of outgoing messages.
 *
 * @example
 * ```ts ignore
 * import { Bot } from "grammy";
 * import { Outbox } from "./outbox.ts";
 * const bot = new Bot(token);
 * const outbox = new Outbox({ api: bot.api });
 * outbox.enqueue({ type: "send", chatId: 42, text: "<b>hi</b>" });
 * await outbox.close();
 * ```
 */
export class Outbox implements ReplySender {
  /** Counters since the outbox was created. */
  readonly stats: OutboxStats = {
    sent: 0,
    rateLimited: 0,
    retried: 0,
    dropped: 0,
  };
  readonly #api: OutboxApi;
  readonly #clock: Clock;
  readonly #privateInterval: number;
  readonly #groupInterval: number;
  readonly #globalSpacing: number;
  readonly #backoff: number;
  readonly #maxBackoff: number;
  readonly #onDropped: OutboxOptions["onDropped"];
  readonly #onRateLimited: OutboxOptions["onRateLimited"];
  readonly #onSent: OutboxOptions["onSent"];
  readonly #lanes = new Map<string, Lane>();
  /** Keyed items queued or in flight. */
  readonly #inFlight = new Map<string, Item>();
  /** Outcomes of recently finished keyed items, oldest first. */
  readonly #doneKeys = new Map<string, ReplyOutcome>();
  readonly #rememberDone: number;
  readonly #sleeps = new Map<TimerId, () => void>();
  #globalNextAt = 0;
  #pending = 0;
  #idleWaiters: (() => void)[] = [];
  #closed = false;
  /** Aborted at close: ends calls still in flight (and auto-retry's waits). */
  readonly #abort = new AbortController();

  /** An outbox over `options.api`; it starts sending at the first message. */
  constructor(options: OutboxOptions) {
    this.#api = options.api;
    this.#clock = options.clock ?? realClock;
    this.#privateInterval = options.perChatIntervalMs ?? 1000;
    this.#groupInterval = options.perGroupIntervalMs ??
      Math.max(3000, this.#privateInterval);
    const perSecond = options.globalPerSecond ?? 30;
    this.#globalSpacing = Number.isFinite(perSecond) && perSecond > 0
      ? 1000 / perSecond
      : 0;
    this.#backoff = options.backoffMs ?? 500;
    this.#maxBackoff = options.maxBackoffMs ?? 30_000;
    this.#rememberDone = options.rememberDone ?? 10_000;
    this.#onDropped = options.onDropped;
    this.#onRateLimited = options.onRateLimited;
    this.#onSent = options.onSent;
  }

  /** Messages accepted and not yet delivered or dropped. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Queues a message. The promise resolves true once Telegram accepted it,
   * false if it was dropped (refused for good, or the outbox closed first); it
   * never rejects, so callers may ignore it.
   */
  enqueue(message: OutgoingMessage): Promise<boolean> {
    return this.#add(message, undefined).then((o) => o === "sent");
  }

  /**
   * Queues a keyed message unless that key is queued, in flight, or finished
   * recently; resolves with its outcome ("unsent" when the outbox closed
   * first). Never rejects.
   */
  send(key: string, message: OutgoingMessage): Promise<ReplyOutcome> {
    const done = this.#doneKeys.get(key);
    if (done !== undefined) return Promise.resolve(done);
    const flying = this.#inFlight.get(key);
    if (flying) return flying.promise;
    return this.#add(message, key);
  }

  #add(
    message: OutgoingMessage,
    key: string | undefined,
  ): Promise<ReplyOutcome> {
    if (this.#closed) return Promise.resolve("unsent");
    const { promise, resolve } = Promise.withResolvers<ReplyOutcome>();
    const laneKey = message.type === "answer"
      ? `answer:${message.callbackQueryId}`
      : `chat:${message.chatId}`;
    let lane = this.#lanes.get(laneKey);
    if (!lane) {
      lane = { items: [], running: false, nextAt: 0 };
      this.#lanes.set(laneKey, lane);
    }
    const item: Item = { message, key, promise, done: resolve };
    lane.items.push(item);
    if (key !== undefined) this.#inFlight.set(key, item);
    this.#pending++;
    if (!lane.running) {
      lane.running = true;
      this.#run(laneKey, lane);
    }
    return promise;
  }

  /** Resolves when every queued message was delivered or dropped. */
  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#idleWaiters.push(resolve);
    return promise;
  }

  /**
   * Stops taking messages, waits up to `drainMs` (default 10 s) for the queued
   * ones, then gives up on the rest. Returns the messages left unsent.
   */
  async close(
    options: { drainMs?: number } = {},
  ): Promise<OutgoingMessage[]> {
    this.#closed = true;
    const drainMs = options.drainMs ?? 10_000;
    if (this.#pending > 0 && drainMs > 0) {
      let timer: TimerId | undefined;
      await Promise.race([
        this.idle(),
        new Promise<void>((resolve) => {
          timer = this.#clock.setTimeout(resolve, drainMs);
        }),
      ]);
      if (timer !== undefined) this.#clock.clearTimeout(timer);
    }
    const left: OutgoingMessage[] = [];
    for (const lane of this.#lanes.values()) {
      for (const item of lane.items.splice(0)) {
        left.push(item.message);
        this.#finish(item, "unsent");
      }
    }
    this.#abort.abort();
    for (const [id, wake] of this.#sleeps) {
      this.#clock.clearTimeout(id);
      wake();
    }
    this.#sleeps.clear();
    return left;
  }

  async #run(key: string, lane: Lane): Promise<void> {
    let failures = 0;
    while (lane.items.length > 0) {
      const item = lane.items[0]!;
      const paced = item.message.type !== "answer";
      if (paced) {
        const wait = Math.max(
          lane.nextAt - this.#clock.now(),
          this.#reserveGlobal() - this.#clock.now(),
        );
        if (wait > 0) await this.#sleep(wait);
        if (lane.items[0] !== item) continue; // closed meanwhile
      }
      const outcome = await this.#attempt(item.message);
      if (lane.items[0] !== item) continue;
      if (outcome.type === "retry") {
        failures++;
        this.stats.retried++;
        const delay = outcome.afterMs ??
          Math.min(this.#maxBackoff, this.#backoff * 2 ** (failures - 1));
        lane.nextAt = this.#clock.now() + delay;
        if (!paced) await this.#sleep(delay);
        continue;
      }
      failures = 0;
      lane.items.shift();
      lane.nextAt = this.#clock.now() + this.#interval(item.message);
      this.#finish(item, outcome.type);
    }
    lane.running = false;
    if (this.#lanes.get(key) === lane) this.#lanes.delete(key);
  }

  #interval(message: OutgoingMessage): number {
    if (message.type === "answer") return 0;
    return message.chatId < 0 ? this.#groupInterval : this.#privateInterval;
  }

  /** Takes the next global send slot and returns its time. */
  #reserveGlobal(): number {
    if (this.#globalSpacing === 0) return 0;
    const slot = Math.max(this.#clock.now(), this.#globalNextAt);
    this.#globalNextAt = slot + this.#globalSpacing;
    return slot;
  }

  async #attempt(
    message: OutgoingMessage,
  ): Promise<
    { type: "sent" } | { type: "dropped" } | {
      type: "retry";
      afterMs?: number;
    }
  > {
    const signal = this.#abort.signal as OutboxSignal & AbortSignal;
    try {
      switch (message.type) {
        case "send":
          await this.#api.sendMessage(message.chatId, message.text, {
            parse_mode: PARSE_MODE,
            ...(message.keyboard ? { reply_markup: message.keyboard } : {}),
          }, signal);
          break;
        case "edit":
          await this.#api.editMessageText(
            message.chatId,
            message.messageId,
            message.text,
            {
              parse_mode: PARSE_MODE,
              reply_markup: message.keyboard ?? { inline_keyboard: [] },
            },
            signal,
          );
          break;
        case "answer":
          await this.#api.answerCallbackQuery(message.callbackQueryId, {
            ...(message.text !== undefined ? { text: message.text } : {}),
            ...(message.alert ? { show_alert: true } : {}),
          }, signal);
          break;
      }
      this.stats.sent++;
      this.#onSent?.(message);
      return { type: "sent" };
    } catch (error) {
      // Closed mid-call: the item was already given back as unsent.
      if (signal.aborted) return { type: "retry" };
      if (error instanceof GrammyError) {
        if (error.error_code === 429) {
          const seconds = error.parameters.retry_after ?? 1;
          this.stats.rateLimited++;
          this.#onRateLimited?.(message, seconds);
          return { type: "retry", afterMs: seconds * 1000 };
        }
        if (error.error_code >= 500) return { type: "retry" };
        if (/message is not modified/i.test(error.description)) {
          return { type: "sent" };
        }
        if (message.type === "answer" && error.error_code === 400) {
          // The query expired; nothing left to answer.
          return { type: "dropped" };
        }
        this.stats.dropped++;
        this.#onDropped?.(message, error);
        return { type: "dropped" };
      }
      if (error instanceof HttpError) return { type: "retry" };
      this.stats.dropped++;
      this.#onDropped?.(message, error);
      return { type: "dropped" };
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const id = this.#clock.setTimeout(() => {
        this.#sleeps.delete(id);
        resolve();
      }, ms);
      this.#sleeps.set(id, resolve);
    });
  }

  #finish(item: Item, outcome: ReplyOutcome): void {
    this.#pending--;
    if (item.key !== undefined) {
      this.#inFlight.delete(item.key);
      if (outcome !== "unsent") {
        this.#doneKeys.set(item.key, outcome);
        if (this.#doneKeys.size > this.#rememberDone) {
          const oldest = this.#doneKeys.keys().next();
          if (!oldest.done) this.#doneKeys.delete(oldest.value);
        }
      }
    }
    item.done(outcome);
    if (this.#pending === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}
