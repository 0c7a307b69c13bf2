/**
 * The bot's error classes.
 *
 * @module
 */

/** Base class of the bot's errors. */
export class BotError extends Error {
  /** Always `BotError` (subclasses name themselves). */
  override name = "BotError";
}

/**
 * Telegram refused the token (401 Unauthorized). Thrown at start instead of
 * retrying, so a wrong token is reported once, clearly.
 */
export class TelegramTokenError extends BotError {
  /** Always `TelegramTokenError`. */
  override name = "TelegramTokenError";
  /** `apiRoot`: the Bot API server asked; `cause`: its answer. */
  constructor(
    /** The Bot API server that refused the token. */
    readonly apiRoot: string,
    /** grammY's error for the refusal. */
    override readonly cause?: unknown,
  ) {
    super(
      `Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized from ${apiRoot}): check the token given by @BotFather, or unset TELEGRAM_BOT_TOKEN to run without the bot`,
    );
  }
}

/** The Bot API server could not be reached at start. */
export class TelegramUnavailableError extends BotError {
  /** Always `TelegramUnavailableError`. */
  override name = "TelegramUnavailableError";
  /** `apiRoot`: the Bot API server tried; `cause`: why it failed. */
  constructor(
    /** The Bot API server that could not be reached. */
    readonly apiRoot: string,
    /** The network error. */
    override readonly cause: unknown,
  ) {
    super(
      `cannot reach the Telegram Bot API at ${apiRoot} (TELEGRAM_API_ROOT): ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
    );
  }
}
