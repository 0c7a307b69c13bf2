/**
 * One structured log line per request, with its request id, route pattern,
 * status and duration. The query string is left out: it can carry secrets.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { routeLabel } from "../_route.ts";

/** Structured fields of a log line. */
export type LogFields = Record<string, unknown>;

/** Where log lines go. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
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
): Logger {
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
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { jsonLogger, requestLogger } from "./logger.ts";
 * import type { AppEnv } from "../context.ts";
 * const app = new Hono<AppEnv>().use(requestLogger(jsonLogger()));
 * ```
 */
export function requestLogger(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestLoggerMiddleware(c, next) {
    const start = performance.now();
    await next();
    const status = c.res.status;
    const principal = c.get("principal");
    const fields: LogFields = {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      route: routeLabel(c),
      status,
      durationMs: Math.round((performance.now() - start) * 1000) / 1000,
    };
    if (principal) {
      fields.userId = principal.user.id;
      fields.keyPrefix = principal.key.prefix;
    }
    if (status >= 500) logger.error("request", fields);
    else logger.info("request", fields);
  };
}
