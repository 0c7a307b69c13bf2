/**
 * Cluster-wide figures: each node publishes its runtime figures to the
 * shared `cluster_nodes` table, and reads every node's back to build the
 * cluster view and the `troupe_cluster_*` gauges. The metrics actor does
 * this work (see actor.ts); this module holds the steps.
 *
 * @module
 */
import type { Clock } from "../../runtime/clock.ts";
import { realClock } from "../../runtime/clock.ts";
import {
  dropClusterNodesSeenBefore,
  listClusterNodes,
  publishClusterNode,
} from "../../storage/cluster_nodes.ts";
import type { Db } from "../../storage/schema.ts";
import { type ClusterView, clusterView, type Staleness } from "./figures.ts";
import { nodeFigures } from "./runtime_figures.ts";
import type { Metrics } from "./types.ts";

/** How often a node publishes its figures, by default (ms). */
export const DEFAULT_PUBLISH_MS = 5_000;
/** Periods a node may miss before it is shown as down, by default. */
export const DEFAULT_DOWN_AFTER_PERIODS = 3;
/** How long a silent node stays in the view (as down) before its row is deleted, by default (ms). */
export const DEFAULT_DROP_AFTER_MS = 10 * 60_000;

/** Options of the metrics actor's cluster work. */
export interface ClusterFiguresOptions {
  /** The database every node of the cluster shares. */
  readonly db: Db;
  /** This node's id. */
  readonly nodeId: string;
  /** When this node started (default: when the options were resolved). */
  readonly startedAt?: Date;
  /** Time for `last_seen` and staleness (default: the wall clock). */
  readonly clock?: Clock;
  /** How often the node publishes (default 5 s); staleness is counted in periods of it. */
  readonly periodMs?: number;
  /** Periods missed before a node is shown as down (default 3). */
  readonly downAfterPeriods?: number;
  /** Silence after which a node's row is deleted (default 10 minutes). */
  readonly dropAfterMs?: number;
  /** The kind whose first turn is a build's graph run (default `workflow`). */
  readonly buildKind?: string;
  /** Told when a publication fails (the database is away); the next tick tries again. Default: ignored. */
  readonly onPublishError?: (error: unknown) => void;
}

/** {@linkcode ClusterFiguresOptions} with every default filled in. */
export interface ClusterFigures extends Staleness {
  /** The shared database. */
  readonly db: Db;
  /** This node's id. */
  readonly nodeId: string;
  /** When this node started. */
  readonly startedAt: Date;
  /** The clock. */
  readonly clock: Clock;
  /** The publishing period (ms). */
  readonly periodMs: number;
  /** The kind whose first turn is a build's graph run. */
  readonly buildKind: string;
  /** Told when a publication fails. */
  readonly onPublishError: (error: unknown) => void;
}

/** Fills in the defaults of {@linkcode ClusterFiguresOptions}. */
export function clusterFigures(options: ClusterFiguresOptions): ClusterFigures {
  const clock = options.clock ?? realClock;
  const periodMs = options.periodMs ?? DEFAULT_PUBLISH_MS;
  const downAfterMs = periodMs *
    (options.downAfterPeriods ?? DEFAULT_DOWN_AFTER_PERIODS);
  return {
    db: options.db,
    nodeId: options.nodeId,
    startedAt: options.startedAt ?? new Date(clock.now()),
    clock,
    periodMs,
    buildKind: options.buildKind ?? "workflow",
    onPublishError: options.onPublishError ?? (() => {}),
    downAfterMs,
    dropAfterMs: Math.max(
      options.dropAfterMs ?? DEFAULT_DROP_AFTER_MS,
      downAfterMs,
    ),
  };
}

/** Writes this node's figures to the shared table and deletes the rows of nodes gone long ago. */
export async function publishNode(
  metrics: Metrics,
  cluster: ClusterFigures,
): Promise<void> {
  const now = cluster.clock.now();
  await publishClusterNode(cluster.db, {
    nodeId: cluster.nodeId,
    startedAt: cluster.startedAt,
    lastSeen: new Date(now),
    figures: nodeFigures(metrics.tracking, cluster.buildKind),
  });
  await dropClusterNodesSeenBefore(
    cluster.db,
    new Date(now - cluster.dropAfterMs),
  );
}

/**
 * Reads every node's figures and builds the cluster view (this node from
 * its live figures), then sets the `troupe_cluster_*` gauges from it.
 */
export async function readCluster(
  metrics: Metrics,
  cluster: ClusterFigures,
): Promise<ClusterView> {
  const rows = await listClusterNodes(cluster.db);
  const view = clusterView(
    rows,
    {
      nodeId: cluster.nodeId,
      startedAt: cluster.startedAt,
      figures: nodeFigures(metrics.tracking, cluster.buildKind),
    },
    cluster.clock.now(),
    cluster,
  );
  applyClusterView(metrics, view);
  return view;
}

/** Sets the `troupe_cluster_*` gauges from a view (kinds no longer seen are removed). */
export function applyClusterView(metrics: Metrics, view: ClusterView): void {
  const { totals } = view;
  metrics.clusterNodes.set({ state: "up" }, totals.nodesUp);
  metrics.clusterNodes.set({ state: "down" }, totals.nodesDown);
  metrics.clusterBuildsInProgress.set(totals.buildsInProgress);
  metrics.clusterActivations.reset();
  metrics.clusterMailboxDepth.reset();
  metrics.clusterDeadLetters.reset();
  for (const k of totals.kinds) {
    metrics.clusterActivations.set({ kind: k.kind }, k.activations);
    metrics.clusterMailboxDepth.set({ kind: k.kind }, k.mailboxDepth);
    metrics.clusterDeadLetters.set({ kind: k.kind }, k.deadLetters);
  }
}

/**
 * Tells the metrics actor to publish every `periodMs`, starting now; returns
 * a function that stops it. A tell that fails (the node is stopping) is
 * ignored: the next tick tries again.
 *
 * @example
 * ```ts ignore
 * const stop = publishEvery(() => system.ref("metrics", nodeId).tell({ type: "publish" }), 5_000);
 * // at shutdown:
 * stop();
 * ```
 */
export function publishEvery(
  tell: () => Promise<void>,
  periodMs: number,
): () => void {
  const tick = () => void tell().catch(() => {});
  tick();
  const timer = setInterval(tick, periodMs);
  return () => clearInterval(timer);
}
