/**
 * grammY's plugins on the bot's api, for every outgoing call:
 *
 * - `@grammyjs/transformer-throttler` paces calls that name a chat: at most
 *   one per `perChatIntervalMs` to a private chat, one per
 *   `perGroupIntervalMs` to a group, `globalPerSecond` in all (Telegram's
 *   limits: about 1 a second per chat, 20 a minute per group, 30 a second
 *   overall). Callback answers name no chat and are not paced.
 * - `@grammyjs/auto-retry` waits out a 429's `retry_after` (up to
 *   `maxDelaySeconds`) and retries 5xx answers with its own backoff, at most
 *   `maxRetryAttempts` times, inside the call. What it gives up on comes back
 *   to our loops, which keep what grammY does not offer: the outbox's per-chat
 *   order and its durable retries (bot/outbox.ts), and the poller's lease
 *   (bot/polling.ts). Network errors are left to those loops
 *   (`rethrowHttpErrors`): auto-retry would retry them without end, with
 *   waits growing to an hour, while the poller must renew its lease.
 * - Between the two, every 429 Telegram answers is reported (`onRateLimited`),
 *   also the ones auto-retry waits out, for the `troupe_telegram_*` metrics,
 * - Innermost, a guard: a call whose signal is already aborted is not made
 *   (auto-retry's wait does not notice a signal aborted before the wait
 *   began, and would otherwise send again after the outbox closed and gave
 *   the message back), and only `getUpdates` (which changes nothing) hands
 *   its signal to the HTTP request. A call that changes something is never
 *   aborted mid-request: aborting one mid-flight was seen to reach the Bot
 *   API twice (grammY's node-fetch under Deno), a duplicate message. The
 *   signal still ends auto-retry's and the throttler's waits.
 *
 * Order matters: grammY makes the transformer installed last the outermost.
 * Auto-retry goes last, so a retried call goes through the 429 observer and
 * the throttler again; the guard goes first, next to the HTTP request.
 *
 * @module
 */
import type { Api } from "./_outside_types.ts";
import { autoRetry } from "@grammyjs/auto-retry";
import {
  apiThrottler,
  type APIThrottlerOptions,
} from "@grammyjs/transformer-throttler";

/** Options of {@linkcode installApiPlugins}. */
export interface ApiPluginOptions {
  /** Least time between two calls to one private chat (default 1000 ms). */
  readonly perChatIntervalMs?: number;
  /** Least time between two calls to one group (default 3000 ms: 20 a minute). */
  readonly perGroupIntervalMs?: number;
  /** Calls naming a chat, all chats together, per second (default 30); `Infinity` disables it. */
  readonly globalPerSecond?: number;
  /** Longest `retry_after` waited out inside the call (default 60 s); longer ones are thrown. */
  readonly maxDelaySeconds?: number;
  /** Retries of one call after 429s and 5xx answers (default 3). */
  readonly maxRetryAttempts?: number;
  /** Whether auto-retry retries 5xx answers (default true); false hands them to the caller. */
  readonly retryServerErrors?: boolean;
  /** Told about every 429 answer: the method and `retry_after` in seconds. */
  readonly onRateLimited?: (method: string, retryAfterSeconds: number) => void;
}

/**
 * Installs the throttler, the 429 observer and auto-retry on `api`
 * (`bot.api`); call it once, before the first call.
 *
 * @example
 * ```ts
 * import { Api } from "grammy";
 * import { installApiPlugins } from "./api_plugins.ts";
 * const api = new Api("1:token");
 * installApiPlugins(api, { onRateLimited: (method, s) => console.log(method, s) });
 * ```
 */
export function installApiPlugins(
  api: Api,
  options: ApiPluginOptions = {},
): void {
  const perChat = options.perChatIntervalMs ?? 1000;
  const perGroup = options.perGroupIntervalMs ?? Math.max(3000, perChat);
  const perSecond = options.globalPerSecond ?? 30;
  const global: APIThrottlerOptions["global"] =
    Number.isFinite(perSecond) && perSecond > 0
      ? {
        reservoir: perSecond,
        reservoirRefreshAmount: perSecond,
        reservoirRefreshInterval: 1000,
      }
      : {};
  api.config.use((prev, method, payload, signal) => {
    if (signal?.aborted) {
      return Promise.reject(
        new Error(`${method} not called: its signal was aborted`),
      );
    }
    return prev(method, payload, method === "getUpdates" ? signal : undefined);
  });
  api.config.use(apiThrottler({
    global,
    group: { maxConcurrent: 1, minTime: perGroup },
    out: { maxConcurrent: 1, minTime: perChat },
  }));
  const onRateLimited = options.onRateLimited;
  if (onRateLimited) {
    api.config.use(async (prev, method, payload, signal) => {
      const result = await prev(method, payload, signal);
      if (!result.ok && result.error_code === 429) {
        onRateLimited(method, result.parameters?.retry_after ?? 0);
      }
      return result;
    });
  }
  api.config.use(autoRetry({
    maxDelaySeconds: options.maxDelaySeconds ?? 60,
    maxRetryAttempts: options.maxRetryAttempts ?? 3,
    rethrowHttpErrors: true,
    rethrowInternalServerErrors: options.retryServerErrors === false,
  }));
}
