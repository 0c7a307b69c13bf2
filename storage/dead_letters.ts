/**
 * Dead letters: messages an actor failed to process after its retries, kept
 * with their error for inspection and manual retry (`deno task` maintenance).
 *
 * @module
 */
import type { Db, DeadLetterRow } from "./schema.ts";
import { json, run } from "./_sql.ts";

/** A stored dead letter. */
export interface StoredDeadLetter {
  /** Increasing id; the order letters were given up in. */
  readonly id: number;
  /** Actor kind the message was for. */
  readonly kind: string;
  /** Actor id the message was for. */
  readonly actorId: string;
  /** The message's sequence number in that actor's mailbox. */
  readonly seq: number;
  /** The message that failed. */
  readonly message: unknown;
  /** The last error it raised. */
  readonly error: string;
  /** How many times it was tried. */
  readonly attempts: number;
  /** When it was given up on. */
  readonly createdAt: Date;
}

/** What {@link insertDeadLetter} takes. */
export interface NewDeadLetter {
  /** Actor kind the message was for. */
  readonly kind: string;
  /** Actor id the message was for. */
  readonly actorId: string;
  /** The message's sequence number in that actor's mailbox. */
  readonly seq: number;
  /** The message that failed. */
  readonly message: unknown;
  /** The last error it raised. */
  readonly error: string;
  /** How many times it was tried. */
  readonly attempts: number;
  /** When it was given up on; default now. */
  readonly at?: Date;
}

function toDeadLetter(row: DeadLetterRow): StoredDeadLetter {
  return {
    id: row.id,
    kind: row.kind,
    actorId: row.actor_id,
    seq: row.seq,
    message: row.message,
    error: row.error,
    attempts: row.attempts,
    createdAt: row.created_at,
  };
}

/**
 * Records a dead letter; returns its id.
 *
 * @example
 * ```ts
 * import { insertDeadLetter } from "./dead_letters.ts";
 * // await insertDeadLetter(db, { kind: "build", actorId: id, seq: 7, message, error: "boom", attempts: 5 });
 * ```
 */
export async function insertDeadLetter(
  db: Db,
  letter: NewDeadLetter,
): Promise<number> {
  const row = await run(() =>
    db.insertInto("dead_letters").values({
      kind: letter.kind,
      actor_id: letter.actorId,
      seq: letter.seq,
      message: json(letter.message),
      error: letter.error,
      attempts: letter.attempts,
      ...(letter.at ? { created_at: letter.at } : {}),
    }).returning("id").executeTakeFirstOrThrow()
  );
  return row.id;
}

/** Filters for {@link listDeadLetters}. */
export interface DeadLetterQuery {
  /** Only letters for this actor kind. */
  readonly kind?: string | undefined;
  /** Only letters for this actor id. */
  readonly actorId?: string | undefined;
  /** Only ids above this (paging forwards). */
  readonly afterId?: number | undefined;
  /** Default 100, at most 1000. */
  readonly limit?: number | undefined;
}

/** Dead letters, oldest first. */
export async function listDeadLetters(
  db: Db,
  query: DeadLetterQuery = {},
): Promise<StoredDeadLetter[]> {
  let q = db.selectFrom("dead_letters").selectAll();
  if (query.kind !== undefined) q = q.where("kind", "=", query.kind);
  if (query.actorId !== undefined) q = q.where("actor_id", "=", query.actorId);
  if (query.afterId !== undefined) q = q.where("id", ">", query.afterId);
  const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
  const rows = await run(() => q.orderBy("id", "asc").limit(limit).execute());
  return rows.map(toDeadLetter);
}

/** One dead letter by id. */
export async function getDeadLetter(
  db: Db,
  id: number,
): Promise<StoredDeadLetter | undefined> {
  const row = await run(() =>
    db.selectFrom("dead_letters").selectAll().where("id", "=", id)
      .executeTakeFirst()
  );
  return row && toDeadLetter(row);
}

/** Deletes a dead letter (after a retry or on purpose); whether it existed. */
export async function deleteDeadLetter(db: Db, id: number): Promise<boolean> {
  const result = await run(() =>
    db.deleteFrom("dead_letters").where("id", "=", id).executeTakeFirst()
  );
  return result.numDeletedRows > 0n;
}

/** How many dead letters there are, optionally of one kind. */
export async function countDeadLetters(db: Db, kind?: string): Promise<number> {
  let q = db.selectFrom("dead_letters").select((eb) =>
    eb.fn.countAll<number>().as("n")
  );
  if (kind !== undefined) q = q.where("kind", "=", kind);
  const row = await run(() => q.executeTakeFirstOrThrow());
  return Number(row.n);
}
