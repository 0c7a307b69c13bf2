/**
 * The console's per-request state and the middleware that fills it: the
 * session from the cookie, checked against the API on every request (so a
 * revoked key or a disabled user is signed out at once), and the CSRF check
 * of every form post.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import { type ApiClient, apiClient, type ApiFetch } from "./api.ts";
import type { Viewer } from "./layout.tsx";
import {
  sameToken,
  type Session,
  SESSION_COOKIE,
  type SessionSealer,
} from "./session.ts";

/** Per-request variables of the console. */
export interface WebVariables {
  session: Session;
  viewer: Viewer;
  api: ApiClient;
  /** The posted form (already CSRF-checked). */
  form: Record<string, string>;
}

/** Hono's environment type for the console. */
export interface WebEnv {
  Variables: WebVariables;
}

/** The console's context. */
export type WebContext = Context<WebEnv>;

/** What the middleware needs. */
export interface SessionDeps {
  readonly sealer: SessionSealer;
  readonly api: ApiFetch;
  readonly now: () => number;
}

/** Whether the request came over HTTPS (directly or through a proxy that says so). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" ||
    c.req.header("X-Forwarded-Proto")?.split(",")[0]?.trim() === "https";
}

/** Removes the session cookie. */
export function clearSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure: isHttps(c),
  });
}

function wantsHtml(c: Context): boolean {
  return c.req.method === "GET" &&
    !(c.req.header("Accept") ?? "").includes("text/event-stream") &&
    !c.req.path.endsWith("/status") && !c.req.path.endsWith("/archive") &&
    !c.req.path.endsWith("/results") && !c.req.path.endsWith("/events");
}

function toSignIn(c: Context, reason?: string): Response {
  if (!wantsHtml(c)) {
    return c.json({
      error: { code: "signed_out", message: reason ?? "sign in again" },
    }, 401);
  }
  const next = c.req.path + (new URL(c.req.url).search || "");
  const q = new URLSearchParams({ next });
  if (reason) q.set("reason", reason);
  return c.redirect(`/sign-in?${q}`, 303);
}

/**
 * Requires a valid session: loads the cookie, asks `/v1/me` with its key,
 * and on a form post checks the `_csrf` field against the session's token
 * (403 without it). Without a session, pages redirect to `/sign-in`.
 */
export function requireSession(
  deps: SessionDeps,
): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    const session = cookie
      ? await deps.sealer.open(cookie, deps.now())
      : undefined;
    if (!session) {
      if (cookie) clearSession(c);
      return toSignIn(c);
    }
    const api = apiClient(
      (req) => deps.api(req, c.env),
      session.apiKey,
    );
    const me = await api.call<
      { id: string; name: string; role: "user" | "admin" }
    >("GET", "/v1/me");
    if (!me.ok) {
      if (me.error.status === 401 || me.error.status === 403) {
        clearSession(c);
        return toSignIn(c, me.error.code);
      }
      return c.text(me.error.message, me.error.status === 429 ? 429 : 503);
    }
    if (c.req.method === "POST") {
      const body = await c.req.parseBody();
      const form: Record<string, string> = {};
      for (const [k, v] of Object.entries(body)) {
        if (typeof v === "string") form[k] = v;
      }
      if (!sameToken(form._csrf ?? "", session.csrf)) {
        return c.html(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Refused · Troupe</title><link rel="stylesheet" href="/assets/console.css"></head><body><main><h1>Refused</h1><p class="alert" role="alert" data-error-code="csrf">The form's security token is missing or wrong. Go back, reload the page and try again.</p></main></body></html>`,
          403,
        );
      }
      c.set("form", form);
    }
    c.set("session", session);
    c.set("api", api);
    c.set("viewer", {
      id: me.data.id,
      name: me.data.name,
      role: me.data.role,
      csrf: session.csrf,
    });
    await next();
  };
}
