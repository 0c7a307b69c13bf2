/**
 * Sign-in (an API key for a session cookie) and sign-out.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { apiClient } from "../api.ts";
import {
  clearSession,
  isHttps,
  type SessionDeps,
  type WebEnv,
} from "../context.ts";
import { SignInPage } from "../pages/sign_in.tsx";
import {
  PRESESSION_COOKIE,
  randomToken,
  sameToken,
  SESSION_COOKIE,
  SESSION_TTL_MS,
} from "../session.ts";

const REASONS: Record<string, string> = {
  revoked_api_key: "Your API key was revoked. Sign in with another key.",
  expired_api_key: "Your API key has expired. Sign in with another key.",
  user_disabled: "Your account is disabled.",
  invalid_api_key: "That API key is not valid.",
  signed_out: "You are signed out.",
};

/** A local path to go back to after signing in (never another site). */
export function safeNext(next: string | undefined): string {
  return next && next.startsWith("/") && !next.startsWith("//") &&
      !next.startsWith("/\\")
    ? next
    : "/";
}

/** Registers `/sign-in` and `/sign-out`. */
export function authRoutes(app: Hono<WebEnv>, deps: SessionDeps): void {
  const signInForm = (
    c: Context<WebEnv, "/sign-in">,
    message?: string,
    next?: string,
    status: 200 | 401 | 403 = 200,
  ) => {
    const csrf = randomToken();
    setCookie(c, PRESESSION_COOKIE, csrf, {
      path: "/sign-in",
      httpOnly: true,
      sameSite: "Strict",
      secure: isHttps(c),
      maxAge: 3600,
    });
    return c.html(
      <SignInPage csrf={csrf} message={message} next={next} />,
      status,
    );
  };

  app.get("/sign-in", (c) => {
    const reason = c.req.query("reason");
    return signInForm(
      c,
      reason ? REASONS[reason] ?? "Sign in again." : undefined,
      c.req.query("next"),
    );
  });

  app.post("/sign-in", async (c) => {
    const body = await c.req.parseBody();
    const field = (name: string) =>
      typeof body[name] === "string" ? (body[name] as string) : "";
    const expected = getCookie(c, PRESESSION_COOKIE) ?? "";
    if (!sameToken(field("_csrf"), expected)) {
      return signInForm(
        c,
        "The form's security token is missing or wrong; try again.",
        undefined,
        403,
      );
    }
    const key = field("apiKey").trim();
    if (!key) return signInForm(c, "Enter an API key.", field("next"), 401);
    const me = await apiClient((req) => deps.api(req, c.env), key).call(
      "GET",
      "/v1/me",
    );
    if (!me.ok) {
      return signInForm(
        c,
        REASONS[me.error.code] ?? me.error.message,
        field("next"),
        me.error.status === 403 ? 403 : 401,
      );
    }
    const sealed = await deps.sealer.seal({
      apiKey: key,
      csrf: randomToken(),
      issuedAt: deps.now(),
    });
    deleteCookie(c, PRESESSION_COOKIE, { path: "/sign-in" });
    setCookie(c, SESSION_COOKIE, sealed, {
      path: "/",
      httpOnly: true,
      sameSite: "Strict",
      secure: isHttps(c),
      maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });
    return c.redirect(safeNext(field("next")), 303);
  });

  app.post("/sign-out", async (c) => {
    // Signing out needs no valid session, but a cross-site post cannot do it:
    // the cookie is SameSite=Strict and the CSRF field must match it.
    const cookie = getCookie(c, SESSION_COOKIE);
    const session = cookie
      ? await deps.sealer.open(cookie, deps.now())
      : undefined;
    const body = await c.req.parseBody();
    if (session && !sameToken(String(body._csrf ?? ""), session.csrf)) {
      return c.text("the form's security token is missing or wrong", 403);
    }
    clearSession(c);
    return c.redirect("/sign-in?reason=signed_out", 303);
  });
}
