/**
 * `HEAD` answers with the `Content-Length` the `GET` would have: Hono runs
 * the GET handler and drops the body, and without this the length of the
 * dropped body is lost (a server then sends `content-length: 0`). Streams
 * (event streams, bodies of unknown length) are left alone.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";

/**
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { headLength } from "./head_length.ts";
 * import type { AppEnv } from "../context.ts";
 * const app = new Hono<AppEnv>().use(headLength());
 * ```
 */
export function headLength(): MiddlewareHandler<AppEnv> {
  return async function headLengthMiddleware(c, next) {
    await next();
    if (c.req.method !== "HEAD" || c.res.headers.has("Content-Length")) return;
    if (!c.res.body) return;
    if ((c.res.headers.get("Content-Type") ?? "").includes("event-stream")) {
      return;
    }
    const size = (await c.res.clone().arrayBuffer()).byteLength;
    c.res.headers.set("Content-Length", String(size));
  };
}
