/**
 * One structured log line per request, with its request id, route pattern,
 * status and duration. The query string is left out: it can carry secrets.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { routeLabel } from "../_route.ts";
import type {
  LeveledLogger as Logger,
  LogFields,
} from "../../runtime/logger.ts";

export {
  jsonLogger,
  type LeveledLogger as Logger,
  type LogFields,
  type LogLevel,
  silentLogger,
} from "../../runtime/logger.ts";

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
