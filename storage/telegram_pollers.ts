/**
 * The Telegram poller's lease and offset in PostgreSQL (table
 * `telegram_pollers`, migration 0006): the store bot/polling.ts uses when the
 * nodes share PostgreSQL (the postgres actor transport), so that a cluster
 * needs no shared Deno KV. Each call is one statement: taking the lease is an
 * upsert that succeeds only when the lease is free, expired or this node's
 * (bumping the fence unless it renews this node's fence), and an offset is
 * written only under the holder's node id and fence, so a stale holder's
 * write changes nothing.
 *
 * Expiry is measured on the poller's clock (ms), so the nodes' wall clocks
 * should agree to well within the lease lifetime, as for the actor leases of
 * storage/pg_transport.ts.
 *
 * @module
 */
import { sql } from "kysely";
import type {
  PollerAcquire,
  PollerAcquisition,
  PollerStore,
} from "../bot/poller_store.ts";
import type { Db } from "./schema.ts";
import { toStorageError } from "./errors.ts";

/**
 * Leases and offsets in PostgreSQL.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./db.ts";
 * import { migrateToLatest } from "./migrate.ts";
 * import { PgPollerStore } from "./telegram_pollers.ts";
 * await using database = await openDatabase();
 * await migrateToLatest(database.db);
 * const store = new PgPollerStore(database.db);
 * const lease = await store.acquire({ botId: 1, nodeId: "a", heldFence: undefined, now: 0, ttlMs: 1000 });
 * console.assert(lease.type === "leader" && lease.fence === 1);
 * ```
 */
export class PgPollerStore implements PollerStore {
  readonly #db: Db;

  /** `db`: an opened database (only storage/ opens connections), migrated to the latest schema. */
  constructor(db: Db) {
    this.#db = db;
  }

  /** {@inheritDoc PollerStore.acquire} */
  async acquire(request: PollerAcquire): Promise<PollerAcquisition> {
    const { botId, nodeId, heldFence, now, ttlMs } = request;
    try {
      const taken = await sql<
        {
          fence: number | string;
          update_offset: number | string | null;
          renewed: boolean;
        }
      >`
        INSERT INTO telegram_pollers AS p (bot_id, fence, owner, expires_at, updated_at)
        VALUES (${botId}, 1, ${nodeId}, ${now + ttlMs}, now())
        ON CONFLICT (bot_id) DO UPDATE SET
          fence = CASE WHEN p.owner = ${nodeId} AND p.fence = ${
        heldFence ?? null
      }::bigint
            THEN p.fence ELSE p.fence + 1 END,
          owner = EXCLUDED.owner,
          expires_at = EXCLUDED.expires_at,
          updated_at = now()
        WHERE p.owner IS NULL OR p.expires_at <= ${now} OR p.owner = ${nodeId}
        RETURNING fence, update_offset,
          (xmax <> 0 AND fence = ${
        heldFence ?? null
      }::bigint) IS TRUE AS renewed`
        .execute(this.#db);
      const row = taken.rows[0];
      if (row) {
        return {
          type: "leader",
          fence: Number(row.fence),
          renewed: heldFence !== undefined && row.renewed,
          offset: row.update_offset === null
            ? undefined
            : Number(row.update_offset),
        };
      }
      const holder = await this.#db.selectFrom("telegram_pollers")
        .select(["owner", "expires_at"]).where("bot_id", "=", botId)
        .executeTakeFirst();
      if (
        !holder || holder.owner === null || holder.expires_at === null ||
        Number(holder.expires_at) <= now
      ) {
        return { type: "contended" };
      }
      return {
        type: "follower",
        holder: holder.owner,
        expiresAt: Number(holder.expires_at),
      };
    } catch (error) {
      throw toStorageError(error);
    }
  }

  /** {@inheritDoc PollerStore.commitOffset} */
  async commitOffset(
    botId: number,
    nodeId: string,
    fence: number,
    offset: number,
  ): Promise<boolean> {
    try {
      const result = await this.#db.updateTable("telegram_pollers")
        .set({ update_offset: offset, updated_at: sql`now()` })
        .where("bot_id", "=", botId).where("owner", "=", nodeId)
        .where("fence", "=", fence)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    } catch (error) {
      throw toStorageError(error);
    }
  }

  /** {@inheritDoc PollerStore.release} */
  async release(botId: number, nodeId: string, fence: number): Promise<void> {
    try {
      await this.#db.updateTable("telegram_pollers")
        .set({ owner: null, expires_at: null, updated_at: sql`now()` })
        .where("bot_id", "=", botId).where("owner", "=", nodeId)
        .where("fence", "=", fence)
        .execute();
    } catch (error) {
      throw toStorageError(error);
    }
  }
}
