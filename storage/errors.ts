/**
 * Typed storage errors. Repositories translate PostgreSQL error codes into
 * these classes so callers (HTTP, bot, actors) can answer with the right 4xx
 * without parsing driver messages.
 *
 * @module
 */

/** Base class of every error thrown by storage/. */
export class StorageError extends Error {
  /** The error's class name. */
  override name = "StorageError";
  /**
   * An error with `message`, optionally wrapping the driver's error as `cause`.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A unique value is already taken (PostgreSQL 23505). HTTP 409. */
export class DuplicateError extends StorageError {
  /** The error's class name. */
  override name = "DuplicateError";
  /** Records where the clash happened, as far as PostgreSQL said. */
  constructor(
    /** Table the row was written to, when known. */
    readonly table: string | undefined,
    /** Name of the unique constraint or index that was violated. */
    readonly constraint: string | undefined,
    /** Human-readable description of the clashing value. */
    readonly detail: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `duplicate value${table ? ` in ${table}` : ""}${
        constraint ? ` (${constraint})` : ""
      }${detail ? `: ${detail}` : ""}`,
      options,
    );
  }
}

/** Why a value was refused by the schema. */
export type ConstraintReason =
  | "check" // 23514: a CHECK constraint (enum, range, length)
  | "not_null" // 23502
  | "too_long" // 22001: value too long for a varchar(n)
  | "invalid_text" // 22P02: e.g. not a uuid, not an integer
  | "out_of_range" // 22003 / 22008
  | "invalid_json"; // 22P02 on json, 22032

/**
 * A value breaks a rule of the schema: invalid role or status, over-long
 * field, bad uuid, out-of-range score. HTTP 400/422. Nothing was written.
 */
export class ConstraintError extends StorageError {
  /** The error's class name. */
  override name = "ConstraintError";
  /** Records which rule (`reason`) of which table refused the value. */
  constructor(
    readonly reason: ConstraintReason,
    readonly table: string | undefined,
    /** Constraint or column name, when PostgreSQL reports one. */
    readonly constraint: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A row refers to another row that does not exist (PostgreSQL 23503), e.g. a
 * build for an unknown user. HTTP 404/422.
 */
export class MissingReferenceError extends StorageError {
  /** The error's class name. */
  override name = "MissingReferenceError";
  /** Records the table and foreign key whose target is missing. */
  constructor(
    readonly table: string | undefined,
    readonly constraint: string | undefined,
    readonly detail: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `referenced row does not exist${table ? ` (${table}` : ""}${
        constraint ? `${table ? ", " : " ("}${constraint})` : table ? ")" : ""
      }${detail ? `: ${detail}` : ""}`,
      options,
    );
  }
}

/**
 * The row does not exist, or does not belong to the user asking. The two are
 * deliberately indistinguishable so that ids of other users' rows leak
 * nothing. HTTP 404.
 */
export class NotFoundError extends StorageError {
  /** The error's class name. */
  override name = "NotFoundError";
  /** Names the kind of row (`entity`) and the id asked for. */
  constructor(readonly entity: string, readonly id: string) {
    super(`${entity} ${id} not found`);
  }
}

/**
 * A state change that the row's current state forbids, e.g. updating a build
 * that already finished or using a link code twice. HTTP 409.
 */
export class StateError extends StorageError {
  /** The error's class name. */
  override name = "StateError";
  /** Names the row (`entity`, `id`) and why its state refuses the change. */
  constructor(
    readonly entity: string,
    readonly id: string,
    message: string,
  ) {
    super(`${entity} ${id}: ${message}`);
  }
}

/**
 * The database aborted a transaction because of a concurrent one (deadlock
 * 40P01, serialization failure 40001). Nothing was written; retrying is safe.
 */
export class ConcurrencyError extends StorageError {
  /** The error's class name. */
  override name = "ConcurrencyError";
  /** Records PostgreSQL's SQLSTATE `code` (40P01, 40001) and its message. */
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * PostgreSQL cannot be reached. The message names the host (never the
 * password) and how to start the database.
 */
export class DatabaseUnavailableError extends StorageError {
  /** The error's class name. */
  override name = "DatabaseUnavailableError";
  /** What to do about it. */
  readonly hint: string;
  /**
   * Names the server (`target`, no credentials) and why it cannot be reached.
   */
  constructor(
    /** Where we tried to connect, credentials removed. */
    readonly target: string,
    readonly reason: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    const hint = options?.hint ?? SERVER_HINT;
    super(
      `PostgreSQL at ${target} is unavailable: ${reason}. ${hint}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.hint = hint;
  }
}

/** Which store refused a write: Deno KV, PostgreSQL, or the disk under `DATA_DIR` as a whole. */
export type WriteStore = "kv" | "postgres" | "disk";

const STORE_NAMES: Record<WriteStore, string> = {
  kv: "Deno KV",
  postgres: "PostgreSQL",
  disk: "the disk under DATA_DIR",
};

/**
 * A write could not be made because the store is out of space or cannot write
 * (disk full, I/O error, or the node's disk guard stopped writes before the
 * disk filled up). Nothing was written; retrying after space is freed is
 * safe. HTTP 503 `storage_unavailable`, naming the store and the cause.
 *
 * @example
 * ```ts
 * import { StorageWriteError } from "./errors.ts";
 * const e = new StorageWriteError("kv", "database or disk is full");
 * e.message; // "cannot write to Deno KV: database or disk is full"
 * ```
 */
export class StorageWriteError extends StorageError {
  /** The error's class name. */
  override name = "StorageWriteError";
  /** Names the store that refused the write and why. */
  constructor(
    /** The store that refused the write. */
    readonly store: WriteStore,
    /** Why, in words safe to show a caller (no paths of other users, no secrets). */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot write to ${STORE_NAMES[store]}: ${reason}`, options);
  }

  /** The store's name as a person reads it ("Deno KV", "PostgreSQL", ...). */
  get storeName(): string {
    return STORE_NAMES[this.store];
  }
}

/** PostgreSQL codes of a server that cannot write: disk full, out of resources, I/O error. */
const writeFailureCodes = new Set([
  "53100", // disk_full
  "53000", // insufficient_resources
  "58030", // io_error
]);

/** SQLite (Deno KV) messages of a store that cannot write. */
const KV_WRITE_FAILURE =
  /database or disk is full|disk I\/O error|SQLITE_FULL|SQLITE_IOERR/i;

/**
 * Recognizes a write that failed for lack of space or an I/O error: a
 * {@link StorageWriteError} as is, PostgreSQL's disk-full and I/O error
 * codes, and Deno KV's SQLite "database or disk is full" / "disk I/O error".
 * Returns `undefined` for anything else.
 *
 * @example
 * ```ts
 * import { storageWriteErrorOf } from "./errors.ts";
 * const e = storageWriteErrorOf(new TypeError("database or disk is full"));
 * e?.store; // "kv"
 * ```
 */
export function storageWriteErrorOf(
  error: unknown,
): StorageWriteError | undefined {
  if (error instanceof StorageWriteError) return error;
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as PgErrorLike;
  const code = str(e.code);
  const message = str(e.message) ?? "";
  if (code !== undefined && writeFailureCodes.has(code)) {
    return new StorageWriteError("postgres", firstLine(message) || code, {
      cause: error,
    });
  }
  if (code === undefined && KV_WRITE_FAILURE.test(message)) {
    return new StorageWriteError("kv", firstLine(message), { cause: error });
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0]!.slice(0, 200);
}

/** How to get a PostgreSQL server going. */
export const SERVER_HINT: string = "Start it (for example `.ci/postgres.sh`, " +
  "`docker compose up -d postgres`, or `pg_ctl -D <datadir> start`), " +
  "check DATABASE_URL, or unset DATABASE_URL to use the embedded PGlite " +
  "in DATA_DIR/pg.";

/** What to check when the embedded PGlite cannot open its directory. */
export const PGLITE_HINT: string =
  "Check that DATA_DIR exists and is writable and " +
  "that no other Troupe process uses it: PGlite serves one process, so " +
  "several nodes need a real PostgreSQL server (set DATABASE_URL).";

interface PgErrorLike {
  code?: unknown;
  table?: unknown;
  constraint?: unknown;
  column?: unknown;
  detail?: unknown;
  message?: unknown;
}

const connectionCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "3D000", // invalid_catalog_name: database does not exist
  "28000", // invalid_authorization_specification
  "28P01", // invalid_password
]);

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * Translates a driver error into a {@link StorageError}; anything it does not
 * recognise is returned unchanged.
 *
 * @example
 * ```ts
 * import { toStorageError } from "./errors.ts";
 * try {
 *   // await insertSomething(db)
 * } catch (e) {
 *   throw toStorageError(e);
 * }
 * ```
 */
export function toStorageError(error: unknown, target?: string): unknown {
  if (error instanceof StorageError) return error;
  if (typeof error !== "object" || error === null) return error;
  const e = error as PgErrorLike;
  const code = str(e.code);
  const table = str(e.table);
  const constraint = str(e.constraint) ?? str(e.column);
  const detail = str(e.detail);
  const message = str(e.message) ?? String(error);
  const options = { cause: error };
  switch (code) {
    case "23505":
      return new DuplicateError(table, constraint, detail, options);
    case "23503":
      return new MissingReferenceError(table, constraint, detail, options);
    case "23514":
      return new ConstraintError("check", table, constraint, message, options);
    case "23502":
      return new ConstraintError(
        "not_null",
        table,
        constraint,
        message,
        options,
      );
    case "22001":
      return new ConstraintError(
        "too_long",
        table,
        constraint,
        message,
        options,
      );
    case "22021": // invalid byte sequence (a NUL character in text)
    case "22P02":
      return new ConstraintError(
        /json/i.test(message) ? "invalid_json" : "invalid_text",
        table,
        constraint,
        message,
        options,
      );
    case "22032":
    case "22P05": // unsupported Unicode escape (\u0000 in jsonb)
      return new ConstraintError(
        "invalid_json",
        table,
        constraint,
        message,
        options,
      );
    case "40001":
    case "40P01":
      return new ConcurrencyError(code, message, options);
    case "22003":
    case "22008":
      return new ConstraintError(
        "out_of_range",
        table,
        constraint,
        message,
        options,
      );
  }
  if (code !== undefined && writeFailureCodes.has(code)) {
    return storageWriteErrorOf(error);
  }
  if (code !== undefined && connectionCodes.has(code)) {
    return new DatabaseUnavailableError(
      target ?? "the configured server",
      message,
      options,
    );
  }
  if (
    /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i
      .test(message)
  ) {
    return new DatabaseUnavailableError(
      target ?? "the configured server",
      message,
      options,
    );
  }
  return error;
}

/**
 * Runs `fn` and rethrows driver errors as {@link StorageError}s.
 *
 * @example
 * ```ts
 * import { mapErrors } from "./errors.ts";
 * const n = await mapErrors(() => Promise.resolve(1));
 * console.assert(n === 1);
 * ```
 */
export async function mapErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toStorageError(error);
  }
}
