/**
 * Sessions of the web console: the API key a person signed in with, sealed
 * in a cookie (AES-256-GCM: encrypted and authenticated with the node's
 * session secret), together with the session's CSRF token. The key never
 * reaches the page's JavaScript (the cookie is httpOnly) and is checked
 * against the API on every request, so a revoked key or a disabled user
 * ends the session at once.
 *
 * @module
 */
import { z } from "zod";

/** The session cookie's name. */
export const SESSION_COOKIE = "troupe_session";
/** Cookie of the sign-in form's CSRF token (before there is a session). */
export const PRESESSION_COOKIE = "troupe_signin";
/** How long a session lasts (7 days). */
export const SESSION_TTL_MS = 7 * 24 * 3600_000;

const SessionSchema = z.object({
  /** The API key. */
  k: z.string().min(1),
  /** CSRF token of this session. */
  c: z.string().min(16),
  /** Issued at (ms since the epoch). */
  t: z.number(),
});

/** What a session holds. */
export interface Session {
  readonly apiKey: string;
  readonly csrf: string;
  readonly issuedAt: number;
}

/** Seals and opens session cookies with one secret. */
export interface SessionSealer {
  seal(session: Session): Promise<string>;
  /** The session, or undefined for a forged, damaged or expired cookie. */
  open(value: string, now: number): Promise<Session | undefined>;
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll(
    "/",
    "_",
  ).replace(/=+$/, "");

function fromB64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** A random token for CSRF and the sign-in form (128 bits, URL-safe). */
export function randomToken(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(16)));
}

/** Compares two strings in time independent of where they differ. */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * A sealer keyed by `secret` (32 bytes).
 *
 * @example
 * ```ts
 * import { sessionSealer } from "./session.ts";
 * const sealer = await sessionSealer(crypto.getRandomValues(new Uint8Array(32)));
 * const cookie = await sealer.seal({ apiKey: "trp_x", csrf: "0123456789abcdef", issuedAt: Date.now() });
 * const session = await sealer.open(cookie, Date.now());
 * ```
 */
export async function sessionSealer(
  secret: Uint8Array,
  ttlMs: number = SESSION_TTL_MS,
): Promise<SessionSealer> {
  const key = await crypto.subtle.importKey(
    "raw",
    secret as Uint8Array<ArrayBuffer>,
    "AES-GCM",
    false,
    ["encrypt", "decrypt"],
  );
  const aad = new TextEncoder().encode(SESSION_COOKIE);
  return {
    async seal(session) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const plain = new TextEncoder().encode(JSON.stringify({
        k: session.apiKey,
        c: session.csrf,
        t: session.issuedAt,
      }));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: "AES-GCM", iv, additionalData: aad },
          key,
          plain,
        ),
      );
      const out = new Uint8Array(iv.length + sealed.length);
      out.set(iv);
      out.set(sealed, iv.length);
      return b64url(out);
    },
    async open(value, now) {
      const bytes = fromB64url(value);
      if (!bytes || bytes.length < 12 + 16) return undefined;
      let plain: ArrayBuffer;
      try {
        plain = await crypto.subtle.decrypt(
          {
            name: "AES-GCM",
            iv: bytes.subarray(0, 12) as Uint8Array<ArrayBuffer>,
            additionalData: aad,
          },
          key,
          bytes.subarray(12) as Uint8Array<ArrayBuffer>,
        );
      } catch {
        return undefined;
      }
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(plain));
      } catch {
        return undefined;
      }
      const parsed = SessionSchema.safeParse(json);
      if (!parsed.success) return undefined;
      const { k, c, t } = parsed.data;
      if (now - t > ttlMs || t - now > 60_000) return undefined;
      return { apiKey: k, csrf: c, issuedAt: t };
    },
  };
}
