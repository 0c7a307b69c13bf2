/**
 * Long-term memories: a user's key/value store with optional expiry. An
 * expired memory is never returned, even before `pruneExpiredMemories`
 * deletes it.
 *
 * @module
 */
import type { AuditContext } from "./audit.ts";
import { writeAudit } from "./audit.ts";
import { NotFoundError } from "./errors.ts";
import { type ExpressionBuilder, sql } from "kysely";
import type { Db, MemoryRow, Schema } from "./schema.ts";
import { inTransaction, isUuid, json, run } from "./_sql.ts";

/** One memory. */
export interface Memory {
  /** The memory's name, unique per user. */
  readonly key: string;
  /** The remembered value. */
  readonly value: unknown;
  /** When it is forgotten; null: kept until deleted. */
  readonly expiresAt: Date | null;
  /** When the key was first written. */
  readonly createdAt: Date;
  /** When the value was last written. */
  readonly updatedAt: Date;
}

function toMemory(
  row: Pick<
    MemoryRow,
    "key" | "value" | "expires_at" | "created_at" | "updated_at"
  >,
): Memory {
  return {
    key: row.key,
    value: row.value,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Options of {@link setMemory}. */
export interface SetMemoryOptions {
  /** When it expires; null/undefined: never. */
  readonly expiresAt?: Date | null;
  /** Defaults to the current time. */
  readonly now?: Date;
  /** Audited when the change is made on someone's behalf. */
  readonly audit?: AuditContext;
}

const memoryColumns = [
  "key",
  "value",
  "expires_at",
  "created_at",
  "updated_at",
] as const;

/**
 * Creates or replaces one of a user's memories (value and expiry both
 * replaced); `created` tells which.
 *
 * @example
 * ```ts
 * import { setMemory } from "./memories.ts";
 * // await setMemory(db, userId, "preferred_language", "typescript", { expiresAt: null });
 * ```
 */
export function setMemory(
  db: Db,
  userId: string,
  key: string,
  value: unknown,
  options: SetMemoryOptions = {},
): Promise<Memory & { readonly created: boolean }> {
  const work = async (tx: Db) => {
    if (!isUuid(userId)) throw new NotFoundError("user", userId);
    const now = options.now ?? new Date();
    const expiresAt = options.expiresAt ?? null;
    const row = await tx.insertInto("memories").values({
      user_id: userId,
      key,
      value: json(value),
      expires_at: expiresAt,
      created_at: now,
      updated_at: now,
    }).onConflict((oc) =>
      oc.columns(["user_id", "key"]).doUpdateSet((eb) => ({
        value: eb.ref("excluded.value"),
        expires_at: eb.ref("excluded.expires_at"),
        updated_at: eb.ref("excluded.updated_at"),
      }))
    ).returning([
      ...memoryColumns,
      // A row the insert wrote has no deleting/updating transaction (xmax 0).
      sql<boolean>`(xmax = 0)`.as("inserted"),
    ]).executeTakeFirstOrThrow();
    if (options.audit !== undefined) {
      await writeAudit(tx, options.audit, "memory.set", `${userId}/${key}`);
    }
    return { ...toMemory(row), created: row.inserted };
  };
  return options.audit === undefined
    ? run(() => work(db))
    : inTransaction(db, (trx) => work(trx));
}

/** Not expired at `now`. */
function live(now: Date) {
  return (eb: ExpressionBuilder<Schema, "memories">) =>
    eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]);
}

/** One of a user's memories, unless it does not exist or has expired. */
export async function getMemory(
  db: Db,
  userId: string,
  key: string,
  now: Date = new Date(),
): Promise<Memory | undefined> {
  if (!isUuid(userId)) return undefined;
  const row = await run(() =>
    db.selectFrom("memories").select(memoryColumns)
      .where("user_id", "=", userId).where("key", "=", key)
      .where(live(now))
      .executeTakeFirst()
  );
  return row && toMemory(row);
}

/** Filters for {@link listMemories}. */
export interface MemoryQuery {
  /** Only keys starting with this. */
  readonly prefix?: string;
  /** Default 100, at most 1000. */
  readonly limit?: number;
}

/** A user's live memories, by key. */
export async function listMemories(
  db: Db,
  userId: string,
  now: Date = new Date(),
  query: MemoryQuery = {},
): Promise<Memory[]> {
  if (!isUuid(userId)) return [];
  let q = db.selectFrom("memories").select(memoryColumns)
    .where("user_id", "=", userId).where(live(now));
  if (query.prefix !== undefined && query.prefix !== "") {
    const escaped = query.prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
    q = q.where("key", "like", `${escaped}%`);
  }
  const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
  const rows = await run(() => q.orderBy("key", "asc").limit(limit).execute());
  return rows.map(toMemory);
}

/**
 * Deletes one of a user's memories; whether it existed (expired ones count as
 * gone). Audited when `audit` is given.
 */
export function deleteMemory(
  db: Db,
  userId: string,
  key: string,
  options: { now?: Date; audit?: AuditContext } = {},
): Promise<boolean> {
  const work = async (tx: Db) => {
    if (!isUuid(userId)) return false;
    const now = options.now ?? new Date();
    const row = await tx.deleteFrom("memories")
      .where("user_id", "=", userId).where("key", "=", key)
      .returning("expires_at").executeTakeFirst();
    const existed = row !== undefined &&
      (row.expires_at === null || row.expires_at > now);
    if (existed && options.audit !== undefined) {
      await writeAudit(tx, options.audit, "memory.delete", `${userId}/${key}`);
    }
    return existed;
  };
  return options.audit === undefined
    ? run(() => work(db))
    : inTransaction(db, (trx) => work(trx));
}

/**
 * Deletes every memory that expired at or before `now` (`deno task prune`).
 * Returns how many.
 *
 * @example
 * ```ts
 * import { pruneExpiredMemories } from "./memories.ts";
 * // const removed = await pruneExpiredMemories(db, new Date());
 * ```
 */
export async function pruneExpiredMemories(
  db: Db,
  now: Date = new Date(),
): Promise<number> {
  const result = await run(() =>
    db.deleteFrom("memories").where("expires_at", "<=", now)
      .executeTakeFirst()
  );
  return Number(result.numDeletedRows);
}
