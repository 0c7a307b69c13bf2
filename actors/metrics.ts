/**
 * Metrics, the front door. Two concepts live behind it:
 *
 * - **This node's registry** (registry.ts, runtime_figures.ts,
 *   observations.ts, telegram.ts): prom-client metrics that the runtime's
 *   `onEvent` hook, the HTTP middleware, the build actor, the model client,
 *   the vector store and the bot update by plain function calls
 *   (`recordRuntimeEvent`, `recordHttpRequest`, `record`, ...). `GET /metrics`
 *   renders it.
 * - **The metrics actor** (actor.ts, cluster.ts, figures.ts): one local actor
 *   per node whose work needs an actor: it publishes this node's runtime
 *   figures to the shared `cluster_nodes` table every few seconds and reads
 *   every node's back, for the cluster view (`GET /v1/admin/cluster`) and the
 *   `troupe_cluster_*` gauges.
 *
 * Labels are low-cardinality on purpose: actor kinds, routes as patterns,
 * statuses, model names. Never user, build or actor ids.
 *
 * @module
 */
export * from "./metrics/types.ts";
export * from "./metrics/registry.ts";
export * from "./metrics/observations.ts";
export * from "./metrics/runtime_figures.ts";
export * from "./metrics/telegram.ts";
export * from "./metrics/figures.ts";
export * from "./metrics/cluster.ts";
export * from "./metrics/actor.ts";
