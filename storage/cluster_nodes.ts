/**
 * cluster_nodes: the runtime figures each node publishes about itself, read
 * back by every node's metrics actor to build the cluster view.
 *
 * @module
 */
import type { Db } from "./schema.ts";
import { json, run } from "./_sql.ts";

/** One node's published figures. */
export interface ClusterNodeRecord {
  /** The node's id. */
  readonly nodeId: string;
  /** When the node started. */
  readonly startedAt: Date;
  /** When it published these figures. */
  readonly lastSeen: Date;
  /** Its figures (jsonb; validated by the reader). */
  readonly figures: unknown;
}

/**
 * Writes (or replaces) a node's figures.
 *
 * @example
 * ```ts ignore
 * import { publishClusterNode } from "./cluster_nodes.ts";
 * await publishClusterNode(db, { nodeId: "a1", startedAt, lastSeen: new Date(), figures });
 * ```
 */
export async function publishClusterNode(
  db: Db,
  record: ClusterNodeRecord,
): Promise<void> {
  await run(() =>
    db.insertInto("cluster_nodes").values({
      node_id: record.nodeId,
      started_at: record.startedAt,
      last_seen: record.lastSeen,
      figures: json(record.figures),
    }).onConflict((oc) =>
      oc.column("node_id").doUpdateSet((eb) => ({
        started_at: eb.ref("excluded.started_at"),
        last_seen: eb.ref("excluded.last_seen"),
        figures: eb.ref("excluded.figures"),
      }))
    ).execute()
  );
}

/** Every published node, by id. */
export async function listClusterNodes(
  db: Db,
): Promise<ClusterNodeRecord[]> {
  const rows = await run(() =>
    db.selectFrom("cluster_nodes").selectAll().orderBy("node_id").execute()
  );
  return rows.map((row) => ({
    nodeId: row.node_id,
    startedAt: row.started_at,
    lastSeen: row.last_seen,
    figures: row.figures,
  }));
}

/** Deletes the nodes last seen before `before`; returns how many. */
export async function dropClusterNodesSeenBefore(
  db: Db,
  before: Date,
): Promise<number> {
  const result = await run(() =>
    db.deleteFrom("cluster_nodes").where("last_seen", "<", before)
      .executeTakeFirst()
  );
  return Number(result.numDeletedRows);
}
