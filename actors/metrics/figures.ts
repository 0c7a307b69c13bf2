/**
 * The runtime figures a node publishes about itself and the cluster view
 * built from every node's figures: schemas and the types derived from them.
 *
 * @module
 */
import { z } from "zod";

/** One actor kind's figures on one node (or summed over the cluster). */
const KindFiguresSchema = z.object({
  /** The actor kind. */
  kind: z.string(),
  /** Actors of this kind active on the node. */
  activations: z.number().int().min(0),
  /** Messages waiting in those actors' mailboxes. */
  mailboxDepth: z.number().int().min(0),
  /** Messages of this kind dead-lettered on the node since it started. */
  deadLetters: z.number().int().min(0),
});

/** One actor kind's figures. */
export type KindFigures = z.infer<typeof KindFiguresSchema>;

/** What a node publishes about itself, from its runtime's own events. */
const NodeFiguresSchema = z.object({
  /** Every activation on the node. */
  activations: z.number().int().min(0),
  /** Agent-graph runs under way on the node (workflow turns not finished yet). */
  buildsInProgress: z.number().int().min(0),
  /** Figures by actor kind, sorted by kind. */
  kinds: z.array(KindFiguresSchema),
});

/** What a node publishes about itself. */
export type NodeFigures = z.infer<typeof NodeFiguresSchema>;

/** A node as the cluster view shows it. */
export interface ClusterNode extends NodeFigures {
  /** The node's id (`NODE_ID`). */
  readonly nodeId: string;
  /** Whether this is the node that answered. */
  readonly self: boolean;
  /** `up` while it publishes; `down` once it missed several periods. */
  readonly state: "up" | "down";
  /** When the node started (ISO 8601). */
  readonly startedAt: string;
  /** When the node last published its figures (ISO 8601). */
  readonly lastSeen: string;
}

/** The cluster's figures: sums over the nodes that are up. */
export interface ClusterTotals extends NodeFigures {
  /** Nodes publishing. */
  readonly nodesUp: number;
  /** Nodes that stopped publishing and are not dropped yet. */
  readonly nodesDown: number;
}

/** Every node the shared table knows, and the cluster's totals. */
export interface ClusterView {
  /** Nodes, up ones first, then by id. */
  readonly nodes: readonly ClusterNode[];
  /** Sums over the up nodes. */
  readonly totals: ClusterTotals;
}

/** A node's published row, as the shared store hands it back. */
export interface PublishedNode {
  /** The node's id. */
  readonly nodeId: string;
  /** When it started. */
  readonly startedAt: Date;
  /** When it last published. */
  readonly lastSeen: Date;
  /** Its figures, not validated yet (another version of Troupe may have written them). */
  readonly figures: unknown;
}

/** When nodes count as down and when they are dropped. */
export interface Staleness {
  /** A node not seen for this long is shown as down. */
  readonly downAfterMs: number;
  /** A node not seen for this long is removed from the table. */
  readonly dropAfterMs: number;
}

const EMPTY: NodeFigures = { activations: 0, buildsInProgress: 0, kinds: [] };

/**
 * Builds the cluster view from the published rows at time `now`. `self`'s
 * row is replaced by its live figures (fresher than its last publication);
 * rows whose figures do not parse count as empty.
 *
 * @example
 * ```ts
 * import { clusterView } from "./figures.ts";
 * const view = clusterView([], { nodeId: "a", startedAt: new Date(0), figures: { activations: 0, buildsInProgress: 0, kinds: [] } }, Date.now(), { downAfterMs: 15_000, dropAfterMs: 300_000 });
 * console.assert(view.totals.nodesUp === 1);
 * ```
 */
export function clusterView(
  rows: readonly PublishedNode[],
  self: { nodeId: string; startedAt: Date; figures: NodeFigures },
  now: number,
  staleness: Staleness,
): ClusterView {
  const nodes: ClusterNode[] = rows
    .filter((row) => row.nodeId !== self.nodeId)
    .map((row) => {
      const parsed = NodeFiguresSchema.safeParse(row.figures);
      return {
        nodeId: row.nodeId,
        self: false,
        state: now - row.lastSeen.getTime() > staleness.downAfterMs
          ? "down" as const
          : "up" as const,
        startedAt: row.startedAt.toISOString(),
        lastSeen: row.lastSeen.toISOString(),
        ...(parsed.success ? parsed.data : EMPTY),
      };
    });
  nodes.push({
    nodeId: self.nodeId,
    self: true,
    state: "up",
    startedAt: self.startedAt.toISOString(),
    lastSeen: new Date(now).toISOString(),
    ...self.figures,
  });
  nodes.sort((a, b) =>
    a.state === b.state
      ? a.nodeId.localeCompare(b.nodeId)
      : a.state === "up"
      ? -1
      : 1
  );
  const up = nodes.filter((node) => node.state === "up");
  const kinds = new Map<string, KindFigures>();
  for (const node of up) {
    for (const k of node.kinds) {
      const sum = kinds.get(k.kind) ??
        { kind: k.kind, activations: 0, mailboxDepth: 0, deadLetters: 0 };
      sum.activations += k.activations;
      sum.mailboxDepth += k.mailboxDepth;
      sum.deadLetters += k.deadLetters;
      kinds.set(k.kind, sum);
    }
  }
  return {
    nodes,
    totals: {
      nodesUp: up.length,
      nodesDown: nodes.length - up.length,
      activations: up.reduce((n, node) => n + node.activations, 0),
      buildsInProgress: up.reduce((n, node) => n + node.buildsInProgress, 0),
      kinds: [...kinds.values()].sort((a, b) => a.kind.localeCompare(b.kind)),
    },
  };
}
