/**
 * Refuses requests that write (every method but GET, HEAD and OPTIONS) while
 * a guard says the stores cannot take writes, e.g. the disk under `DATA_DIR`
 * is below `DATA_DIR_MIN_FREE_MB`. The guard's error is thrown as is, so the
 * error mapping answers 503 `storage_unavailable` naming the store and the
 * cause; reads go on being served.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";

/** Returns the error refused writes answer, or `undefined` while writes may go ahead. */
export type WriteGuard = () => Error | undefined;

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { writeGuard } from "./write_guard.ts";
 * import type { AppEnv } from "../context.ts";
 * const app = new Hono<AppEnv>().use(writeGuard(() => undefined));
 * ```
 */
export function writeGuard(guard: WriteGuard): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!READS.has(c.req.method)) {
      const refused = guard();
      if (refused) throw refused;
    }
    await next();
  };
}
