/**
 * This node's prom-client registry: every Troupe metric, created in one
 * place, with its label values started at 0.
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
import { TERMINAL_BUILD_STATUSES } from "../../storage/schema.ts";
import type { TestStatus } from "../workflow/tools/mod.ts";
import { LLM_OPERATIONS, LLM_OUTCOMES } from "./observations.ts";
import {
  TELEGRAM_LIMITED_METHODS,
  TELEGRAM_SEND_METHODS,
  TELEGRAM_UPDATE_TYPES,
} from "./telegram.ts";
import type { Metrics, ScrapeSources } from "./types.ts";

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
 * import { createMetrics, recordBuildFinished } from "../metrics.ts";
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
    clusterNodes: new Gauge({
      name: "troupe_cluster_nodes",
      help:
        "Nodes of the cluster by state (up: publishing its figures; down: stopped publishing, not dropped yet), from the shared table.",
      labelNames: ["state"],
      registers,
    }),
    clusterActivations: new Gauge({
      name: "troupe_cluster_activations",
      help: "Actors active on the cluster's up nodes, by kind.",
      labelNames: ["kind"],
      registers,
    }),
    clusterMailboxDepth: new Gauge({
      name: "troupe_cluster_mailbox_depth",
      help:
        "Messages waiting in the mailboxes of the cluster's up nodes, by kind.",
      labelNames: ["kind"],
      registers,
    }),
    clusterDeadLetters: new Gauge({
      name: "troupe_cluster_dead_letters",
      help:
        "Messages dead-lettered on the cluster's up nodes since each started, by kind.",
      labelNames: ["kind"],
      registers,
    }),
    clusterBuildsInProgress: new Gauge({
      name: "troupe_cluster_builds_in_progress",
      help: "Agent-graph runs under way on the cluster's up nodes.",
      registers,
    }),
    tracking: {
      depths: new Map(),
      active: new Map(),
      firstTurns: new Map(),
      deadLetters: new Map(),
    },
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
  metrics.clusterNodes.set({ state: "up" }, 0);
  metrics.clusterNodes.set({ state: "down" }, 0);
  metrics.clusterBuildsInProgress.set(0);
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
 * import { createMetrics, declareActorKinds } from "../metrics.ts";
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
 * import { createMetrics, watchDependencies } from "../metrics.ts";
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
/** The text exposition of the registry, as the scrape message's reply. */
export interface Scrape {
  /** The exposition format's content type. */
  contentType: string;
  /** The exposition. */
  text: string;
}

/** Renders the registry in the Prometheus text format. */
export async function scrape(metrics: Metrics): Promise<Scrape> {
  return {
    contentType: metrics.registry.contentType,
    text: await metrics.registry.metrics(),
  };
}
