/**
 * `cluster_nodes`: each node's runtime figures (activations, mailbox depth
 * and dead letters by actor kind, builds in progress), published every few
 * seconds by its metrics actor. All nodes of a cluster share the database in
 * both transports, so this one table is the cluster view's source. Rows of
 * nodes that stopped publishing are shown as down, then deleted.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

const upSql: string[] = [
  `CREATE TABLE cluster_nodes (
    node_id text PRIMARY KEY,
    started_at timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    figures jsonb NOT NULL
  )`,
];

/** Creates the table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of upSql) await sql.raw(statement).execute(db);
}

/** Drops it. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw("DROP TABLE IF EXISTS cluster_nodes").execute(db);
}
