/**
 * The whole API's OpenAPI document without a running node: every route
 * module the platform registers, wired to dependencies that are never
 * called (building the document does not touch them). `deno task openapi
 * [file]` writes it (stdout without a file) for linters such as Spectral
 * and Redocly.
 *
 * @module
 */
import type { Db } from "../storage/schema.ts";
import { createApp } from "./app.ts";
import { apiDocument } from "./openapi.ts";
import { domainRoutes } from "./routes/mod.ts";
import { adminOpsRoutes } from "./routes/admin_ops.ts";

/** The server a local node listens on by default (`HOST`, `PORT`). */
export const DEFAULT_SERVER = {
  url: "http://127.0.0.1:8080",
  description: "A local node with the default HOST and PORT",
};

function unused(what: string): never {
  throw new Error(`${what} is not available while writing the document`);
}

/**
 * The app with every route the platform serves, for its document.
 *
 * @example
 * ```ts
 * import { fullApp } from "./openapi_write.ts";
 * const routes = fullApp().routes.length;
 * ```
 */
export function fullApp(): ReturnType<typeof createApp> {
  const db = new Proxy({}, { get: () => unused("the database") }) as Db;
  return createApp({
    authenticate: () => unused("authentication"),
    routes: [
      ...domainRoutes({ db, actors: { ref: () => unused("actors") } }),
      adminOpsRoutes({
        db,
        redeliver: () => unused("actors"),
        cluster: () => unused("the metrics actor"),
      }),
    ],
  });
}

/**
 * The complete document, as served at `/openapi.json`.
 *
 * @example
 * ```ts
 * import { fullDocument } from "./openapi_write.ts";
 * const doc = fullDocument();
 * Object.keys(doc.paths ?? {}).length > 10; // true
 * ```
 */
export function fullDocument(
  servers = [DEFAULT_SERVER],
): ReturnType<typeof apiDocument> {
  return apiDocument(fullApp(), { servers });
}

if (import.meta.main) {
  const text = JSON.stringify(fullDocument(), null, 2) + "\n";
  const file = Deno.args[0];
  if (file) await Deno.writeTextFile(file, text);
  else await Deno.stdout.write(new TextEncoder().encode(text));
}
