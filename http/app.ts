/**
 * The HTTP app: middleware chain, error mapping, health, metrics, OpenAPI and
 * the `/v1` routes. Every dependency is an option; `main.ts` passes the real
 * ones and serves `app.fetch` with `Deno.serve`.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { compress } from "hono/compress";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import { createMetrics } from "../actors/metrics.ts";
import { realClock } from "../runtime/clock.ts";
import type { Clock, Metrics } from "./_room_types.ts";
import type { ApiApp, AppEnv } from "./context.ts";
import {
  errorBody,
  type ErrorMapper,
  runtimeErrorMapper,
  storageErrorMapper,
  toApiError,
  validationError,
} from "./errors.ts";
import { healthRoutes, type Probe } from "./health.ts";
import { httpMetrics, metricsRoutes } from "./metrics.ts";
import { auth, type Authenticate } from "./middleware/auth.ts";
import { bodyLimit } from "./middleware/body_limit.ts";
import { jsonEtag } from "./middleware/etag.ts";
import { headLength } from "./middleware/head_length.ts";
import { jsonLogger, type Logger, requestLogger } from "./middleware/logger.ts";
import {
  rateLimit,
  type RateLimiter,
  tokenBucket,
} from "./middleware/rate_limit.ts";
import { requestId, type RequestIdOptions } from "./middleware/request_id.ts";
import { type WriteGuard, writeGuard } from "./middleware/write_guard.ts";
import { type OpenApiOptions, openApiRoutes } from "./openapi.ts";
import { type AnalyzeFn, analyzeRoutes } from "./routes/analyze.ts";
import { meRoutes } from "./routes/me.ts";

/** Registers one group of routes on the app (full paths, e.g. `/v1/builds`). */
export type RouteModule = (app: ApiApp) => void;

/** Options of {@linkcode createApp}. */
export interface AppOptions {
  /** Checks a bearer API key (see `authenticateWith` for the storage-backed one). */
  authenticate: Authenticate;
  /** This node's metrics (the metrics actor's registry). Default: a fresh registry. */
  metrics?: Metrics;
  /** Dependency checks for `/readyz`. Default: none. */
  probes?: readonly Probe[];
  /** Per-probe timeout for `/readyz` (default 2000 ms). */
  probeTimeoutMs?: number;
  /** Accept `?access_token=` on WebSocket and SSE requests (see `AuthOptions`). Default false. */
  queryTokenForStreams?: boolean;
  /** Where request log lines go. Default: JSON lines on stdout. */
  logger?: Logger;
  /** Time for rate limits and probe timeouts. Default: the wall clock. */
  clock?: Clock;
  /**
   * Browser origins allowed to call the API (CORS). Default: none, so no
   * CORS headers are sent. Preflights are answered before authentication.
   */
  corsOrigins?: readonly string[];
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /**
   * Per-key request limit on `/v1/*`: a limiter, a token-bucket size, or
   * `false` for none. Default: 120 requests a minute, bursts of 120.
   */
  rateLimit?: RateLimiter | { perMinute: number; burst?: number } | false;
  /**
   * More route modules under `/v1` (auth and rate limit apply), registered
   * after the built-in ones (`/v1/me`, `/v1/analyze`). Health, metrics and
   * OpenAPI are always there.
   */
  routes?: readonly RouteModule[];
  /**
   * Refuses `/v1` writes (every method but GET, HEAD, OPTIONS) while it
   * returns an error, e.g. the disk guard's `StorageWriteError` (503
   * `storage_unavailable`). Default: writes are never refused here.
   */
  writeGuard?: WriteGuard;
  /** Extra error mappers (domain errors), tried before the runtime and storage mappers and the 500 fallback. */
  errorMappers?: readonly ErrorMapper[];
  /** The code analyser behind `POST /v1/analyze`. Default: the workflow's rule-based `analyzeCode`. */
  analyze?: AnalyzeFn;
  /** How `/openapi.json` and the docs page describe the server. */
  openapi?: OpenApiOptions;
  /**
   * Where request ids come from and whether a caller's `X-Request-Id` is kept.
   */
  requestId?: RequestIdOptions;
}

/**
 * Builds the app. Serve it with `Deno.serve(app.fetch)`; test it with
 * `app.request(path, init)`.
 *
 * @example
 * ```ts
 * import { createApp } from "./app.ts";
 * const app = createApp({
 *   authenticate: async (token) =>
 *     token === "secret"
 *       ? {
 *         ok: true,
 *         principal: {
 *           user: { id: "u1", name: "Ada", role: "admin" },
 *           key: { id: "k1", prefix: "trp_secr" },
 *         },
 *       }
 *       : { ok: false, reason: "invalid" },
 * });
 * const res = await app.request("/v1/me", { headers: { Authorization: "Bearer secret" } });
 * ```
 */
export function createApp(options: AppOptions): ApiApp {
  const metrics = options.metrics ?? createMetrics();
  const logger = options.logger ?? jsonLogger();
  const clock = options.clock ?? realClock;
  const mappers = [
    ...(options.errorMappers ?? []),
    runtimeErrorMapper,
    storageErrorMapper,
  ];

  const app: ApiApp = new OpenAPIHono<AppEnv>({
    // zod failures on body, query, path or headers: 400 naming the fields.
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });

  app.use(requestId(options.requestId));
  if (options.corsOrigins && options.corsOrigins.length > 0) {
    app.use(cors({
      origin: [...options.corsOrigins],
      allowHeaders: [
        "Authorization",
        "Content-Type",
        "Idempotency-Key",
        "Last-Event-ID",
        "X-Request-Id",
      ],
      exposeHeaders: [
        "Location",
        "Retry-After",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "X-Request-Id",
      ],
      maxAge: 600,
    }));
  }
  app.use(requestLogger(logger));
  app.use(headLength());
  app.use(httpMetrics(metrics));
  app.use(bodyLimit(options.bodyLimit ?? 1_048_576));
  // Every JSON GET (and HEAD) gets an ETag and answers a matching
  // If-None-Match with 304; streams and archives are left alone.
  app.use(jsonEtag());
  // The large, cacheable documents: compressed when the client accepts it,
  // and a conditional GET (If-None-Match) answers 304.
  for (const path of ["/openapi.json", "/docs", "/metrics"]) {
    app.use(path, compress(), etag());
  }

  app.use(
    "/v1/*",
    auth(options.authenticate, {
      queryTokenForStreams: options.queryTokenForStreams ?? false,
    }),
  );
  const limiter = makeLimiter(options.rateLimit, clock);
  if (limiter) app.use("/v1/*", rateLimit(limiter));
  if (options.writeGuard) app.use("/v1/*", writeGuard(options.writeGuard));

  app.onError((error, c) => {
    const id = c.get("requestId") ?? "unknown";
    const api = toApiError(error, id, mappers);
    if (api.status >= 500) {
      // Details stay in the server log; the caller gets the code and request id.
      const cause = api === error ? error.cause : error;
      logger.error(api.code === "internal" ? "unhandled error" : api.message, {
        requestId: id,
        code: api.code,
        ...describe(cause ?? error),
      });
    }
    return c.json(errorBody(api, id), api.status, api.headers);
  });

  app.notFound((c) => {
    c.set("unmatched", true);
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0) {
      return c.json(
        {
          error: {
            code: "method_not_allowed",
            message: `${c.req.method} is not allowed on ${c.req.path}; use ${
              allowed.join(", ")
            }`,
            requestId: c.get("requestId"),
          },
        },
        405,
        { Allow: allowed.join(", ") },
      );
    }
    return c.json(
      {
        error: {
          code: "not_found",
          message: `no route for ${c.req.method} ${c.req.path}`,
          requestId: c.get("requestId"),
        },
      },
      404,
    );
  });

  healthRoutes(app, options.probes ?? [], {
    clock,
    ...(options.probeTimeoutMs ? { timeoutMs: options.probeTimeoutMs } : {}),
  });
  metricsRoutes(app, metrics);
  meRoutes(app);
  analyzeRoutes(app, options.analyze);
  for (const register of options.routes ?? []) register(app);
  openApiRoutes(app, options.openapi);
  return app;
}

/**
 * The methods some route answers on `path` (HEAD with GET), for a 405's
 * `Allow`; empty when no route matches the path at all. Read at request time,
 * so routes registered after `createApp` count too.
 */
function allowedMethods(app: ApiApp, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL" || route.path.includes("*")) continue;
    const pattern = new RegExp(
      `^${
        route.path.split("/").map((part) =>
          part.startsWith(":")
            ? "[^/]+"
            : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
        ).join("/")
      }$`,
    );
    if (pattern.test(path)) methods.add(route.method.toUpperCase());
  }
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}

function describe(error: unknown): Record<string, unknown> {
  return error instanceof Error
    ? { error: error.name, message: error.message, stack: error.stack }
    : { error: String(error) };
}

function makeLimiter(
  option: AppOptions["rateLimit"],
  clock: Clock,
): RateLimiter | undefined {
  if (option === false) return undefined;
  if (option && "take" in option) return option;
  const perMinute = option?.perMinute ?? 120;
  return tokenBucket({
    capacity: option?.burst ?? perMinute,
    refillPerSecond: perMinute / 60,
    clock,
  });
}
