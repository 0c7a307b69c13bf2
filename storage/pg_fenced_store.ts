/**
 * The {@link StateStore} to pair with the PostgreSQL transport: the same
 * `actor_state` rows as {@link PostgresStateStore}, but a save commits only
 * while the saving activation's lease is the actor's current one.
 *
 * @module
 */
import { sql } from "kysely";
import type { DeadLetter, StateStore, StoredState } from "../runtime/store.ts";
import { VersionConflictError } from "../runtime/errors.ts";
import type { Db } from "./schema.ts";
import { json, run } from "./_sql.ts";
import { PostgresStateStore } from "./state_store.ts";

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

  constructor(db: Db) {
    this.#db = db;
    this.#plain = new PostgresStateStore(db);
  }

  load(kind: string, id: string): Promise<StoredState | undefined> {
    return this.#plain.load(kind, id);
  }

  async save(
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
          RETURNING version`.execute(this.#db)
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
          RETURNING version`.execute(this.#db)
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
