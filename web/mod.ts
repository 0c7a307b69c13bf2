/**
 * The web console: server-rendered pages (hono/jsx) for builds, accounts and
 * administration, mounted by the same Hono app as the API. Every page reads
 * and writes through the `/v1` API with the signed-in person's key, kept in
 * a sealed httpOnly cookie; live parts are two small scripts served here.
 *
 * @example
 * ```ts ignore
 * import { webConsole, loadSessionSecret } from "./web/mod.ts";
 * const app = createApp({ ... });
 * app.route("/", await webConsole({ api: (req, env) => app.fetch(req, env), secret: await loadSessionSecret(dataDir) }));
 * ```
 *
 * @module
 */
import { Hono, type MiddlewareHandler } from "hono";

/**
 * A Hono app (npm:hono), as {@link webConsole} returns it for mounting.
 * @internal
 */
type HonoApp = Hono;
import type { ApiFetch } from "./api.ts";
import { BUILD_JS, CSS, LIST_JS } from "./assets.ts";
import { requireSession, type WebEnv } from "./context.ts";
import { accountPages } from "./routes/account.tsx";
import { adminPages } from "./routes/admin.tsx";
import { authRoutes } from "./routes/auth.tsx";
import { buildPages } from "./routes/builds.tsx";
import { sessionSealer } from "./session.ts";

export { loadSessionSecret } from "./secret.ts";
export { ollamaModels } from "./models.ts";
export type { ApiFetch } from "./api.ts";

/** Options of {@linkcode webConsole}. */
export interface WebConsoleOptions {
  /** Serves `/v1` requests: the API app's `fetch`. */
  readonly api: ApiFetch;
  /** 32 bytes that seal session cookies (see `loadSessionSecret`). */
  readonly secret: Uint8Array;
  /** Model names for the new build form. Default: none known. */
  readonly models?: () => Promise<readonly string[]>;
  /** Time in ms, for session expiry. Default: `Date.now`. */
  readonly now?: () => number;
}

/** Paths of the pages that need a session. */
const PAGE_PATHS = [
  "/",
  "/builds",
  "/builds/*",
  "/account",
  "/account/*",
  "/admin",
  "/admin/*",
];

const ASSETS: Record<string, [string, string]> = {
  "console.css": [CSS, "text/css; charset=utf-8"],
  "build.js": [BUILD_JS, "text/javascript; charset=utf-8"],
  "list.js": [LIST_JS, "text/javascript; charset=utf-8"],
};

/**
 * The console as a Hono app to mount at `/`.
 */
export async function webConsole(
  options: WebConsoleOptions,
): Promise<HonoApp> {
  const deps = {
    sealer: await sessionSealer(options.secret),
    api: options.api,
    now: options.now ?? Date.now,
  };
  const app = new Hono<WebEnv>();
  const headers: MiddlewareHandler = async (c, next) => {
    await next();
    const h = c.res.headers;
    if (!h.has("Content-Security-Policy")) {
      // Scripts and styles come from this origin only: an injected tag does nothing.
      c.header(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
      );
      c.header("X-Content-Type-Options", "nosniff");
      c.header("Referrer-Policy", "same-origin");
    }
  };
  // Only the console's own paths: mounted at `/`, a catch-all would also run for `/v1`.
  for (const path of [...PAGE_PATHS, "/sign-in", "/sign-out", "/assets/*"]) {
    app.use(path, headers);
  }

  app.get("/assets/:name", (c) => {
    const asset = ASSETS[c.req.param("name")];
    if (!asset) return c.text("no such asset", 404);
    return c.body(asset[0], 200, {
      "Content-Type": asset[1],
      "Cache-Control": "public, max-age=300",
    });
  });
  app.get("/favicon.ico", (c) => c.body(null, 204));

  authRoutes(app, deps);

  const pages = new Hono<WebEnv>();
  for (const path of PAGE_PATHS) pages.use(path, requireSession(deps));
  buildPages(pages, { models: options.models ?? (() => Promise.resolve([])) });
  accountPages(pages);
  adminPages(pages);
  app.route("/", pages);
  return app as unknown as Hono;
}
