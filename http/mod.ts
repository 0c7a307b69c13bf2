/**
 * Troupe's HTTP platform: the Hono app with request ids, logging, body
 * limit, API-key auth, per-key rate limit, error mapping, health, metrics and
 * OpenAPI. `main.ts` builds it with {@linkcode createApp} and serves it:
 *
 * @example
 * ```ts
 * import { createApp, storageAuthenticate } from "./mod.ts";
 * import { openDatabase } from "../storage/db.ts";
 * await using database = await openDatabase({});
 * const app = createApp({ authenticate: storageAuthenticate(database.db) });
 * // Deno.serve({ port: 8080 }, app.fetch);
 * ```
 *
 * Domain routes are route modules: functions that register
 * `app.openapi(createRoute({...}), handler)` under `/v1` and are passed as
 * `createApp({ routes: [buildRoutes(system)] })`. Use `principalOf(c)` for the
 * caller, `requireRole("admin")` for admin paths, throw `ApiError` for
 * deliberate failures; validation, storage and runtime errors are mapped
 * for you.
 *
 * @module
 */
export { type AppOptions, createApp, type RouteModule } from "./app.ts";
export {
  type CheckApiKey,
  storageAuthenticate,
  toPrincipal,
} from "./auth_storage.ts";
export type {
  ApiApp,
  AppEnv,
  AppVariables,
  Principal,
  Role,
} from "./context.ts";
export {
  ApiError,
  errorBody,
  type ErrorMapper,
  runtimeErrorMapper,
  storageErrorMapper,
  toApiError,
  validationError,
} from "./errors.ts";
export {
  checkReadiness,
  type CheckResult,
  type Probe,
  type ReadinessReport,
} from "./health.ts";
export { httpMetrics } from "./metrics.ts";
export {
  auth,
  type Authenticate,
  type AuthFailure,
  type AuthOptions,
  type AuthResult,
  principalOf,
  requireRole,
} from "./middleware/auth.ts";
export {
  jsonLogger,
  type LogFields,
  type Logger,
  type LogLevel,
  silentLogger,
} from "./middleware/logger.ts";
export {
  type RateDecision,
  type RateLimiter,
  tokenBucket,
} from "./middleware/rate_limit.ts";
export { REQUEST_ID_HEADER } from "./middleware/request_id.ts";
export { undocumentedRoutes } from "./openapi.ts";
export {
  databaseProbe,
  healthProbe,
  kvProbe,
  modelProbe,
  vectorProbe,
} from "./probes.ts";
export {
  authErrorResponses,
  badRequestResponse,
  ErrorSchema,
  pageOf,
  PaginationQuerySchema,
} from "./schemas.ts";
export type { AnalyzeFn } from "./routes/analyze.ts";

// Types of the HTTP room that the signatures above use.
export type { ReadinessOptions } from "./health.ts";
export type { TokenBucketOptions } from "./middleware/rate_limit.ts";
export type { RequestIdOptions } from "./middleware/request_id.ts";
export type { WriteGuard } from "./middleware/write_guard.ts";
export type { OpenApiOptions } from "./openapi.ts";
export type { SelfChecking } from "./probes.ts";
export type { ErrorBody } from "./schemas.ts";
export type { FinishOptions } from "./openapi_document.ts";
/** The runtime's two-method logger, which {@linkcode Logger} extends. */
export type { Logger as RuntimeLogger } from "../runtime/logger.ts";
