/**
 * What the middleware chain puts on a request's context, shared by every
 * route module.
 *
 * @module
 */
import type { OpenAPIHono } from "./_npm_types.ts";

/** A user's role. */
export type Role = "user" | "admin";

/** The caller behind a valid API key, as the auth middleware puts it on the context. */
export interface Principal {
  /** The user the key belongs to. */
  readonly user: {
    readonly id: string;
    readonly name: string;
    readonly email?: string | null;
    readonly role: Role;
  };
  /** The API key that authenticated the request. */
  readonly key: {
    readonly id: string;
    /** The visible part of the key, safe to show and log. */
    readonly prefix: string;
    readonly expiresAt?: Date | null;
  };
}

/** Per-request variables. */
export interface AppVariables {
  /** Set for every request by the request-id middleware. */
  requestId: string;
  /** Set by the auth middleware on `/v1/*`; absent on public routes. */
  principal?: Principal;
  /** Set by the not-found handler, so metrics label the route `unmatched` instead of a raw path. */
  unmatched?: boolean;
}

/** Hono's environment type for Troupe's app. */
export interface AppEnv {
  /** What handlers read and write with `c.get`/`c.set`. */
  Variables: AppVariables;
}

/** The app type route modules register on. */
export type ApiApp = OpenAPIHono<AppEnv>;
