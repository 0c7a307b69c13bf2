/**
 * The bot's error classes.
 *
 * @module
 */

/** Base class of the bot's errors. */
export class BotError extends Error {
  override name = "BotError";
}

/**
 * Telegram refused the token (401 Unauthorized). Thrown at start instead of
 * retrying, so a wrong token is reported once, clearly.
 */
export class TelegramTokenError extends BotError {
  override name = "TelegramTokenError";
  constructor(readonly apiRoot: string, override readonly cause?: unknown) {
    super(
      `Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized from ${apiRoot}): check the token given by @BotFather, or unset TELEGRAM_BOT_TOKEN to run without the bot`,
    );
  }
}

/** The Bot API server could not be reached at start. */
export class TelegramUnavailableError extends BotError {
  override name = "TelegramUnavailableError";
  constructor(readonly apiRoot: string, override readonly cause: unknown) {
    super(
      `cannot reach the Telegram Bot API at ${apiRoot} (TELEGRAM_API_ROOT): ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
    );
  }
}
