/**
 * Retention of the workflow's LangGraph checkpoints. The checkpoint tables
 * belong to `PostgresSaver` (created by its `setup()`); their thread id is
 * the build id, so a finished build's checkpoints can go once it is old.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./schema.ts";
import { run } from "./_sql.ts";

const CHECKPOINT_TABLES = [
  "checkpoint_writes",
  "checkpoint_blobs",
  "checkpoints",
] as const;

/**
 * Deletes the checkpoints of builds that finished before `before`. Returns
 * the number of rows removed; 0 when the checkpoint tables do not exist yet.
 *
 * @example
 * ```ts ignore
 * const removed = await pruneCheckpoints(db, new Date(Date.now() - 30 * 86_400_000));
 * ```
 */
export async function pruneCheckpoints(db: Db, before: Date): Promise<number> {
  const present = await run(() =>
    sql<
      { name: string }
    >`select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_name in (${
      sql.join([...CHECKPOINT_TABLES])
    })`
      .execute(db)
  );
  const names = new Set(present.rows.map((r) => r.name));
  let removed = 0;
  for (const table of CHECKPOINT_TABLES) {
    if (!names.has(table)) continue;
    const result = await run(() =>
      sql`delete from ${sql.table(table)} where thread_id in (
        select id::text from builds
        where status in ('succeeded', 'failed', 'cancelled') and finished_at < ${before})`
        .execute(db)
    );
    removed += Number(result.numAffectedRows ?? 0n);
  }
  return removed;
}
