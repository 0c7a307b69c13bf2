/**
 * Bearer API-key authentication and role checks. The key check itself is an
 * injected {@linkcode Authenticate} function (storage-backed in production,
 * a small table in tests), so this middleware knows nothing about hashing.
 *
 * @module
 */
import type { MiddlewareHandler } from "../_npm_types.ts";
import type { AppEnv, Principal, Role } from "../context.ts";
import { ApiError } from "../errors.ts";

/** Why a presented key was refused. */
export type AuthFailure = "invalid" | "revoked" | "expired" | "disabled";

/** The outcome of checking one presented key. */
export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: AuthFailure };

/** Checks a presented key; must not throw for a bad key (only when it cannot check at all). */
export type Authenticate = (token: string) => Promise<AuthResult>;

const FAILURES: Record<AuthFailure, ApiError> = {
  invalid: new ApiError(401, "invalid_api_key", "the API key is not valid"),
  revoked: new ApiError(401, "revoked_api_key", "the API key was revoked"),
  expired: new ApiError(401, "expired_api_key", "the API key has expired"),
  disabled: new ApiError(403, "user_disabled", "this user is disabled"),
};

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="troupe"' };

function unauthorized(error: ApiError): ApiError {
  if (error.status !== 401) return error;
  return new ApiError(401, error.code, error.message, undefined, CHALLENGE);
}

/** Options of {@linkcode auth}. */
export interface AuthOptions {
  /**
   * Also accept `?access_token=<key>` on GET requests that open a stream
   * (`Upgrade: websocket` or `Accept: text/event-stream`): browsers' WebSocket
   * and EventSource cannot send an Authorization header. Off by default, as
   * URLs end up in proxy logs; the request logger never logs query strings.
   */
  queryTokenForStreams?: boolean;
}

function isStreamRequest(
  req: { method: string; header(name: string): string | undefined },
): boolean {
  if (req.method !== "GET") return false;
  return req.header("Upgrade")?.toLowerCase() === "websocket" ||
    (req.header("Accept") ?? "").includes("text/event-stream");
}

/**
 * Requires `Authorization: Bearer <key>` and puts the caller on the context
 * as `principal`. 401 `missing_api_key` / `invalid_api_key` /
 * `revoked_api_key` / `expired_api_key`; 403 `user_disabled`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { auth } from "./auth.ts";
 * import type { AppEnv } from "../context.ts";
 * const app = new Hono<AppEnv>();
 * app.use("/v1/*", auth(async () => ({ ok: false, reason: "invalid" })));
 * ```
 */
export function auth(
  authenticate: Authenticate,
  options: AuthOptions = {},
): MiddlewareHandler<AppEnv> {
  return async function authMiddleware(c, next) {
    let header = c.req.header("Authorization");
    if (!header && options.queryTokenForStreams && isStreamRequest(c.req)) {
      const token = c.req.query("access_token");
      if (token) header = `Bearer ${token}`;
    }
    if (!header) {
      throw unauthorized(
        new ApiError(
          401,
          "missing_api_key",
          "send an API key as 'Authorization: Bearer <key>'",
        ),
      );
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw unauthorized(
        new ApiError(
          401,
          "missing_api_key",
          "the Authorization header must be 'Bearer <key>'",
        ),
      );
    }
    let result: AuthResult;
    try {
      result = await authenticate(match[1]);
    } catch (error) {
      throw new ApiError(
        503,
        "auth_unavailable",
        "API keys cannot be checked right now; try again",
        undefined,
        { "Retry-After": "5" },
        error,
      );
    }
    if (!result.ok) throw unauthorized(FAILURES[result.reason]);
    c.set("principal", result.principal);
    await next();
  };
}

/**
 * Lets only callers with `role` through (403 `insufficient_role`). Put it
 * after {@linkcode auth}.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { requireRole } from "./auth.ts";
 * import type { AppEnv } from "../context.ts";
 * const app = new Hono<AppEnv>();
 * app.use("/v1/admin/*", requireRole("admin"));
 * ```
 */
export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async function requireRoleMiddleware(c, next) {
    const principal = c.get("principal");
    if (!principal) {
      throw unauthorized(
        new ApiError(401, "missing_api_key", "this route needs an API key"),
      );
    }
    // Admins may do whatever users may.
    if (principal.user.role !== role && principal.user.role !== "admin") {
      throw new ApiError(
        403,
        "insufficient_role",
        `this route is for the ${role} role`,
      );
    }
    await next();
  };
}

/**
 * The caller of an authenticated route; throws 401 if auth did not run.
 *
 * @example
 * ```ts
 * import type { Context } from "hono";
 * import { principalOf } from "./auth.ts";
 * import type { AppEnv } from "../context.ts";
 * const handler = (c: Context<AppEnv>) => c.json({ id: principalOf(c).user.id });
 * ```
 */
export function principalOf(
  c: { get(key: "principal"): Principal | undefined },
): Principal {
  const principal = c.get("principal");
  if (!principal) {
    throw unauthorized(
      new ApiError(401, "missing_api_key", "this route needs an API key"),
    );
  }
  return principal;
}
