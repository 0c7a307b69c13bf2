/**
 * Refuses request bodies over a size with 413 before any handler reads them,
 * whether or not the caller sent Content-Length.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";

/**
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { bodyLimit } from "./body_limit.ts";
 * import type { AppEnv } from "../context.ts";
 * const app = new Hono<AppEnv>().use(bodyLimit(1024 * 1024));
 * ```
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  return honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(
        413,
        "payload_too_large",
        `request body is larger than ${maxBytes} bytes`,
        { limitBytes: maxBytes },
      );
    },
  });
}
