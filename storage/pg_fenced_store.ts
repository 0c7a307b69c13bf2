/**
 * The {@link StateStore} to pair with the PostgreSQL transport: the same
 * `actor_state` rows as {@link PostgresStateStore}, but a save commits only
 * while the saving activation's lease is the actor's current one.
 *
 * @module
 */
import { sql } from "kysely";
import type { DeadLetter, StateStore, StoredState } from "../runtime/store.ts";
import type { Outgoing } from "../runtime/transport.ts";
import { VersionConflictError } from "../runtime/errors.ts";
import type { Db } from "./schema.ts";
import { json, run } from "./_sql.ts";
import { PostgresStateStore } from "./state_store.ts";
import type { PgTransport } from "./pg_transport.ts";

/** Options of {@linkcode FencedStateStore}. */
export interface FencedStateStoreOptions {
  /**
   * The transport whose mailboxes a turn's tells go to. With it the store is
   * a transactional outbox ({@linkcode FencedStateStore.saveAndPost}); it
   * must be on the same database.
   */
  readonly transport?: PgTransport;
}

/**
 * Actor state fenced by the PostgreSQL transport's leases.
 *
 * `save` locks the actor's `actor_mailboxes` row (FOR SHARE) and writes only
 * if its fence is still the one in the snapshot: a holder whose lease expired
 * and was taken over (a higher fence) is refused with
 * {@link VersionConflictError} even before the new holder saved anything, so
 * two activations never both commit turns. Taking a lease waits for a save in
 * flight to commit, so the new holder loads what it wrote.
 *
 * Given the transport, it is also a transactional outbox: `saveAndPost`
 * writes the state, the processed sequence number and the turn's outgoing
 * messages (mailbox rows and their doorbells) in one transaction.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./db.ts";
 * import { migrateToLatest } from "./migrate.ts";
 * import { PgTransport } from "./pg_transport.ts";
 * import { FencedStateStore } from "./pg_fenced_store.ts";
 * await using database = await openDatabase();
 * await migrateToLatest(database.db);
 * const transport = new PgTransport({ database, nodeId: "n1" });
 * const store = new FencedStateStore(database.db);
 * const lease = await transport.acquire({ kind: "counter", id: "a" }, 30_000);
 * await store.save("counter", "a", { state: 1, lastSeq: 0, fence: lease!.fence }, 0);
 * await transport.close();
 * ```
 */
export class FencedStateStore implements StateStore {
  readonly #db: Db;
  readonly #plain: PostgresStateStore;
  /** Present when the store was given its transport (see the class notes). */
  readonly saveAndPost?: NonNullable<StateStore["saveAndPost"]>;

  constructor(db: Db, options: FencedStateStoreOptions = {}) {
    this.#db = db;
    this.#plain = new PostgresStateStore(db);
    const { transport } = options;
    if (transport) {
      this.saveAndPost = (kind, id, snapshot, expectedVersion, outgoing) =>
        this.#saveAndPost(
          transport,
          kind,
          id,
          snapshot,
          expectedVersion,
          outgoing,
        );
    }
  }

  load(kind: string, id: string): Promise<StoredState | undefined> {
    return this.#plain.load(kind, id);
  }

  save(
    kind: string,
    id: string,
    snapshot: { state: unknown; lastSeq: number; fence: number },
    expectedVersion: number,
  ): Promise<number> {
    return this.#save(this.#db, kind, id, snapshot, expectedVersion);
  }

  async #saveAndPost(
    transport: PgTransport,
    kind: string,
    id: string,
    snapshot: { state: unknown; lastSeq: number; fence: number },
    expectedVersion: number,
    outgoing: readonly Outgoing[],
  ): Promise<number> {
    if (outgoing.length === 0) {
      return await this.save(kind, id, snapshot, expectedVersion);
    }
    const { version, routing } = await run(() =>
      this.#db.transaction().execute(async (trx) => {
        // Every mailbox row this commit touches (its own, for the fence, and
        // its targets', for their seq counters) is locked in one key order,
        // as posts lock theirs: two actors telling each other never deadlock.
        const keys = new Map<string, [string, string]>();
        for (const a of [{ kind, id }, ...outgoing.map((o) => o.target)]) {
          keys.set(JSON.stringify([a.kind, a.id]), [a.kind, a.id]);
        }
        const sorted = [...keys.entries()].sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0
        ).map(([, k]) => k);
        const kinds = sorted.map((k) => k[0]);
        const ids = sorted.map((k) => k[1]);
        await sql`
          INSERT INTO actor_mailboxes (kind, id)
          SELECT * FROM unnest(${kinds}::text[], ${ids}::text[])
          ON CONFLICT (kind, id) DO NOTHING`.execute(trx);
        await sql`
          SELECT 1 FROM actor_mailboxes
          WHERE (kind, id) IN (
            SELECT * FROM unnest(${kinds}::text[], ${ids}::text[]))
          ORDER BY kind, id FOR UPDATE`.execute(trx);
        const version = await this.#save(
          trx,
          kind,
          id,
          snapshot,
          expectedVersion,
        );
        const routing = await transport.insertMessages(trx, outgoing);
        return { version, routing };
      })
    );
    transport.wakeLocal(routing);
    return version;
  }

  async #save(
    db: Db,
    kind: string,
    id: string,
    snapshot: { state: unknown; lastSeq: number; fence: number },
    expectedVersion: number,
  ): Promise<number> {
    const state = json(snapshot.state);
    const { fence, lastSeq } = snapshot;
    let rows: { version: number }[] = [];
    if (expectedVersion === 0) {
      ({ rows } = await run(() =>
        sql<{ version: number }>`
          WITH lease AS (
            SELECT 1 FROM actor_mailboxes
            WHERE kind = ${kind} AND id = ${id} AND fence = ${fence} FOR SHARE)
          INSERT INTO actor_state (kind, id, state, version, last_seq, fence, updated_at)
          SELECT ${kind}, ${id}, ${state}::jsonb, 1, ${lastSeq}, ${fence}, now()
          WHERE EXISTS (SELECT 1 FROM lease)
          ON CONFLICT (kind, id) DO NOTHING
          RETURNING version`.execute(db)
      ));
    } else if (Number.isInteger(expectedVersion) && expectedVersion > 0) {
      ({ rows } = await run(() =>
        sql<{ version: number }>`
          WITH lease AS (
            SELECT 1 FROM actor_mailboxes
            WHERE kind = ${kind} AND id = ${id} AND fence = ${fence} FOR SHARE)
          UPDATE actor_state SET state = ${state}::jsonb, version = version + 1,
            last_seq = ${lastSeq}, fence = ${fence}, updated_at = now()
          WHERE kind = ${kind} AND id = ${id} AND version = ${expectedVersion}
            AND EXISTS (SELECT 1 FROM lease)
          RETURNING version`.execute(db)
      ));
    }
    const row = rows[0];
    if (row === undefined) {
      throw new VersionConflictError(kind, id, expectedVersion);
    }
    return row.version;
  }

  deadLetter(letter: DeadLetter): Promise<void> {
    return this.#plain.deadLetter(letter);
  }

  deadLetters(
    filter?: { kind?: string; limit?: number },
  ): Promise<DeadLetter[]> {
    return this.#plain.deadLetters(filter);
  }
}
