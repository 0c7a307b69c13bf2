/**
 * The shapes of one node's metrics: the registry's metrics, the bookkeeping
 * behind the per-kind gauges and the scrape-time sources.
 *
 * @module
 */
import type { Counter, Gauge, Histogram, Registry } from "prom-client";

/** This node's metrics: the registry and every metric in it. */
export interface Metrics {
  /** The prom-client registry `GET /metrics` renders. */
  readonly registry: Registry;
  /** `troupe_http_requests_total`. */
  readonly httpRequests: Counter<"method" | "route" | "status">;
  /** `troupe_http_request_duration_seconds`. */
  readonly httpRequestDuration: Histogram<"method" | "route" | "status">;
  /** `troupe_builds_total`. */
  readonly builds: Counter<"status">;
  /** `troupe_build_duration_seconds`. */
  readonly buildDuration: Histogram<"status">;
  /** `troupe_actor_messages_total`. */
  readonly actorMessages: Counter<"kind">;
  /** `troupe_actor_failures_total`. */
  readonly actorFailures: Counter<"kind">;
  /** `troupe_actor_restarts_total`. */
  readonly actorRestarts: Counter<"kind">;
  /** `troupe_actor_stops_total`. */
  readonly actorStops: Counter<"kind">;
  /** `troupe_actor_dead_letters_total`. */
  readonly actorDeadLetters: Counter<"kind">;
  /** `troupe_actor_mailbox_depth`. */
  readonly actorMailboxDepth: Gauge<"kind">;
  /** `troupe_actor_activations`. */
  readonly actorActivations: Gauge<"kind">;
  /** `troupe_actor_message_duration_seconds`. */
  readonly actorMessageDuration: Histogram<"kind">;
  /** `troupe_db_queries_total`. */
  readonly dbQueries: Counter<"operation">;
  /** `troupe_db_query_duration_seconds`. */
  readonly dbQueryDuration: Histogram<"operation">;
  /** `troupe_vector_operation_duration_seconds`. */
  readonly vectorOperationDuration: Histogram<"operation" | "collection">;
  /** `troupe_workflow_step_duration_seconds`. */
  readonly workflowStepDuration: Histogram<"step">;
  /** `troupe_llm_tokens_total`. */
  readonly llmTokens: Counter<"model" | "direction">;
  /** `troupe_llm_request_duration_seconds`. */
  readonly llmRequestDuration: Histogram<"model" | "operation">;
  /** `troupe_sandbox_runs_total`. */
  readonly sandboxRuns: Counter<"status">;
  /** `troupe_llm_requests_total`. */
  readonly llmRequests: Counter<"model" | "operation" | "outcome">;
  /** `troupe_api_key_cache_active`. */
  readonly apiKeyCacheActive: Gauge;
  /** `troupe_dependency_up`. */
  readonly dependencyUp: Gauge<"dependency">;
  /** `troupe_telegram_updates_total`. */
  readonly telegramUpdates: Counter<"type">;
  /** `troupe_telegram_sends_total`. */
  readonly telegramSends: Counter<"method">;
  /** `troupe_telegram_send_failures_total`. */
  readonly telegramSendFailures: Counter<"method">;
  /** `troupe_telegram_rate_limited_total`. */
  readonly telegramRateLimited: Counter<"method">;
  /** `troupe_telegram_outbox_depth`. */
  readonly telegramOutboxDepth: Gauge;
  /** `troupe_cluster_nodes{state}`: nodes up and down, from the shared table. */
  readonly clusterNodes: Gauge<"state">;
  /** `troupe_cluster_activations{kind}`: activations on the nodes that are up. */
  readonly clusterActivations: Gauge<"kind">;
  /** `troupe_cluster_mailbox_depth{kind}`: mailbox depth on the nodes that are up. */
  readonly clusterMailboxDepth: Gauge<"kind">;
  /** `troupe_cluster_dead_letters{kind}`: dead-lettered since start on the nodes that are up. */
  readonly clusterDeadLetters: Gauge<"kind">;
  /** `troupe_cluster_builds_in_progress`: agent-graph runs under way on the nodes that are up. */
  readonly clusterBuildsInProgress: Gauge;
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
  /** Per kind: the total depth and the depth of each busy mailbox. */
  readonly depths: Map<string, { total: number; byId: Map<string, number> }>;
  /** Per kind: the ids active on this node. */
  readonly active: Map<string, Set<string>>;
  /** Per kind: activations whose first turn has not finished (for a workflow, a graph run under way). */
  readonly firstTurns: Map<string, Set<string>>;
  /** Per kind: messages dead-lettered on this node since it started. */
  readonly deadLetters: Map<string, number>;
}
