/**
 * Webhook mode: a Hono handler for Telegram's POSTs. The secret token header
 * is checked first (401 on a mismatch); a valid update is only handed to its
 * chat actor's durable mailbox, so the answer leaves well within Telegram's
 * timeout and the work happens in the actor.
 *
 * @module
 */
import { type Bot, webhookCallback } from "grammy";
import type { HonoContext } from "./_outside_types.ts";

/** A Hono route handler. */
export type WebhookHandler = (c: HonoContext) => Promise<Response>;

/**
 * The handler for `app.post(webhookPath(url), handler)`.
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * import { createWebhookHandler, webhookPath } from "./webhook.ts";
 * const app = new Hono();
 * app.post(webhookPath(config.TELEGRAM_WEBHOOK_URL!), createWebhookHandler(bot, { secretToken }));
 * ```
 */
export function createWebhookHandler(
  bot: Bot,
  options: { secretToken: string; timeoutMs?: number },
): WebhookHandler {
  const callback = webhookCallback(bot, "hono", {
    secretToken: options.secretToken,
    // The handler only enqueues to a mailbox; if storage is that slow, answer
    // anyway: Telegram would otherwise resend the same update.
    onTimeout: "return",
    timeoutMilliseconds: options.timeoutMs ?? 9_000,
  });
  return (c) => callback(c) as Promise<Response>;
}

/** The path the Hono app serves for a webhook URL (`https://host/tg/hook` -> `/tg/hook`). */
export function webhookPath(url: string): string {
  return new URL(url).pathname || "/";
}
