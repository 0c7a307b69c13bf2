/**
 * The platform's logger, in one place. The runtime reports what went wrong
 * off any caller's path (a failed internal post, a handler that threw, a
 * store found replaced) through {@linkcode Logger}, its two-method view; the
 * composition root passes {@linkcode jsonLogger} (a {@linkcode LeveledLogger},
 * which the HTTP request log and the rest of the platform use too); the
 * runtime's default writes to the console.
 *
 * @module
 */

/** Structured fields of a log line. */
export type LogFields = Record<string, unknown>;

/** The runtime's view of a logger. */
export interface Logger {
  /** Logs something that went wrong but was handled (a retry, a skip). */
  warn(message: string, fields?: LogFields): void;
  /** Logs a failure that lost work or needs an operator. */
  error(message: string, fields?: LogFields): void;
}

/**
 * The default logger: `console.warn` / `console.error` with the fields as JSON.
 *
 * @example
 * ```ts
 * import { consoleLogger } from "./logger.ts";
 * consoleLogger.warn("something odd", { component: "example" });
 * ```
 */
export const consoleLogger: Logger = {
  warn: (message, fields) =>
    console.warn(message, ...(fields ? [JSON.stringify(fields)] : [])),
  error: (message, fields) =>
    console.error(message, ...(fields ? [JSON.stringify(fields)] : [])),
};

/**
 * The platform's logger: every level. It fits wherever the runtime's
 * {@linkcode Logger} is asked for.
 */
export interface LeveledLogger extends Logger {
  /** Detail for debugging; dropped below the configured level. */
  debug(message: string, fields?: LogFields): void;
  /** Normal operation (one line per request, startup, shutdown). */
  info(message: string, fields?: LogFields): void;
}

/** Log levels in increasing severity. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<LogLevel, number> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
};

/**
 * A logger writing one JSON object per line.
 *
 * @example
 * ```ts
 * import { jsonLogger } from "./logger.ts";
 * const lines: string[] = [];
 * const logger = jsonLogger({ write: (line) => lines.push(line) });
 * logger.info("request", { status: 200 });
 * ```
 */
export function jsonLogger(
  options: {
    write?: (line: string) => void;
    level?: LogLevel;
    now?: () => number;
  } = {},
): LeveledLogger {
  const write = options.write ?? ((line: string) => console.log(line));
  const min = LEVELS[options.level ?? "info"];
  const now = options.now ?? Date.now;
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (LEVELS[level] < min) return;
    write(JSON.stringify({
      time: new Date(now()).toISOString(),
      level,
      msg: message,
      ...fields,
    }));
  };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
  };
}

/** A logger that drops everything. */
export const silentLogger: LeveledLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
