/**
 * Gives every request an id: the caller's `X-Request-Id` when it is a sane
 * token, a fresh UUID otherwise. The id is on the context, on the response
 * and in every log line.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";

/** The header carrying the id both ways. */
export const REQUEST_ID_HEADER = "X-Request-Id";

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Options of {@linkcode requestId}. */
export interface RequestIdOptions {
  /** Makes a new id; `crypto.randomUUID` by default. */
  generate?: () => string;
  /** Reuse an id sent by the caller (a proxy, a client retry). Default true. */
  trustIncoming?: boolean;
}

/**
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { requestId } from "./request_id.ts";
 * import type { AppEnv } from "../context.ts";
 * const app = new Hono<AppEnv>().use(requestId());
 * ```
 */
export function requestId(
  options: RequestIdOptions = {},
): MiddlewareHandler<AppEnv> {
  const generate = options.generate ?? (() => crypto.randomUUID());
  const trust = options.trustIncoming ?? true;
  return async function requestIdMiddleware(c, next) {
    const incoming = trust ? c.req.header(REQUEST_ID_HEADER) : undefined;
    const id = incoming && SAFE_ID.test(incoming) ? incoming : generate();
    c.set("requestId", id);
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, id);
  };
}
