/**
 * The metrics actor: a local (per-node) actor kind that owns this node's
 * prom-client registry. Everyone reports to it; `GET /metrics` renders it.
 *
 * Messages to it are frequent, so every message type also has a plain
 * function (`recordRuntimeEvent`, `recordHttpRequest`, ...) that hot paths such
 * as the runtime's `onEvent` hook call directly, without a mailbox hop. The
 * actor and the functions update the same {@linkcode Metrics} object.
 *
 * Labels are low-cardinality on purpose: actor kinds, routes as patterns,
 * statuses, model names. Never user, build or actor ids.
 *
 * @module
 */
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from "prom-client";
import { type Behavior, defineActor } from "../runtime/actor.ts";
import type { RuntimeEvent } from "../runtime/events.ts";
import { TERMINAL_BUILD_STATUSES } from "../storage/schema.ts";
import type { TestStatus } from "./workflow/tools/mod.ts";

/** The actor kind under which the metrics actor is registered. */
export const METRICS_KIND = "metrics";

/** Latency buckets for requests, messages and queries (seconds). */
const FAST_BUCKETS = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];
/** Buckets for whole builds: up to 30 minutes. */
const BUILD_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 900, 1200, 1800];
/** Buckets for model calls, workflow steps and other slow work. */
const SLOW_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * prom-client default metrics left out: gauges with a `_total` suffix (they
 * break Prometheus naming and promtool rejects them; the suffix-less twins
 * stay), and the scrape-time event-loop lag probe, which waits for a
 * `setImmediate` on every scrape (milliseconds, sometimes tens of them, under
 * load) while the `nodejs_eventloop_lag_{min,max,mean,p50,p90,p99}_seconds`
 * histogram summaries measure the same thing continuously.
 *
 * The default metrics keep their standard names (`process_*`, `nodejs_*`,
 * no `troupe_` prefix) so stock Node.js dashboards and alerts find them.
 */
const DROPPED_DEFAULTS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
  "nodejs_eventloop_lag_seconds",
];

/** Final build statuses: `troupe_builds_total{status}` starts at 0 for each. */
const BUILD_FINAL_STATUSES = TERMINAL_BUILD_STATUSES;

/** Sandbox outcomes: `troupe_sandbox_runs_total{status}` starts at 0 for each. */
const SANDBOX_STATUSES = [
  "passed",
  "failed",
  "timeout",
  "crashed",
  "refused",
] as const satisfies readonly TestStatus[];
// Fails to type-check when the sandbox gains an outcome this list misses.
const _allSandboxStatuses: [
  Exclude<TestStatus, typeof SANDBOX_STATUSES[number]>,
] extends [never] ? true : false = true;

/** Model call outcomes, as `troupe_llm_requests_total{outcome}` labels them. */
const LLM_OUTCOMES = ["ok", "error", "timeout"] as const;
/** Model call operations that are counted (health checks are not work). */
const LLM_OPERATIONS = ["chat", "embed"] as const;

/** Telegram update types the bot tells apart (`troupe_telegram_updates_total{type}`). */
export const TELEGRAM_UPDATE_TYPES = [
  "message",
  "callback_query",
  "other",
] as const;
/** Bot API methods the bot sends with (`troupe_telegram_*{method}`). */
export const TELEGRAM_SEND_METHODS = [
  "sendMessage",
  "editMessageText",
  "answerCallbackQuery",
] as const;
/** Bot API methods that can be rate limited: the sends and the poller's getUpdates. */
const TELEGRAM_LIMITED_METHODS = [
  ...TELEGRAM_SEND_METHODS,
  "getUpdates",
] as const;

/** A Telegram update type as counted. */
export type TelegramUpdateType = typeof TELEGRAM_UPDATE_TYPES[number];
/** A Bot API method the outbox calls. */
export type TelegramSendMethod = typeof TELEGRAM_SEND_METHODS[number];

/** What the bot reports for metrics (see {@linkcode recordTelegram}). */
export type TelegramObservation =
  /** An update arrived (long polling or webhook). */
  | { type: "update"; update: TelegramUpdateType }
  /** Telegram accepted an outgoing message. */
  | { type: "sent"; method: TelegramSendMethod }
  /** Telegram refused an outgoing message for good (it is dropped). */
  | { type: "send_failed"; method: TelegramSendMethod }
  /** Telegram answered 429 (the call waits `retry_after` and is tried again). */
  | {
    type: "rate_limited";
    method: TelegramSendMethod | "getUpdates";
  };

/** This node's metrics: the registry and every metric in it. */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpRequestDuration: Histogram<"method" | "route" | "status">;
  readonly builds: Counter<"status">;
  readonly buildDuration: Histogram<"status">;
  readonly actorMessages: Counter<"kind">;
  readonly actorFailures: Counter<"kind">;
  readonly actorRestarts: Counter<"kind">;
  readonly actorStops: Counter<"kind">;
  readonly actorDeadLetters: Counter<"kind">;
  readonly actorMailboxDepth: Gauge<"kind">;
  readonly actorActivations: Gauge<"kind">;
  readonly actorMessageDuration: Histogram<"kind">;
  readonly dbQueries: Counter<"operation">;
  readonly dbQueryDuration: Histogram<"operation">;
  readonly vectorOperationDuration: Histogram<"operation" | "collection">;
  readonly workflowStepDuration: Histogram<"step">;
  readonly llmTokens: Counter<"model" | "direction">;
  readonly llmRequestDuration: Histogram<"model" | "operation">;
  readonly sandboxRuns: Counter<"status">;
  readonly llmRequests: Counter<"model" | "operation" | "outcome">;
  readonly apiKeyCacheActive: Gauge;
  readonly dependencyUp: Gauge<"dependency">;
  readonly telegramUpdates: Counter<"type">;
  readonly telegramSends: Counter<"method">;
  readonly telegramSendFailures: Counter<"method">;
  readonly telegramRateLimited: Counter<"method">;
  readonly telegramOutboxDepth: Gauge;
  /** Bookkeeping behind the per-kind gauges (ids never become labels). */
  readonly tracking: ActorTracking;
  /** Sources read at scrape time (see {@linkcode watchDependencies}, {@linkcode watchTelegramOutbox}). */
  readonly sources: ScrapeSources;
}

/** Functions the scrape-time gauges read; unset until the platform wires them. */
export interface ScrapeSources {
  /** Each dependency's state, by name (`postgres`, `kv`, `chroma`, `ollama`, ...). */
  dependencies?: () => Promise<Record<string, boolean>>;
  /** Messages waiting in the Telegram outbox. */
  telegramOutboxDepth?: () => number;
}

/** Per kind: busy mailboxes and active ids, so the gauges can show each kind's totals. */
export interface ActorTracking {
  readonly depths: Map<string, { total: number; byId: Map<string, number> }>;
  readonly active: Map<string, Set<string>>;
}

/** Options of {@linkcode createMetrics}. */
export interface MetricsOptions {
  /** The registry to fill; a fresh one by default (never prom-client's global registry). */
  registry?: Registry;
  /** Also collect the standard process metrics (`process_*`, `nodejs_*`: CPU, memory, event loop, ...). Default true. */
  defaultMetrics?: boolean;
  /** Labels added to every series, for example `{ node: "a1" }`. */
  defaultLabels?: Record<string, string>;
  /**
   * Actor kinds whose counters start at 0 (more can be declared later with
   * {@linkcode declareActorKinds}). The metrics kind is always declared.
   */
  actorKinds?: readonly string[];
  /** Model names whose `troupe_llm_requests_total` series start at 0. */
  models?: readonly string[];
}

/**
 * Creates this node's registry with every Troupe metric in it.
 *
 * @example
 * ```ts
 * import { createMetrics, recordBuildFinished } from "./metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * recordBuildFinished(metrics, { status: "succeeded", durationSeconds: 42 });
 * const text = await metrics.registry.metrics();
 * ```
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = options.registry ?? new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    for (const name of DROPPED_DEFAULTS) registry.removeSingleMetric(name);
  }
  const registers = [registry];
  const sources: ScrapeSources = {};
  const metrics: Metrics = {
    registry,
    httpRequests: new Counter({
      name: "troupe_http_requests_total",
      help: "HTTP requests answered, by method, route pattern and status.",
      labelNames: ["method", "route", "status"],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: "troupe_http_request_duration_seconds",
      help: "Time to answer an HTTP request.",
      labelNames: ["method", "route", "status"],
      buckets: FAST_BUCKETS,
      registers,
    }),
    builds: new Counter({
      name: "troupe_builds_total",
      help: "Builds that reached a final status.",
      labelNames: ["status"],
      registers,
    }),
    buildDuration: new Histogram({
      name: "troupe_build_duration_seconds",
      help: "Wall-clock time of a build from creation to its final status.",
      labelNames: ["status"],
      buckets: BUILD_BUCKETS,
      registers,
    }),
    actorMessages: new Counter({
      name: "troupe_actor_messages_total",
      help: "Messages processed by actors, by kind.",
      labelNames: ["kind"],
      registers,
    }),
    actorFailures: new Counter({
      name: "troupe_actor_failures_total",
      help: "Message attempts that threw, by actor kind.",
      labelNames: ["kind"],
      registers,
    }),
    actorRestarts: new Counter({
      name: "troupe_actor_restarts_total",
      help: "Actor restarts by the supervisor, by kind.",
      labelNames: ["kind"],
      registers,
    }),
    actorStops: new Counter({
      name: "troupe_actor_stops_total",
      help: "Actors stopped by the supervisor, by kind.",
      labelNames: ["kind"],
      registers,
    }),
    actorDeadLetters: new Counter({
      name: "troupe_actor_dead_letters_total",
      help: "Messages moved to the dead-letter store, by actor kind.",
      labelNames: ["kind"],
      registers,
    }),
    actorMailboxDepth: new Gauge({
      name: "troupe_actor_mailbox_depth",
      help:
        "Messages waiting in the mailboxes of this node's activations, by kind.",
      labelNames: ["kind"],
      registers,
    }),
    actorActivations: new Gauge({
      name: "troupe_actor_activations",
      help: "Actors active on this node, by kind.",
      labelNames: ["kind"],
      registers,
    }),
    actorMessageDuration: new Histogram({
      name: "troupe_actor_message_duration_seconds",
      help: "Time an actor spent processing one message, by kind.",
      labelNames: ["kind"],
      buckets: FAST_BUCKETS,
      registers,
    }),
    dbQueries: new Counter({
      name: "troupe_db_queries_total",
      help: "Database queries, by operation.",
      labelNames: ["operation"],
      registers,
    }),
    dbQueryDuration: new Histogram({
      name: "troupe_db_query_duration_seconds",
      help: "Database query latency, by operation.",
      labelNames: ["operation"],
      buckets: FAST_BUCKETS,
      registers,
    }),
    vectorOperationDuration: new Histogram({
      name: "troupe_vector_operation_duration_seconds",
      help: "Vector store operation latency, by operation and collection.",
      labelNames: ["operation", "collection"],
      buckets: FAST_BUCKETS,
      registers,
    }),
    workflowStepDuration: new Histogram({
      name: "troupe_workflow_step_duration_seconds",
      help: "Duration of one step of the agent graph.",
      labelNames: ["step"],
      buckets: SLOW_BUCKETS,
      registers,
    }),
    llmTokens: new Counter({
      name: "troupe_llm_tokens_total",
      help: "Model tokens, by model and direction (prompt or completion).",
      labelNames: ["model", "direction"],
      registers,
    }),
    llmRequestDuration: new Histogram({
      name: "troupe_llm_request_duration_seconds",
      help: "Model call latency, by model and operation.",
      labelNames: ["model", "operation"],
      buckets: SLOW_BUCKETS,
      registers,
    }),
    sandboxRuns: new Counter({
      name: "troupe_sandbox_runs_total",
      help: "Sandboxed test runs, by outcome.",
      labelNames: ["status"],
      registers,
    }),
    llmRequests: new Counter({
      name: "troupe_llm_requests_total",
      help:
        "Model calls (retries included in one call), by model, operation and outcome (ok, error, timeout).",
      labelNames: ["model", "operation", "outcome"],
      registers,
    }),
    apiKeyCacheActive: new Gauge({
      name: "troupe_api_key_cache_active",
      help:
        "1 while API key checks are cached (the key change feed is up), 0 while every key is checked in the database.",
      registers,
    }),
    dependencyUp: new Gauge({
      name: "troupe_dependency_up",
      help:
        "1 when a dependency passes its readiness probe at scrape time, 0 when not (the /readyz checks).",
      labelNames: ["dependency"],
      registers,
      async collect() {
        const check = sources.dependencies;
        if (!check) return;
        let states: Record<string, boolean>;
        try {
          states = await check();
        } catch {
          return; // The probes never throw; a broken source leaves the last values.
        }
        for (const [dependency, up] of Object.entries(states)) {
          this.set({ dependency }, up ? 1 : 0);
        }
      },
    }),
    telegramUpdates: new Counter({
      name: "troupe_telegram_updates_total",
      help: "Telegram updates received (long polling or webhook), by type.",
      labelNames: ["type"],
      registers,
    }),
    telegramSends: new Counter({
      name: "troupe_telegram_sends_total",
      help: "Outgoing Telegram calls Telegram accepted, by Bot API method.",
      labelNames: ["method"],
      registers,
    }),
    telegramSendFailures: new Counter({
      name: "troupe_telegram_send_failures_total",
      help:
        "Outgoing Telegram messages refused for good and dropped (bad text, bot blocked), by method.",
      labelNames: ["method"],
      registers,
    }),
    telegramRateLimited: new Counter({
      name: "troupe_telegram_rate_limited_total",
      help:
        "Telegram 429 answers (the call waits retry_after and is tried again), by method.",
      labelNames: ["method"],
      registers,
    }),
    telegramOutboxDepth: new Gauge({
      name: "troupe_telegram_outbox_depth",
      help:
        "Outgoing Telegram messages queued and not yet delivered or dropped.",
      registers,
      collect() {
        const depth = sources.telegramOutboxDepth;
        if (depth) this.set(depth());
      },
    }),
    tracking: { depths: new Map(), active: new Map() },
    sources,
  };
  initialize(metrics, options);
  return metrics;
}

/**
 * Starts every labelled counter at 0 for its known label values, so a
 * series exists before its first event and `increase()`/`rate()` see the
 * first one (a series born at 1 has no increase to show).
 */
function initialize(metrics: Metrics, options: MetricsOptions): void {
  for (const status of BUILD_FINAL_STATUSES) {
    metrics.builds.inc({ status }, 0);
  }
  for (const status of SANDBOX_STATUSES) {
    metrics.sandboxRuns.inc({ status }, 0);
  }
  for (const type of TELEGRAM_UPDATE_TYPES) {
    metrics.telegramUpdates.inc({ type }, 0);
  }
  for (const method of TELEGRAM_SEND_METHODS) {
    metrics.telegramSends.inc({ method }, 0);
    metrics.telegramSendFailures.inc({ method }, 0);
  }
  for (const method of TELEGRAM_LIMITED_METHODS) {
    metrics.telegramRateLimited.inc({ method }, 0);
  }
  metrics.telegramOutboxDepth.set(0);
  declareActorKinds(metrics, [METRICS_KIND, ...options.actorKinds ?? []]);
  declareModels(metrics, options.models ?? []);
}

/**
 * Starts the per-kind actor counters (messages, failures, restarts, stops,
 * dead letters) and gauges at 0 for `kinds`. The platform declares every
 * registered behaviour's kind at start.
 *
 * @example
 * ```ts
 * import { createMetrics, declareActorKinds } from "./metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * declareActorKinds(metrics, ["build", "session"]);
 * const text = await metrics.registry.metrics();
 * console.assert(text.includes('troupe_actor_dead_letters_total{kind="build"} 0'));
 * ```
 */
export function declareActorKinds(
  metrics: Metrics,
  kinds: Iterable<string>,
): void {
  for (const kind of kinds) {
    metrics.actorMessages.inc({ kind }, 0);
    metrics.actorFailures.inc({ kind }, 0);
    metrics.actorRestarts.inc({ kind }, 0);
    metrics.actorStops.inc({ kind }, 0);
    metrics.actorDeadLetters.inc({ kind }, 0);
    if (!metrics.tracking.depths.has(kind)) {
      metrics.actorMailboxDepth.set({ kind }, 0);
    }
    if (!metrics.tracking.active.has(kind)) {
      metrics.actorActivations.set({ kind }, 0);
    }
  }
}

/** Starts `troupe_llm_requests_total` at 0 for each model, operation and outcome. */
export function declareModels(
  metrics: Metrics,
  models: Iterable<string>,
): void {
  for (const model of models) {
    for (const operation of LLM_OPERATIONS) {
      for (const outcome of LLM_OUTCOMES) {
        metrics.llmRequests.inc({ model, operation, outcome }, 0);
      }
    }
  }
}

/**
 * Makes `troupe_dependency_up{dependency}` follow `check`, called at each
 * scrape. Pass the readiness probes' outcome (what `/readyz` reports), so
 * the alert rules see a dependency down the way the load balancer does.
 *
 * @example
 * ```ts
 * import { createMetrics, watchDependencies } from "./metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * watchDependencies(metrics, () => Promise.resolve({ postgres: true, ollama: false }));
 * const text = await metrics.registry.metrics();
 * console.assert(text.includes('troupe_dependency_up{dependency="ollama"} 0'));
 * ```
 */
export function watchDependencies(
  metrics: Metrics,
  check: () => Promise<Record<string, boolean>>,
): void {
  metrics.sources.dependencies = check;
}

/** Makes `troupe_telegram_outbox_depth` read `depth()` at each scrape (the outbox's `pending`). */
export function watchTelegramOutbox(
  metrics: Metrics,
  depth: () => number,
): void {
  metrics.sources.telegramOutboxDepth = depth;
}

/**
 * Counts one thing the Telegram bot reports: an update received, a message
 * sent, one refused for good, a 429.
 *
 * @example
 * ```ts
 * import { createMetrics, recordTelegram } from "./metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * // createBot({ ..., observe: (o) => recordTelegram(metrics, o) })
 * recordTelegram(metrics, { type: "sent", method: "sendMessage" });
 * ```
 */
export function recordTelegram(
  metrics: Metrics,
  observation: TelegramObservation,
): void {
  switch (observation.type) {
    case "update":
      metrics.telegramUpdates.inc({ type: observation.update });
      return;
    case "sent":
      metrics.telegramSends.inc({ method: observation.method });
      return;
    case "send_failed":
      metrics.telegramSendFailures.inc({ method: observation.method });
      return;
    case "rate_limited":
      metrics.telegramRateLimited.inc({ method: observation.method });
      return;
  }
}

/** An answered HTTP request. `route` is the matched pattern (`/v1/builds/:id`), never the raw path. */
export interface HttpObservation {
  method: string;
  route: string;
  status: number;
  durationSeconds: number;
}

/** A build that reached a final status. */
export interface BuildObservation {
  status: string;
  durationSeconds: number;
}

/** A model call. Token counts are optional: streamed calls may not report them. */
export interface LlmObservation {
  model: string;
  operation: string;
  durationSeconds: number;
  promptTokens?: number;
  completionTokens?: number;
  /** `ok` (the default), or the error's class name (`ModelTimeoutError`, ...). */
  outcome?: string;
}

/** Everything the metrics actor accepts. */
export type MetricsMessage =
  | { type: "runtime"; event: RuntimeEvent }
  | ({ type: "http" } & HttpObservation)
  | ({ type: "build_finished" } & BuildObservation)
  | ({ type: "db_query" } & DbObservation)
  | ({ type: "vector_operation" } & VectorObservation)
  | ({ type: "workflow_step" } & WorkflowStepObservation)
  | ({ type: "llm_request" } & LlmObservation)
  | { type: "sandbox_run"; status: string }
  | { type: "telegram"; observation: TelegramObservation }
  /** Replies with {@linkcode Scrape}. */
  | { type: "scrape" };

/** The text exposition of the registry, as the scrape message's reply. */
export interface Scrape {
  contentType: string;
  text: string;
}

/**
 * Feeds one runtime event into the actor metrics. Cheap and synchronous: made
 * to be the runtime's `onEvent` hook.
 *
 * @example
 * ```ts
 * import { createMetrics, recordRuntimeEvent } from "./metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * const onEvent = (e: Parameters<typeof recordRuntimeEvent>[1]) => recordRuntimeEvent(metrics, e);
 * onEvent({ type: "activated", kind: "build", id: "b1" });
 * ```
 */
export function recordRuntimeEvent(
  metrics: Metrics,
  event: RuntimeEvent,
): void {
  const kind = event.kind;
  switch (event.type) {
    case "activated":
      setActive(metrics, kind, event.id, true);
      break;
    case "passivated":
      setActive(metrics, kind, event.id, false);
      setDepth(metrics, kind, event.id, 0);
      break;
    case "stopped":
      metrics.actorStops.inc({ kind });
      setActive(metrics, kind, event.id, false);
      setDepth(metrics, kind, event.id, 0);
      break;
    case "processed":
      metrics.actorMessages.inc({ kind });
      metrics.actorMessageDuration.observe(
        { kind },
        Math.max(0, event.durationMs) / 1000,
      );
      break;
    case "failed":
      metrics.actorFailures.inc({ kind });
      break;
    case "restarted":
      metrics.actorRestarts.inc({ kind });
      break;
    case "dead_lettered":
      metrics.actorDeadLetters.inc({ kind });
      break;
    case "mailbox_depth":
      setDepth(metrics, kind, event.id, event.depth);
      break;
  }
}

function setActive(
  metrics: Metrics,
  kind: string,
  id: string,
  active: boolean,
): void {
  let ids = metrics.tracking.active.get(kind);
  if (!ids) {
    if (!active) return;
    ids = new Set();
    metrics.tracking.active.set(kind, ids);
  }
  if (active) ids.add(id);
  else ids.delete(id);
  metrics.actorActivations.set({ kind }, ids.size);
}

function setDepth(
  metrics: Metrics,
  kind: string,
  id: string,
  depth: number,
): void {
  let entry = metrics.tracking.depths.get(kind);
  if (!entry) {
    if (depth <= 0) return;
    entry = { total: 0, byId: new Map() };
    metrics.tracking.depths.set(kind, entry);
  }
  const before = entry.byId.get(id) ?? 0;
  const after = Math.max(0, depth);
  // Ids at depth 0 are forgotten so the map only holds busy mailboxes.
  if (after === 0) entry.byId.delete(id);
  else entry.byId.set(id, after);
  entry.total += after - before;
  metrics.actorMailboxDepth.set({ kind }, entry.total);
}

/** Counts one answered HTTP request and its latency. */
export function recordHttpRequest(
  metrics: Metrics,
  observation: HttpObservation,
): void {
  const labels = {
    method: observation.method,
    route: observation.route,
    status: String(observation.status),
  };
  metrics.httpRequests.inc(labels);
  metrics.httpRequestDuration.observe(labels, observation.durationSeconds);
}

/** Counts a build that reached a final status, and its duration. */
export function recordBuildFinished(
  metrics: Metrics,
  observation: BuildObservation,
): void {
  metrics.builds.inc({ status: observation.status });
  metrics.buildDuration.observe(
    { status: observation.status },
    observation.durationSeconds,
  );
}

/** One database query. `operation` is a low-cardinality name (`select`, `insert`, `builds.list`), never SQL text. */
export interface DbObservation {
  operation: string;
  durationSeconds: number;
}

/** One vector store operation (the shape storage/vector.ts `observe` reports). */
export interface VectorObservation {
  operation: string;
  collection: string;
  durationSeconds: number;
}

/** One step of the agent graph. */
export interface WorkflowStepObservation {
  step: string;
  durationSeconds: number;
}

/**
 * Whether this node's API key checks are being cached, as its key change
 * feed comes and goes.
 *
 * @example
 * ```ts
 * import { createMetrics, recordApiKeyCache } from "./metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * recordApiKeyCache(metrics, true);
 * ```
 */
export function recordApiKeyCache(metrics: Metrics, active: boolean): void {
  metrics.apiKeyCacheActive.set(active ? 1 : 0);
}

/** Counts one database query and its latency. */
export function recordDbQuery(
  metrics: Metrics,
  observation: DbObservation,
): void {
  metrics.dbQueries.inc({ operation: observation.operation });
  metrics.dbQueryDuration.observe(
    { operation: observation.operation },
    observation.durationSeconds,
  );
}

/**
 * Records the latency of one vector store operation.
 *
 * @example
 * ```ts
 * import { createMetrics, recordVectorOperation } from "./metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * // openVectorStore({ ..., observe: (o) => recordVectorOperation(metrics, o) })
 * recordVectorOperation(metrics, { operation: "query", collection: "documentation", durationSeconds: 0.004 });
 * ```
 */
export function recordVectorOperation(
  metrics: Metrics,
  observation: VectorObservation,
): void {
  metrics.vectorOperationDuration.observe(
    { operation: observation.operation, collection: observation.collection },
    observation.durationSeconds,
  );
}

/** Records the duration of one agent-graph step. */
export function recordWorkflowStep(
  metrics: Metrics,
  observation: WorkflowStepObservation,
): void {
  metrics.workflowStepDuration.observe(
    { step: observation.step },
    observation.durationSeconds,
  );
}

/**
 * Records one model call: the call by outcome (`ok`, `timeout`, or `error`
 * for any other error class), its latency and, when known, tokens in each
 * direction. Takes the model client's `observe` reports as they are. Health
 * checks are timed but not counted as calls.
 *
 * @example
 * ```ts
 * import { createMetrics, recordLlmRequest } from "./metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * // createModelClient({ ..., observe: (o) => recordLlmRequest(metrics, o) })
 * recordLlmRequest(metrics, { model: "m", operation: "chat", durationSeconds: 2, promptTokens: 10 });
 * ```
 */
export function recordLlmRequest(
  metrics: Metrics,
  observation: LlmObservation,
): void {
  const { model, operation } = observation;
  if (operation !== "health") {
    metrics.llmRequests.inc({
      model,
      operation,
      outcome: llmOutcome(observation.outcome),
    });
  }
  metrics.llmRequestDuration.observe(
    { model, operation },
    observation.durationSeconds,
  );
  if (observation.promptTokens) {
    metrics.llmTokens.inc(
      { model, direction: "prompt" },
      observation.promptTokens,
    );
  }
  if (observation.completionTokens) {
    metrics.llmTokens.inc(
      { model, direction: "completion" },
      observation.completionTokens,
    );
  }
}

/** `ok`, `timeout` or `error`: error class names folded into three label values. */
function llmOutcome(outcome: string | undefined): typeof LLM_OUTCOMES[number] {
  if (outcome === undefined || outcome === "ok") return "ok";
  return /timeout/i.test(outcome) ? "timeout" : "error";
}

/** Counts one sandboxed test run by outcome (`passed`, `failed`, `timeout`, `refused`, ...). */
export function recordSandboxRun(metrics: Metrics, status: string): void {
  metrics.sandboxRuns.inc({ status });
}

/** Renders the registry in the Prometheus text format. */
export async function scrape(metrics: Metrics): Promise<Scrape> {
  return {
    contentType: metrics.registry.contentType,
    text: await metrics.registry.metrics(),
  };
}

/**
 * Applies one message to the metrics. Returns the scrape for `scrape`
 * messages and `undefined` otherwise.
 */
export async function record(
  metrics: Metrics,
  message: MetricsMessage,
): Promise<Scrape | undefined> {
  switch (message.type) {
    case "runtime":
      recordRuntimeEvent(metrics, message.event);
      return undefined;
    case "http":
      recordHttpRequest(metrics, message);
      return undefined;
    case "build_finished":
      recordBuildFinished(metrics, message);
      return undefined;
    case "db_query":
      recordDbQuery(metrics, message);
      return undefined;
    case "vector_operation":
      recordVectorOperation(metrics, message);
      return undefined;
    case "workflow_step":
      recordWorkflowStep(metrics, message);
      return undefined;
    case "llm_request":
      recordLlmRequest(metrics, message);
      return undefined;
    case "sandbox_run":
      recordSandboxRun(metrics, message.status);
      return undefined;
    case "telegram":
      recordTelegram(metrics, message.observation);
      return undefined;
    case "scrape":
      return await scrape(metrics);
  }
}

/** The metrics actor's state: only a count, since the registry lives outside the (passivatable) state. */
export interface MetricsActorState {
  readonly received: number;
}

/**
 * The metrics actor kind, bound to one node's {@linkcode Metrics}. Local, not
 * durable: the registry is process state, and passivation loses nothing
 * because the registry is held by the caller, not by the actor's state.
 *
 * @example
 * ```ts
 * import { createMetrics, metricsActor } from "./metrics.ts";
 * const metrics = createMetrics();
 * const behavior = metricsActor(metrics);
 * // system.register(behavior); system.ref("metrics", nodeId).tell({ type: "sandbox_run", status: "passed" });
 * ```
 */
export function metricsActor(
  metrics: Metrics,
): Behavior<MetricsActorState, MetricsMessage> {
  return defineActor<MetricsActorState, MetricsMessage>({
    kind: METRICS_KIND,
    durable: false,
    // Recording never throws on valid input; a bad label value is dropped, not retried.
    supervision: { strategy: "restart", maxAttempts: 1 },
    initialState: () => ({ received: 0 }),
    async receive(ctx, state, message) {
      const result = await record(metrics, message);
      if (result) ctx.reply(result);
      return { received: state.received + 1 };
    },
  });
}
