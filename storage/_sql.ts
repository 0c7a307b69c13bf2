/**
 * Internals shared by the repositories.
 *
 * @module
 */
import type { Transaction } from "./_kysely_types.ts";
import type { Db, Schema } from "./schema.ts";
import { toStorageError } from "./errors.ts";

/**
 * Serialises a value for a jsonb column. node-postgres would send a JS array
 * as a PostgreSQL array, so JSON always travels as text. `undefined` becomes
 * JSON null.
 */
export function json(value: unknown): string {
  return JSON.stringify(value) ?? "null";
}

/** Same as {@link json} but keeps SQL NULL for `null`/`undefined`. */
export function jsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : json(value);
}

const uuidPattern =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `id` has the form of a uuid. Lookups check this first so that a
 * malformed id from a URL reads as "not found", not as a database error.
 */
export function isUuid(id: string): boolean {
  return uuidPattern.test(id);
}

/**
 * Runs `fn` in a transaction: a new one on a Kysely instance, or the caller's
 * when `db` already is a transaction (so repositories compose). Driver errors
 * come out as StorageErrors.
 */
export async function inTransaction<T>(
  db: Db,
  fn: (trx: Transaction<Schema>) => Promise<T>,
): Promise<T> {
  try {
    if (db.isTransaction) return await fn(db as Transaction<Schema>);
    return await db.transaction().execute(fn);
  } catch (error) {
    throw toStorageError(error);
  }
}

/** Runs one statement, mapping driver errors to StorageErrors. */
export { mapErrors as run } from "./errors.ts";
