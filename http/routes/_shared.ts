/**
 * What the domain route modules share: their dependencies, the audit context
 * of a request, and the mapping of vector-store and model failures to 503.
 *
 * @module
 */
import type { Context } from "hono";
import { getConnInfo } from "hono/deno";
import { z } from "@hono/zod-openapi";
import {
  ModelError,
  ModelUnavailableError,
} from "../../actors/workflow/llm.ts";
import { realClock } from "../../runtime/clock.ts";
import type { AuditContext } from "../../storage/audit.ts";
import { buildOverviewReader } from "../../storage/build_overviews.ts";
import {
  EmbeddingMismatchError,
  VectorStoreError,
  VectorStoreUnavailableError,
} from "../../storage/vector.ts";
import type {
  AuthChange,
  BuildOverviewReader,
  Clock,
  Db,
  Message,
  ModelCatalog,
  VectorStore,
} from "../_room_types.ts";
import type { BuildEventSubscriptions } from "../build_event_hub.ts";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { principalOf } from "../middleware/auth.ts";
import { ErrorSchema } from "../schemas.ts";

/** The part of an actor reference the routes use. */
export interface AskRef {
  /** Sends `message` and waits for the actor's reply; rejects on timeout. */
  ask<T = unknown>(
    message: Message,
    options?: { timeoutMs?: number },
  ): Promise<T>;
}

/** Where actor references come from; an `ActorSystem` satisfies it. */
export interface ActorRefs {
  /** A reference to the actor `kind`/`id`. */
  ref(kind: string, id: string): AskRef;
}

/** Dependencies of the domain routes (see `domainRoutes`). */
export interface DomainDeps {
  /** The database, for reads and for repositories that write audit rows. */
  readonly db: Db;
  /** Where the routes get actor references from. */
  readonly actors: ActorRefs;
  /** Chroma-backed store for search and documents; without it those routes answer 503. */
  readonly vector?: VectorStore | undefined;
  /** In-process wake-ups for event streams (the build actor's `notify` feeds it). */
  readonly events?: BuildEventSubscriptions | undefined;
  /** Time for expiries, audit rows and stream timers. Default: the wall clock. */
  readonly clock?: Clock | undefined;
  /** Lifetime of a Telegram link code (default 10 minutes). */
  readonly linkCodeTtlMs?: number | undefined;
  /** Comment line sent on an idle event stream (default 15 s). */
  readonly sseHeartbeatMs?: number | undefined;
  /** How often an event stream looks for new events in the database (default 250 ms). */
  readonly ssePollMs?: number | undefined;
  /** Timeout of asks to the session and build actors (default 10 s). */
  readonly askTimeoutMs?: number | undefined;
  /**
   * The models installed on Ollama, for a build's `model` (a 400 listing
   * them when it is not one of them). Without it, a build that names a
   * model is a 503; builds without one are unaffected.
   */
  readonly models?: ModelCatalog | undefined;
  /** Daily build quota of users created without one (`DEFAULT_DAILY_QUOTA`, default 50). */
  readonly defaultDailyQuota?: number | undefined;
  /** Most active API keys per user (`MAX_API_KEYS_PER_USER`, default 10). */
  readonly maxApiKeysPerUser?: number | undefined;
  /**
   * Told after a route changed a key or user (`key:<id>`, `user:<id>`), so
   * this node's key cache forgets it before the answer goes out; other
   * nodes learn it from the database (`ApiKeyCache.invalidate`).
   */
  readonly onAuthChange?: ((change: AuthChange) => void) | undefined;
}

/** {@link DomainDeps} with defaults applied. */
export interface ResolvedDeps {
  /** The database. */
  readonly db: Db;
  /** Where the routes get actor references from. */
  readonly actors: ActorRefs;
  /** The vector store; undefined: search and document routes answer 503. */
  readonly vector: VectorStore | undefined;
  /** In-process wake-ups for event streams; undefined: streams only poll. */
  readonly events: BuildEventSubscriptions | undefined;
  /** The installed models; undefined: a build naming a model is a 503. */
  readonly models: ModelCatalog | undefined;
  /** Time for expiries, audit rows and stream timers. */
  readonly clock: Clock;
  /** Lifetime of a Telegram link code, in ms. */
  readonly linkCodeTtlMs: number;
  /** Idle time before an event stream sends a heartbeat, in ms. */
  readonly sseHeartbeatMs: number;
  /** How often an event stream polls the database, in ms. */
  readonly ssePollMs: number;
  /** Timeout of asks to the session and build actors, in ms. */
  readonly askTimeoutMs: number;
  /** Daily build quota of users created without one. */
  readonly defaultDailyQuota: number;
  /** Most active API keys per user. */
  readonly maxApiKeysPerUser: number;
  /** Told after a route changed a key or user (a no-op by default). */
  readonly onAuthChange: (change: AuthChange) => void;
  /** Build status reads, batched under load. */
  readonly readBuildOverview: BuildOverviewReader;
}

/** Applies the defaults. */
export function resolveDeps(deps: DomainDeps): ResolvedDeps {
  return {
    db: deps.db,
    actors: deps.actors,
    vector: deps.vector,
    events: deps.events,
    models: deps.models,
    clock: deps.clock ?? realClock,
    linkCodeTtlMs: deps.linkCodeTtlMs ?? 10 * 60_000,
    sseHeartbeatMs: deps.sseHeartbeatMs ?? 15_000,
    ssePollMs: deps.ssePollMs ?? 250,
    askTimeoutMs: deps.askTimeoutMs ?? 10_000,
    defaultDailyQuota: deps.defaultDailyQuota ?? 50,
    maxApiKeysPerUser: deps.maxApiKeysPerUser ?? 10,
    onAuthChange: deps.onAuthChange ?? (() => {}),
    readBuildOverview: buildOverviewReader(deps.db),
  };
}

/** The client's address when served by `Deno.serve`; null under `app.request`. */
export function clientIp(c: Context<AppEnv>): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

/** The audit context of the request's caller. */
export function auditOf(c: Context<AppEnv>, clock: Clock): AuditContext {
  return {
    actorUserId: principalOf(c).user.id,
    ip: clientIp(c),
    now: new Date(clock.now()),
  };
}

/** `Date | null` as an ISO string or null. */
export function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/** A 404 with a route-specific code. */
export function notFound(what: string, code = "not_found"): ApiError {
  return new ApiError(404, code, `${what} not found`);
}

/** The response entry for one error status, for `createRoute`. */
export function errorResponse(description: string) {
  return {
    description,
    content: { "application/json": { schema: ErrorSchema } },
  } as const;
}

/**
 * A string without NUL characters: PostgreSQL text cannot hold them, so
 * they are refused at the edge with a 400 naming the field.
 */
export function text() {
  return z.string().refine((s) => !s.includes("\0"), {
    message: "must not contain NUL (\\u0000) characters",
  });
}

/** A uuid path parameter named `id`. */
export const IdParamSchema = z.object({
  id: z.uuid().openapi({
    param: { name: "id", in: "path" },
    example: "0f8b2c3e-6a2d-4c1e-9b7a-2f1d9c0e4a55",
  }),
});

/**
 * Runs a vector-store call and turns Chroma and Ollama outages into 503s
 * that name the service; a missing store (not configured) is a 503 too.
 */
export async function withVector<T>(
  vector: VectorStore | undefined,
  fn: (store: VectorStore) => Promise<T>,
): Promise<T> {
  if (!vector) {
    throw new ApiError(
      503,
      "vector_store_unavailable",
      "search needs Chroma, which is not configured on this node; set CHROMA_URL or enable the embedded Chroma server",
      undefined,
      { "Retry-After": "30" },
    );
  }
  try {
    return await fn(vector);
  } catch (error) {
    throw mapVectorError(error) ?? error;
  }
}

/** Maps vector-store and embedding-model errors to an {@linkcode ApiError}. */
export function mapVectorError(error: unknown): ApiError | undefined {
  if (error instanceof VectorStoreUnavailableError) {
    return new ApiError(
      503,
      "vector_store_unavailable",
      `Chroma is unavailable: ${error.message}`,
      { service: "chroma", url: error.url },
      { "Retry-After": "10" },
      error,
    );
  }
  if (error instanceof EmbeddingMismatchError) {
    return new ApiError(
      503,
      "vector_store_misconfigured",
      error.message,
      { service: "chroma", collection: error.collection },
      undefined,
      error,
    );
  }
  if (error instanceof VectorStoreError) {
    return new ApiError(
      503,
      "vector_store_error",
      `Chroma failed: ${error.message}`,
      { service: "chroma" },
      undefined,
      error,
    );
  }
  if (error instanceof ModelError) {
    return new ApiError(
      503,
      "model_unavailable",
      `embeddings could not be computed: ${error.message}`,
      {
        service: "ollama",
        ...(error instanceof ModelUnavailableError
          ? { host: error.host, model: error.model }
          : {}),
      },
      { "Retry-After": "10" },
      error,
    );
  }
  return undefined;
}
