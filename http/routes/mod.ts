/**
 * Troupe's domain routes under `/v1`: builds (and their events over SSE and
 * WebSocket), search, documents, memories, API keys, Telegram link codes and
 * admin. Pass them to `createApp`:
 *
 * @example
 * ```ts ignore
 * import { createApp, storageAuthenticate } from "../mod.ts";
 * import { createBuildEventHub } from "../build_event_hub.ts";
 * import { domainRoutes } from "./mod.ts";
 * const hub = createBuildEventHub(); // buildBehavior({ db, notify: hub.publish })
 * const app = createApp({
 *   authenticate: storageAuthenticate(db),
 *   routes: domainRoutes({ db, actors: system, vector, events: hub }),
 * });
 * ```
 *
 * @module
 */
import type { RouteModule } from "../app.ts";
import { type DomainDeps, resolveDeps } from "./_shared.ts";
import { adminRoutes } from "./admin.ts";
import { apiKeyRoutes } from "./api_keys.ts";
import { buildEventRoutes } from "./build_events.ts";
import { buildArchiveRoutes } from "./build_archive.ts";
import { buildRoutes } from "./builds.ts";
import { documentRoutes } from "./documents.ts";
import { memoryRoutes } from "./memories.ts";
import { searchRoutes } from "./search.ts";
import { telegramRoutes } from "./telegram.ts";

export type { ActorRefs, AskRef, DomainDeps } from "./_shared.ts";
export { mapVectorError } from "./_shared.ts";
export {
  followBuild,
  type FollowOptions,
  type StreamItem,
} from "./build_events.ts";
export type { ResolvedDeps } from "./_shared.ts";
// Types of the HTTP room that the signatures above use.
export type { RouteModule } from "../app.ts";
export type { ApiError } from "../errors.ts";
export type {
  ApiApp,
  AppEnv,
  AppVariables,
  Principal,
  Role,
} from "../context.ts";
export type {
  BuildEventListener,
  BuildEventSubscriptions,
} from "../build_event_hub.ts";

/**
 * The route modules of the domain API, sharing one set of dependencies.
 * Admin routes come first so their role check runs before anything else
 * under `/v1/admin`.
 */
export function domainRoutes(deps: DomainDeps): RouteModule[] {
  const resolved = resolveDeps(deps);
  return [
    (app) => adminRoutes(app, resolved),
    (app) => buildRoutes(app, resolved),
    (app) => buildEventRoutes(app, resolved),
    (app) => buildArchiveRoutes(app, resolved),
    (app) => searchRoutes(app, resolved),
    (app) => documentRoutes(app, resolved),
    (app) => memoryRoutes(app, resolved),
    (app) => apiKeyRoutes(app, resolved),
    (app) => telegramRoutes(app, resolved),
  ];
}
