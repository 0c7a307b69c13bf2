/**
 * What the Telegram bot reports for metrics, and how it is counted.
 *
 * @module
 */
import type { Metrics } from "./types.ts";

/** Telegram update types the bot tells apart (`troupe_telegram_updates_total{type}`). */
export const TELEGRAM_UPDATE_TYPES = [
  "message",
  "callback_query",
  "other",
] as const;
/** Bot API methods the bot sends with (`troupe_telegram_*{method}`). */
export const TELEGRAM_SEND_METHODS = [
  "sendMessage",
  "editMessageText",
  "answerCallbackQuery",
] as const;
/** Bot API methods that can be rate limited: the sends and the poller's getUpdates. */
export const TELEGRAM_LIMITED_METHODS = [
  ...TELEGRAM_SEND_METHODS,
  "getUpdates",
] as const;

/** A Telegram update type as counted. */
export type TelegramUpdateType = typeof TELEGRAM_UPDATE_TYPES[number];
/** A Bot API method the outbox calls. */
export type TelegramSendMethod = typeof TELEGRAM_SEND_METHODS[number];

/** What the bot reports for metrics (see {@linkcode recordTelegram}). */
export type TelegramObservation =
  /** An update arrived (long polling or webhook). */
  | { type: "update"; update: TelegramUpdateType }
  /** Telegram accepted an outgoing message. */
  | { type: "sent"; method: TelegramSendMethod }
  /** Telegram refused an outgoing message for good (it is dropped). */
  | { type: "send_failed"; method: TelegramSendMethod }
  /** Telegram answered 429 (the call waits `retry_after` and is tried again). */
  | {
    type: "rate_limited";
    method: TelegramSendMethod | "getUpdates";
  };

/**
 * Counts one thing the Telegram bot reports: an update received, a message
 * sent, one refused for good, a 429.
 *
 * @example
 * ```ts
 * import { createMetrics, recordTelegram } from "../metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * // createBot({ ..., observe: (o) => recordTelegram(metrics, o) })
 * recordTelegram(metrics, { type: "sent", method: "sendMessage" });
 * ```
 */
export function recordTelegram(
  metrics: Metrics,
  observation: TelegramObservation,
): void {
  switch (observation.type) {
    case "update":
      metrics.telegramUpdates.inc({ type: observation.update });
      return;
    case "sent":
      metrics.telegramSends.inc({ method: observation.method });
      return;
    case "send_failed":
      metrics.telegramSendFailures.inc({ method: observation.method });
      return;
    case "rate_limited":
      metrics.telegramRateLimited.inc({ method: observation.method });
      return;
  }
}
