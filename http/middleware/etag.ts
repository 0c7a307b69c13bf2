/**
 * Conditional GET for JSON: a successful `GET` or `HEAD` whose body is JSON
 * gets an `ETag` (a SHA-1 of the body, through `hono/etag`), and a request
 * whose `If-None-Match` names it is answered `304 Not Modified` without a
 * body. Streams (`text/event-stream`), archives and other non-JSON bodies are
 * left alone, so an event stream is never buffered to be hashed. A handler
 * that sets its own `ETag` keeps it, and the comparison uses it.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { etag, RETAINED_304_HEADERS } from "hono/etag";
import type { AppEnv } from "../context.ts";

/**
 * Headers a `304` keeps from the `200` it replaces: the ones RFC 9110 asks
 * for, plus the request id and the rate-limit figures every `/v1` answer
 * carries.
 */
export const CONDITIONAL_RETAINED_HEADERS: readonly string[] = [
  ...RETAINED_304_HEADERS,
  "x-request-id",
  "ratelimit-limit",
  "ratelimit-remaining",
];

/** Whether a `Content-Type` names JSON (`application/json` or `…+json`). */
export function isJsonType(contentType: string | null): boolean {
  if (!contentType) return false;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || type.endsWith("+json");
}

/**
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { jsonEtag } from "./etag.ts";
 * import type { AppEnv } from "../context.ts";
 * const app = new Hono<AppEnv>().use(jsonEtag());
 * app.get("/thing", (c) => c.json({ n: 1 }));
 * const first = await app.request("/thing");
 * const again = await app.request("/thing", {
 *   headers: { "If-None-Match": first.headers.get("ETag")! },
 * });
 * // again.status === 304
 * ```
 */
export function jsonEtag(): MiddlewareHandler<AppEnv> {
  const conditional = etag({
    retainedHeaders: [...CONDITIONAL_RETAINED_HEADERS],
  });
  const done = () => Promise.resolve();
  return async function jsonEtagMiddleware(c, next) {
    await next();
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD") return;
    if (c.res.status !== 200) return;
    if (!isJsonType(c.res.headers.get("Content-Type"))) return;
    // The handler has run: hono's etag only hashes (or reads the handler's
    // own ETag) and compares with If-None-Match.
    await conditional(c, done);
  };
}
