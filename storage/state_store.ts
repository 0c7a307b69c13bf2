/**
 * The runtime's {@link StateStore} on PostgreSQL: one row per actor in
 * `actor_state`, written with an optimistic version check, and dead letters in
 * `dead_letters`.
 *
 * @module
 */
import type { DeadLetter, StateStore, StoredState } from "../runtime/store.ts";
import { VersionConflictError } from "../runtime/errors.ts";
import type { Db } from "./schema.ts";
import { json, run } from "./_sql.ts";
import { insertDeadLetter, listDeadLetters } from "./dead_letters.ts";

/** Options of {@link PostgresStateStore}. */
export interface PostgresStateStoreOptions {
  /** Clock for `updated_at`; default `() => new Date()`. */
  readonly now?: () => Date;
}

/**
 * Durable actor state in PostgreSQL.
 *
 * `save` is a single statement: the state, `last_seq`, the fencing token and
 * the new version are written together only if the stored version is still
 * the expected one (an `INSERT ... ON CONFLICT DO NOTHING` for version 0), so
 * of any number of concurrent writers holding the same version exactly one
 * wins and the rest get {@link VersionConflictError}. The fence is recorded
 * for diagnosis; the version check alone decides.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./db.ts";
 * import { migrateToLatest } from "./migrate.ts";
 * import { PostgresStateStore } from "./state_store.ts";
 * await using database = await openDatabase();
 * await migrateToLatest(database.db);
 * const store = new PostgresStateStore(database.db);
 * const v1 = await store.save("counter", "a", { state: { n: 1 }, lastSeq: 1, fence: 1 }, 0);
 * console.assert(v1 === 1);
 * ```
 */
export class PostgresStateStore implements StateStore {
  readonly #db: Db;
  readonly #now: () => Date;

  /** A store over `db`; `options.now` sets the clock of `updated_at`. */
  constructor(db: Db, options: PostgresStateStoreOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  async load(kind: string, id: string): Promise<StoredState | undefined> {
    const row = await run(() =>
      this.#db.selectFrom("actor_state")
        .select(["state", "version", "last_seq"])
        .where("kind", "=", kind)
        .where("id", "=", id)
        .executeTakeFirst()
    );
    if (row === undefined) return undefined;
    return { state: row.state, version: row.version, lastSeq: row.last_seq };
  }

  /**
   * The last seq committed for the actor (0 if it never saved), without its
   * state: the KV transport's `seqFloor`, so an actor whose KV counter is gone
   * (a lost or replaced KV store) continues after it.
   */
  async lastSeq(kind: string, id: string): Promise<number> {
    const row = await run(() =>
      this.#db.selectFrom("actor_state")
        .select("last_seq")
        .where("kind", "=", kind)
        .where("id", "=", id)
        .executeTakeFirst()
    );
    return row?.last_seq ?? 0;
  }

  async save(
    kind: string,
    id: string,
    snapshot: { state: unknown; lastSeq: number; fence: number },
    expectedVersion: number,
  ): Promise<number> {
    const state = json(snapshot.state);
    const now = this.#now();
    let row: { version: number } | undefined;
    if (expectedVersion === 0) {
      row = await run(() =>
        this.#db.insertInto("actor_state").values({
          kind,
          id,
          state,
          version: 1,
          last_seq: snapshot.lastSeq,
          fence: snapshot.fence,
          updated_at: now,
        }).onConflict((oc) => oc.columns(["kind", "id"]).doNothing())
          .returning("version")
          .executeTakeFirst()
      );
    } else if (Number.isInteger(expectedVersion) && expectedVersion > 0) {
      row = await run(() =>
        this.#db.updateTable("actor_state")
          .set((eb) => ({
            state,
            version: eb("version", "+", 1),
            last_seq: snapshot.lastSeq,
            fence: snapshot.fence,
            updated_at: now,
          }))
          .where("kind", "=", kind)
          .where("id", "=", id)
          .where("version", "=", expectedVersion)
          .returning("version")
          .executeTakeFirst()
      );
    }
    if (row === undefined) {
      throw new VersionConflictError(kind, id, expectedVersion);
    }
    return row.version;
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    await insertDeadLetter(this.#db, {
      kind: letter.kind,
      actorId: letter.id,
      seq: letter.seq,
      message: letter.message,
      error: letter.error,
      attempts: letter.attempts,
      at: new Date(letter.at),
    });
  }

  async deadLetters(
    filter: { kind?: string; limit?: number } = {},
  ): Promise<DeadLetter[]> {
    const rows = await listDeadLetters(this.#db, {
      kind: filter.kind,
      limit: filter.limit ?? 1000,
    });
    return rows.map((r) => ({
      kind: r.kind,
      id: r.actorId,
      seq: r.seq,
      message: r.message,
      error: r.error,
      attempts: r.attempts,
      at: r.createdAt.getTime(),
    }));
  }
}
