/**
 * Completes the OpenAPI document generated from the routes with what every
 * operation shares, so that a route only declares what is its own: an
 * `operationId` (derived from method and path unless given), a description
 * (the summary unless given), `security: []` on public operations, the
 * statuses the middleware chain can answer with (400, 401, 403, 413, 415,
 * 422, 429, 500, 503) as the shared error schema, and the response headers
 * (`X-Request-Id`, `RateLimit-*`, `Retry-After`, `WWW-Authenticate`). A GET
 * whose 200 is JSON declares its `ETag` and the `304` a matching
 * `If-None-Match` gets. Tags used by operations are defined at the top level.
 *
 * A new route passes Spectral (`spectral:oas`) and Redocly's lint when it has
 * `tags` (one of {@linkcode TAG_DESCRIPTIONS}, or a new one added there), a
 * `summary`, `security: [{ bearerAuth: [] }]` when under `/v1`, and examples
 * that match their schemas.
 *
 * @module
 */

/** A JSON object as found in the generated document. */
type Json = Record<string, unknown>;

/** What each tag groups; a tag used by an operation and missing here gets a generic text. */
export const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  account: "The caller, their API keys and their Telegram link",
  admin: "Users, keys and the audit log (admin role)",
  analysis: "Static analysis of code without running it",
  builds: "Builds: generated, tested and reviewed code, and their events",
  memories: "Long-term key/value memories of a user",
  operations: "Liveness, readiness and metrics for operators (no API key)",
  search: "Documents and semantic search over them and over builds",
};

/** Options of {@linkcode finishDocument}. */
export interface FinishOptions {
  /** `servers` of the document (at least one; Redocly refuses none). */
  servers: readonly { url: string; description?: string }[];
  /** Whether `/v1` answers 429 with `RateLimit-*` headers (default true). */
  rateLimited?: boolean;
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

const ERROR_REF = { $ref: "#/components/schemas/Error" };

const HEADERS: Record<string, Json> = {
  "X-Request-Id": {
    description:
      "The request's id (the caller's own when it sent a sane one); quote it when reporting a problem",
    schema: { type: "string", example: "5f0c6d1e-8a4b-4f57-9d7e-1c2b3a4d5e6f" },
  },
  "RateLimit-Limit": {
    description: "Requests a user may make in a burst",
    schema: { type: "integer", example: 120 },
  },
  "RateLimit-Remaining": {
    description: "Requests left in the current burst",
    schema: { type: "integer", example: 119 },
  },
  "Retry-After": {
    description: "Seconds to wait before trying again",
    schema: { type: "integer", example: 5 },
  },
  "WWW-Authenticate": {
    description: "The scheme to authenticate with",
    schema: { type: "string", example: 'Bearer realm="troupe"' },
  },
  "ETag": {
    description:
      "The body's validator; send it back in If-None-Match to get 304 while it is unchanged",
    schema: { type: "string", example: '"2jmj7l5rSw0yVb/vlWAYkK/YBwk"' },
  },
  "Location": {
    description: "Where the created resource is",
    schema: { type: "string", example: "/v1/memories/preferred_test_style" },
  },
};

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** The shared error responses, by status: description and the codes it carries. */
const STANDARD: Record<string, { description: string; headers?: string[] }> = {
  "400": {
    description:
      "`invalid_request` (a field failed validation; `details.issues` names each) or `invalid_json`",
  },
  "401": {
    description:
      "`missing_api_key`, `invalid_api_key`, `revoked_api_key` or `expired_api_key`",
    headers: ["WWW-Authenticate"],
  },
  "403": { description: "`user_disabled` or `insufficient_role`" },
  "413": {
    description: "`payload_too_large`: the body is over the size limit",
  },
  "415": {
    description: "`unsupported_media_type`: send the body as application/json",
  },
  "422": {
    description:
      "`constraint_violation` or `missing_reference`: the data breaks a rule of the database",
  },
  "429": {
    description: "`rate_limited` (or a quota code): see Retry-After",
    headers: ["Retry-After"],
  },
  "500": {
    description:
      "`internal`: an unexpected error; the message names the request id",
  },
  "503": {
    description:
      "`auth_unavailable`, `database_unavailable`, `actor_timeout` or `shutting_down`: try again after Retry-After",
    headers: ["Retry-After"],
  },
};

/** Which shared statuses an operation can answer with. */
function standardStatuses(op: Json, method: string): string[] {
  const secured = Array.isArray(op.security) && op.security.length > 0;
  const hasBody = op.requestBody !== undefined;
  const hasParams = Array.isArray(op.parameters) && op.parameters.length > 0;
  const statuses = ["500"];
  if (hasBody || hasParams) statuses.push("400");
  if (hasBody) statuses.push("413", "415");
  if (secured) {
    statuses.push("401", "403", "429", "503");
    if (method !== "get") statuses.push("422");
  }
  return statuses;
}

/** `get /v1/builds/{id}/files` -> `getBuildsByIdFiles`. */
export function operationIdOf(method: string, path: string): string {
  const words = path.split("/").filter((s) => s && s !== "v1").map((s) => {
    const param = /^\{(\w+)\}$/.exec(s)?.[1];
    const word = param ? `by-${param}` : s;
    return word.split(/[^A-Za-z0-9]+/).filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  });
  return method + words.join("");
}

/**
 * A GET whose 200 is JSON carries an `ETag` and answers a matching
 * `If-None-Match` with a bodiless 304 (see `http/middleware/etag.ts`).
 */
function conditionalGet(
  method: string,
  responses: Json,
  usedHeaders: Set<string>,
): void {
  if (method !== "get") return;
  const ok = responses["200"] as Json | undefined;
  const content = asObject(ok?.content);
  if (!ok || !Object.keys(content).some(isJsonMediaType)) return;
  asObject(ok.headers ??= {})["ETag"] ??= ref("ETag");
  responses["304"] ??= {
    description:
      "Not modified: `If-None-Match` names the current `ETag`; no body",
    headers: { ETag: ref("ETag") },
  };
  usedHeaders.add("ETag");
}

function isJsonMediaType(type: string): boolean {
  return type === "application/json" || type.endsWith("+json");
}

function asObject(value: unknown): Json {
  return value && typeof value === "object" ? value as Json : {};
}

/**
 * Completes a generated document in place and returns it.
 *
 * @example
 * ```ts
 * import { finishDocument } from "./openapi_document.ts";
 * const doc = finishDocument({
 *   openapi: "3.1.0",
 *   info: { title: "t", version: "1" },
 *   paths: { "/livez": { get: { summary: "Alive", tags: ["operations"], responses: {} } } },
 * }, { servers: [{ url: "http://localhost:8080" }] });
 * ```
 */
export function finishDocument<T extends object>(
  doc: T,
  options: FinishOptions,
): T {
  const rateLimited = options.rateLimited ?? true;
  const d = doc as unknown as Json;
  d.servers = options.servers.map((s) => ({ ...s }));
  const components = asObject(d.components ??= {});
  const headers = asObject(components.headers ??= {});
  const usedHeaders = new Set<string>(["X-Request-Id"]);
  const usedTags = new Set<string>();
  const ids = new Set<string>();

  for (const [path, itemValue] of Object.entries(asObject(d.paths))) {
    const item = asObject(itemValue);
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      if (!op.operationId) {
        let id = operationIdOf(method, path);
        while (ids.has(id)) id += "_";
        op.operationId = id;
      }
      ids.add(op.operationId as string);
      if (!op.description && op.summary) op.description = op.summary;
      if (!op.security) op.security = [];
      const tags = Array.isArray(op.tags) && op.tags.length > 0
        ? op.tags as string[]
        : [path.split("/").filter((s) => s && s !== "v1")[0] ?? "operations"];
      op.tags = tags;
      for (const tag of tags) usedTags.add(tag);

      const secured = (op.security as unknown[]).length > 0;
      const responses = asObject(op.responses ??= {});
      for (const status of standardStatuses(op, method)) {
        if (status === "429" && !rateLimited && !responses[status]) continue;
        const standard = STANDARD[status]!;
        const existing = responses[status] as Json | undefined;
        if (!existing) {
          responses[status] = {
            description: standard.description,
            content: { "application/json": { schema: ERROR_REF } },
          };
        } else if (["400", "422", "503"].includes(status)) {
          // A route's own 503 (a dependency of its own) or 400: the shared
          // causes can happen too.
          existing.description =
            `${existing.description}; or ${standard.description}`;
        }
        const response = responses[status] as Json;
        const h = asObject(response.headers ??= {});
        for (const name of standard.headers ?? []) {
          h[name] ??= ref(name);
          usedHeaders.add(name);
        }
      }
      conditionalGet(method, responses, usedHeaders);
      for (const [status, responseValue] of Object.entries(responses)) {
        const response = asObject(responseValue);
        const h = asObject(response.headers ??= {});
        h["X-Request-Id"] ??= ref("X-Request-Id");
        if (secured && rateLimited && status !== "101") {
          for (const name of ["RateLimit-Limit", "RateLimit-Remaining"]) {
            h[name] ??= ref(name);
            usedHeaders.add(name);
          }
        }
        for (const name of Object.keys(h)) {
          if (name in HEADERS && (h[name] as Json).$ref === undefined) {
            h[name] = ref(name);
          }
          if (name in HEADERS) usedHeaders.add(name);
        }
      }
    }
  }

  for (const name of usedHeaders) headers[name] ??= HEADERS[name];
  const declared = Array.isArray(d.tags) ? d.tags as Json[] : [];
  const names = new Set(declared.map((t) => t.name));
  d.tags = [
    ...declared,
    ...[...usedTags].filter((t) => !names.has(t)).sort().map((name) => ({
      name,
      description: TAG_DESCRIPTIONS[name] ?? `Operations on ${name}`,
    })),
  ];
  return doc;
}
