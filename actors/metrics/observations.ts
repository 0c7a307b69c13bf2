/**
 * Observations other parts of the node report (HTTP requests, builds,
 * queries, vector operations, graph steps, model calls, sandbox runs), and
 * the plain functions that count them. Hot paths call these directly: they
 * are synchronous counter updates that need no mailbox.
 *
 * @module
 */
import type { RuntimeEvent } from "../../runtime/events.ts";
import { recordRuntimeEvent } from "./runtime_figures.ts";
import { recordTelegram, type TelegramObservation } from "./telegram.ts";
import type { Metrics } from "./types.ts";

/** Model call outcomes, as `troupe_llm_requests_total{outcome}` labels them. */
export const LLM_OUTCOMES = ["ok", "error", "timeout"] as const;
/** Model call operations that are counted (health checks are not work). */
export const LLM_OPERATIONS = ["chat", "embed"] as const;

/** An answered HTTP request. `route` is the matched pattern (`/v1/builds/:id`), never the raw path. */
export interface HttpObservation {
  /** The HTTP method. */
  method: string;
  /** The matched route pattern. */
  route: string;
  /** The response status. */
  status: number;
  /** How long it took, in seconds. */
  durationSeconds: number;
}

/** A build that reached a final status. */
export interface BuildObservation {
  /** The final status. */
  status: string;
  /** How long it took, in seconds. */
  durationSeconds: number;
}

/** A model call. Token counts are optional: streamed calls may not report them. */
export interface LlmObservation {
  /** The model name. */
  model: string;
  /** `chat`, `embed` or `health`. */
  operation: string;
  /** How long it took, in seconds. */
  durationSeconds: number;
  /** Tokens in the prompt, when reported. */
  promptTokens?: number;
  /** Tokens generated, when reported. */
  completionTokens?: number;
  /** `ok` (the default), or the error's class name (`ModelTimeoutError`, ...). */
  outcome?: string;
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
  /** A low-cardinality query name. */
  operation: string;
  /** How long it took, in seconds. */
  durationSeconds: number;
}

/** One vector store operation (the shape storage/vector.ts `observe` reports). */
export interface VectorObservation {
  /** The vector store operation. */
  operation: string;
  /** The Chroma collection. */
  collection: string;
  /** How long it took, in seconds. */
  durationSeconds: number;
}

/** One step of the agent graph. */
export interface WorkflowStepObservation {
  /** The graph step (the build status it ran under). */
  step: string;
  /** How long it took, in seconds. */
  durationSeconds: number;
}

/**
 * Whether this node's API key checks are being cached, as its key change
 * feed comes and goes.
 *
 * @example
 * ```ts
 * import { createMetrics, recordApiKeyCache } from "../metrics.ts";
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
 * import { createMetrics, recordVectorOperation } from "../metrics.ts";
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
 * import { createMetrics, recordLlmRequest } from "../metrics.ts";
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

/**
 * Every observation as one discriminated union, for callers that pass them
 * around as values (the build actor's `metrics` dependency).
 */
export type MetricsObservation =
  | { type: "runtime"; event: RuntimeEvent }
  | ({ type: "http" } & HttpObservation)
  | ({ type: "build_finished" } & BuildObservation)
  | ({ type: "db_query" } & DbObservation)
  | ({ type: "vector_operation" } & VectorObservation)
  | ({ type: "workflow_step" } & WorkflowStepObservation)
  | ({ type: "llm_request" } & LlmObservation)
  | { type: "sandbox_run"; status: string }
  | { type: "telegram"; observation: TelegramObservation };

/**
 * Counts one observation: a synchronous update of this node's registry (no
 * mailbox hop; the metrics actor is for cluster-wide figures).
 *
 * @example
 * ```ts
 * import { createMetrics, record } from "../metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * record(metrics, { type: "sandbox_run", status: "passed" });
 * ```
 */
export function record(
  metrics: Metrics,
  observation: MetricsObservation,
): void {
  switch (observation.type) {
    case "runtime":
      return recordRuntimeEvent(metrics, observation.event);
    case "http":
      return recordHttpRequest(metrics, observation);
    case "build_finished":
      return recordBuildFinished(metrics, observation);
    case "db_query":
      return recordDbQuery(metrics, observation);
    case "vector_operation":
      return recordVectorOperation(metrics, observation);
    case "workflow_step":
      return recordWorkflowStep(metrics, observation);
    case "llm_request":
      return recordLlmRequest(metrics, observation);
    case "sandbox_run":
      return recordSandboxRun(metrics, observation.status);
    case "telegram":
      return recordTelegram(metrics, observation.observation);
  }
}
