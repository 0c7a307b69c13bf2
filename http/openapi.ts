/**
 * The OpenAPI 3.1 document at `/openapi.json`, generated from the routes'
 * zod schemas, and a self-contained docs page at `/docs` that renders it in
 * the browser (no CDN: the page and its script are inline).
 *
 * @module
 */
import type { ApiApp } from "./context.ts";
import { finishDocument, type FinishOptions } from "./openapi_document.ts";
import { omitUndefined } from "../runtime/optional.ts";

/** Paths that describe the API rather than being part of it; not in the document. */
export const DOC_PATHS = ["/openapi.json", "/docs"] as const;

/**
 * Routes the app serves that the OpenAPI document does not list, as
 * `"get /v1/things/{id}"`. Empty when every route was registered with
 * `app.openapi(createRoute(...))`; a test over the fully wired app keeps it so.
 *
 * @example
 * ```ts
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { undocumentedRoutes } from "./openapi.ts";
 * const app = new OpenAPIHono();
 * app.get("/hidden", (c) => c.text("hi"));
 * undocumentedRoutes(app); // ["get /hidden"]
 * ```
 */
export function undocumentedRoutes(
  app: Pick<ApiApp, "routes" | "getOpenAPI31Document">,
): string[] {
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "check", version: "0" },
  });
  const documented = new Set(
    Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {}).map((method) => `${method} ${path}`)
    ),
  );
  const served = new Set(
    app.routes
      .filter((r) => r.method !== "ALL") // middleware
      .filter((r) => !(DOC_PATHS as readonly string[]).includes(r.path))
      .map((r) =>
        `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`
      ),
  );
  return [...served].filter((route) => !documented.has(route)).sort();
}

/** Options of {@linkcode openApiRoutes}. */
export interface OpenApiOptions {
  /** The document's `info.title`. Default "Troupe API". */
  title?: string;
  /** The document's `info.version`. Default "0.1.0". */
  version?: string;
  /** The document's `info.description`, in Markdown. */
  description?: string;
  /**
   * `servers` of the document. Default: the origin the document was
   * requested from (so "try it" tools call the node that served it).
   */
  servers?: FinishOptions["servers"];
  /** Whether `/v1` is rate limited (429 and `RateLimit-*` are declared). Default true. */
  rateLimited?: boolean;
}

/**
 * The finished document of an app whose routes are all registered.
 *
 * @example
 * ```ts
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { apiDocument } from "./openapi.ts";
 * const doc = apiDocument(new OpenAPIHono(), { servers: [{ url: "http://localhost:8080" }] });
 * ```
 */
export function apiDocument(
  app: Pick<ApiApp, "getOpenAPI31Document">,
  options: OpenApiOptions & { servers: FinishOptions["servers"] },
): ReturnType<ApiApp["getOpenAPI31Document"]> {
  const config = {
    openapi: "3.1.0",
    info: {
      title: options.title ?? "Troupe API",
      version: options.version ?? "0.1.0",
      description: options.description ??
        "Agents that write, test and review code. Errors are " +
          '`{ "error": { "code", "message", "details"?, "requestId" } }`. ' +
          "Authenticate with an API key: `Authorization: Bearer <key>`.",
      contact: { name: "Troupe maintainers" },
    },
  };
  return finishDocument(app.getOpenAPI31Document(config), {
    servers: options.servers,
    ...omitUndefined({ rateLimited: options.rateLimited }),
  });
}

/**
 * Registers the bearer security scheme, `GET /openapi.json` and `GET /docs`.
 * Call it after every route is registered.
 *
 * @example
 * ```ts
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { openApiRoutes } from "./openapi.ts";
 * import type { AppEnv } from "./context.ts";
 * const app = new OpenAPIHono<AppEnv>();
 * openApiRoutes(app, { version: "1.0.0" });
 * ```
 */
export function openApiRoutes(app: ApiApp, options: OpenApiOptions = {}): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An API key: `Authorization: Bearer <key>`",
  });
  // Built on first request per origin (after every route is registered),
  // then reused: generating it takes milliseconds.
  const documents = new Map<string, string>();
  app.get("/openapi.json", (c) => {
    const origin = new URL(c.req.url).origin;
    let document = documents.get(origin);
    if (document === undefined) {
      document = JSON.stringify(apiDocument(app, {
        ...options,
        servers: options.servers ?? [{ url: origin, description: "This node" }],
      }));
      if (documents.size < 16) documents.set(origin, document);
    }
    return c.body(document, 200, { "Content-Type": "application/json" });
  });
  app.get("/docs", (c) => c.html(DOCS_HTML));
}

/** The docs page: fetches /openapi.json and lists every operation. */
const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Troupe API</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; color: #222; }
  h1 { margin-bottom: 0; }
  .op { border: 1px solid #ddd; border-radius: 6px; margin: .6rem 0; }
  .op > summary { cursor: pointer; padding: .5rem .8rem; list-style: none; }
  .m { display: inline-block; min-width: 4.5rem; font-weight: 700; text-transform: uppercase; }
  .get { color: #1565c0; } .post { color: #2e7d32; } .put, .patch { color: #ef6c00; } .delete { color: #c62828; }
  .path { font-family: ui-monospace, monospace; }
  .sum { color: #666; margin-left: .6rem; }
  .body { padding: 0 .8rem .8rem; }
  pre { background: #f6f8fa; padding: .6rem; overflow: auto; font-size: 13px; }
  table { border-collapse: collapse; } td, th { border-bottom: 1px solid #eee; padding: .2rem .6rem; text-align: left; }
</style>
</head>
<body>
<h1 id="title">Troupe API</h1>
<p id="desc"></p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
<div id="ops">Loading…</div>
<script>
(async () => {
  const el = (tag, attrs = {}, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    for (const kid of kids) e.append(kid);
    return e;
  };
  const ops = document.getElementById("ops");
  let spec;
  try {
    spec = await (await fetch("/openapi.json")).json();
  } catch (err) {
    ops.textContent = "Could not load /openapi.json: " + err;
    return;
  }
  document.getElementById("title").textContent = spec.info.title + " " + spec.info.version;
  document.getElementById("desc").textContent = spec.info.description || "";
  const resolve = (s) => {
    if (s && s.$ref) return spec.components.schemas[s.$ref.split("/").pop()] || s;
    return s;
  };
  ops.textContent = "";
  for (const [path, item] of Object.entries(spec.paths).sort()) {
    for (const [method, op] of Object.entries(item)) {
      const body = el("div", { class: "body" });
      if (op.description) body.append(el("p", {}, op.description));
      if (op.security) body.append(el("p", {}, "Needs an API key (Bearer)."));
      if (op.parameters && op.parameters.length) {
        const t = el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"), el("th", {}, "required"), el("th", {}, "schema")));
        for (const p of op.parameters) {
          t.append(el("tr", {}, el("td", {}, p.name), el("td", {}, p.in), el("td", {}, p.required ? "yes" : "no"), el("td", {}, JSON.stringify(p.schema))));
        }
        body.append(t);
      }
      const req = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
      if (req) body.append(el("h4", {}, "Request body"), el("pre", {}, JSON.stringify(resolve(req.schema), null, 2)));
      for (const [status, res] of Object.entries(op.responses || {})) {
        const json = res.content && res.content["application/json"];
        body.append(el("h4", {}, status + " " + (res.description || "")));
        if (json) body.append(el("pre", {}, JSON.stringify(resolve(json.schema), null, 2)));
      }
      ops.append(el("details", { class: "op" },
        el("summary", {}, el("span", { class: "m " + method }, method), el("span", { class: "path" }, path), el("span", { class: "sum" }, op.summary || "")),
        body));
    }
  }
})();
</script>
</body>
</html>
`;
