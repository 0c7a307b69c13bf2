/**
 * Write probes for `/readyz`: one small write to each store the node cannot
 * work without, so a store that still answers reads but refuses writes (a
 * full disk, a read-only file system) makes the node not ready. Failures come
 * back as {@link StorageWriteError}s naming the store and the cause.
 *
 * @module
 */
import type { Kysely } from "kysely";
import { sql } from "kysely";
import { storageWriteErrorOf, toStorageError } from "./errors.ts";
import type { Schema } from "./schema.ts";

/** The `actor_state` kind of the probe rows (no actor behaviour has this kind). */
export const PROBE_KIND = "troupe.readiness";

/**
 * Upserts this node's probe row in `actor_state` (a one-row write that needs
 * the WAL and the table's pages), inside a transaction like any real write.
 *
 * @example
 * ```ts ignore
 * import { probeDatabaseWrite } from "./write_probes.ts";
 * await probeDatabaseWrite(db, "node-1");
 * ```
 */
export async function probeDatabaseWrite(
  db: Kysely<Schema>,
  nodeId: string,
): Promise<void> {
  try {
    await sql`
      INSERT INTO actor_state (kind, id, state, version, last_seq, fence, updated_at)
      VALUES (${PROBE_KIND}, ${nodeId}, ${
      JSON.stringify({ at: new Date().toISOString() })
    }::jsonb, 1, 0, 0, now())
      ON CONFLICT (kind, id) DO UPDATE
      SET state = excluded.state, version = actor_state.version + 1,
          updated_at = now()`.execute(db);
  } catch (error) {
    throw storageWriteErrorOf(error) ?? toStorageError(error);
  }
}

/**
 * Writes (and lets expire) this node's probe key in Deno KV.
 *
 * @example
 * ```ts
 * import { probeKvWrite } from "./write_probes.ts";
 * const kv = await Deno.openKv(":memory:");
 * await probeKvWrite(kv, "node-1");
 * kv.close();
 * ```
 */
export async function probeKvWrite(
  kv: Pick<Deno.Kv, "set">,
  nodeId: string,
): Promise<void> {
  try {
    await kv.set(["troupe", "readiness", nodeId], Date.now(), {
      expireIn: 60_000,
    });
  } catch (error) {
    throw storageWriteErrorOf(error) ?? error;
  }
}
