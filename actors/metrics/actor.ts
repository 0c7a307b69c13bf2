/**
 * The metrics actor: a local (per-node) actor whose work is the cluster-wide
 * figures no single node's registry has. On each tick it publishes this
 * node's runtime figures to the shared table, drops nodes gone long ago and
 * refreshes the `troupe_cluster_*` gauges; asked, it answers the cluster
 * view. One mailbox per node serialises that work (a slow database never
 * stacks ticks up in parallel), and the answer is always from one reading.
 *
 * This node's own counters are not its messages: they are plain function
 * calls on the registry (observations.ts), cheap enough for hot paths.
 *
 * @module
 */
import { z } from "zod";
import { type Behavior, defineActor } from "../../runtime/actor.ts";
import {
  type ClusterFigures,
  clusterFigures,
  type ClusterFiguresOptions,
  publishNode,
  readCluster,
} from "./cluster.ts";
import { type ClusterView, clusterView } from "./figures.ts";
import { METRICS_KIND, scrape } from "./registry.ts";
import { nodeFigures } from "./runtime_figures.ts";
import type { Metrics } from "./types.ts";

/** What the metrics actor accepts. */
const MetricsMessageSchema = z.discriminatedUnion("type", [
  /** Publish this node's figures, drop long-silent nodes, refresh the cluster gauges; replies `{ published }` when asked. */
  z.object({ type: z.literal("publish") }),
  /** Replies with the {@linkcode ClusterView}. */
  z.object({ type: z.literal("cluster") }),
  /** Replies with the {@linkcode Scrape} of this node's registry. */
  z.object({ type: z.literal("scrape") }),
]);

/** A message of the metrics actor. */
export type MetricsMessage = z.infer<typeof MetricsMessageSchema>;

/** The metrics actor's state: how many ticks it published (the registry and table live outside it). */
export interface MetricsActorState {
  /** Messages handled by this activation. */
  readonly received: number;
}

/**
 * The metrics actor kind, bound to one node's {@linkcode Metrics}. Local, not
 * durable: the figures are process state, republished every period. Without
 * `cluster` options (tests, a node without a shared database) it publishes
 * nothing and the cluster view is this node alone.
 *
 * @example
 * ```ts
 * import { createMetrics, metricsActor } from "../metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * const behavior = metricsActor(metrics);
 * // system.register(behavior); await system.ref("metrics", nodeId).ask({ type: "cluster" });
 * ```
 */
export function metricsActor(
  metrics: Metrics,
  cluster?: ClusterFiguresOptions,
): Behavior<MetricsActorState, MetricsMessage> {
  const figures: ClusterFigures | undefined = cluster
    ? clusterFigures(cluster)
    : undefined;
  const startedAt = new Date();
  return defineActor<MetricsActorState, MetricsMessage>({
    kind: METRICS_KIND,
    durable: false,
    // A failed tick (database away) is not retried: the next tick publishes afresh.
    supervision: { strategy: "restart", maxAttempts: 1 },
    initialState: () => ({ received: 0 }),
    parse: (input) => MetricsMessageSchema.parse(input),
    async receive(ctx, state, message) {
      // A failed tick is reported, not retried or dead-lettered: the next tick publishes afresh.
      const publish = async (cluster: ClusterFigures) => {
        try {
          await publishNode(metrics, cluster);
          await readCluster(metrics, cluster);
          return true;
        } catch (error) {
          cluster.onPublishError(error);
          return false;
        }
      };
      switch (message.type) {
        case "publish":
          ctx.reply({ published: figures ? await publish(figures) : false });
          break;
        case "cluster":
          ctx.reply(
            figures
              ? await readCluster(metrics, figures)
              : alone(metrics, ctx.self.id, startedAt),
          );
          break;
        case "scrape":
          ctx.reply(await scrape(metrics));
          break;
      }
      return { received: state.received + 1 };
    },
  });
}

/** The view of a node that shares no table: itself. */
function alone(metrics: Metrics, nodeId: string, startedAt: Date): ClusterView {
  return clusterView(
    [],
    { nodeId, startedAt, figures: nodeFigures(metrics.tracking, "workflow") },
    Date.now(),
    { downAfterMs: Infinity, dropAfterMs: Infinity },
  );
}
