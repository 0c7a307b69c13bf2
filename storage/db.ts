/**
 * Opens Troupe's PostgreSQL database through Kysely over `npm:pg`.
 *
 * Without a URL the database is PGlite (PostgreSQL compiled to WASM) in
 * `DATA_DIR/pg`, driven through the very same `pg.Pool` code path as a real
 * server, so every query runs the same way in both. With a URL it is a real
 * server with a pool of configurable size.
 *
 * PGlite is single-process: several Troupe nodes must share a real server
 * (`DATABASE_URL`), never one PGlite directory. Opening a PGlite directory
 * takes its lock (see `data_dir_lock.ts`): a second process gets a
 * `DataDirLockedError` naming the holder instead of a second server on the
 * same files.
 *
 * @module
 */
import { Kysely, type LogEvent, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import type { Config as AppConfig } from "../config.ts";

/**
 * The application's parsed configuration (config.ts), of which the database
 * settings are read here.
 * @internal
 */
type Config = AppConfig;
import type { Db, Schema } from "./schema.ts";
import {
  DatabaseUnavailableError,
  PGLITE_HINT,
  toStorageError,
} from "./errors.ts";
import { preparingClient } from "./_prepared.ts";
import {
  type DataDirLock,
  DataDirLockedError,
  lockDataDir,
} from "./data_dir_lock.ts";
import {
  type ChannelListener,
  listenOnServer,
  type Unlisten,
} from "./_listen.ts";
import { omitUndefined } from "../runtime/optional.ts";

export type { ChannelListener, Unlisten };

/** How to reach the database. */
export interface OpenDatabaseOptions {
  /**
   * `postgres://user:password@host:port/db`. Unset: embedded PGlite.
   */
  url?: string | undefined;
  /**
   * PGlite only: the directory of the database files. Unset: in memory
   * (tests). Ignored when `url` is set.
   */
  pgliteDir?: string | undefined;
  /** PGlite only: start from a dump made with `PGlite.dumpDataDir` (tests). */
  pgliteLoadDataDir?: Blob | undefined;
  /** Real server only: most connections held at once. Default 10. */
  poolSize?: number;
  /**
   * Send the platform's statements as named prepared statements, so the
   * server plans each once per connection. Default true; turn it off behind
   * a pooler that cannot keep them (PgBouncer in transaction mode before
   * 1.21).
   */
  preparedStatements?: boolean;
  /** Real server only: give up connecting after this long. Default 5000. */
  connectTimeoutMs?: number;
  /**
   * Called with errors of idle pooled connections (a server restart, a
   * network blip). Without a listener they would crash the process.
   */
  onPoolError?: (error: unknown) => void;
  /**
   * Told about every query: its operation (`select`, `insert`, `update`,
   * `delete` or `other`, never the SQL) and duration, for metrics.
   */
  onQuery?: (query: { operation: string; durationMs: number }) => void;
}

/** An open database. Close it once. */
export interface Database extends AsyncDisposable {
  /** The Kysely instance every repository takes as its first argument. */
  readonly db: Db;
  /** Which engine is behind `db`. */
  readonly engine: "pglite" | "postgres";
  /** Where it is, without credentials: `postgres://host:port/db` or a path. */
  readonly target: string;
  /**
   * PGlite in a directory only: this process's exclusive hold on it, released
   * by `close()`. A node publishes its operator endpoint through it.
   */
  readonly lock: DataDirLock | undefined;
  /** Resolves when a round-trip succeeds; throws DatabaseUnavailableError. */
  ping(): Promise<void>;
  /**
   * Subscribes to NOTIFY on `channel`. On a server the subscription has its
   * own connection and reconnects when it is lost (telling `listener`);
   * PGlite never loses it. Ended by the returned function or by `close()`.
   */
  listen(channel: string, listener: ChannelListener): Promise<Unlisten>;
  /** Ends the pool (and PGlite). */
  close(): Promise<void>;
}

/**
 * Describes a PostgreSQL URL without its password (or user name).
 *
 * @example
 * ```ts
 * import { redactDatabaseUrl } from "./db.ts";
 * console.assert(
 *   redactDatabaseUrl("postgres://bob:s3cret@db:5432/troupe") ===
 *     "postgres://db:5432/troupe",
 * );
 * ```
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(
      `int8 value ${value} is beyond Number.MAX_SAFE_INTEGER`,
    );
  }
  return n;
}

/**
 * Per-pool type parsers: int8 (count(*), bigint, bigserial) as JS numbers.
 * Set per pool, not with the global `pg.types`, so nothing else in the
 * process is affected.
 */
const typeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20 && format !== "binary") return parseInt8;
    // deno-lint-ignore no-explicit-any
    return (pg.types.getTypeParser as any)(oid, format);
  },
};

/**
 * Opens the database and checks that it answers.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./db.ts";
 * await using database = await openDatabase(); // in-memory PGlite
 * await database.ping();
 * ```
 */
export async function openDatabase(
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  return options.url === undefined
    ? await openPglite(options)
    : await openPostgres(options.url, options);
}

/**
 * Opens the database described by the configuration: `DATABASE_URL` with a
 * pool of `DATABASE_POOL_SIZE`, or PGlite in `DATA_DIR/pg`.
 *
 * @example
 * ```ts
 * import { parseConfig } from "../config.ts";
 * import { openDatabaseFromConfig } from "./db.ts";
 * const dataDir = await Deno.makeTempDir();
 * const database = await openDatabaseFromConfig(parseConfig({ DATA_DIR: dataDir }));
 * await database.close();
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 */
export function openDatabaseFromConfig(
  config: Pick<
    Config,
    | "DATABASE_URL"
    | "DATA_DIR"
    | "DATABASE_POOL_SIZE"
    | "DATABASE_PREPARED_STATEMENTS"
  >,
  extra: Pick<
    OpenDatabaseOptions,
    "onPoolError" | "connectTimeoutMs" | "onQuery"
  > = {},
): Promise<Database> {
  return openDatabase({
    url: config.DATABASE_URL,
    pgliteDir: pgliteDirOf(config),
    poolSize: config.DATABASE_POOL_SIZE,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS === "on",
    ...extra,
  });
}

/** Where the embedded database of a configuration lives: `DATA_DIR/pg`. */
export function pgliteDirOf(config: Pick<Config, "DATA_DIR">): string {
  return `${config.DATA_DIR.replace(/\/+$/, "")}/pg`;
}

async function openPostgres(
  url: string,
  options: OpenDatabaseOptions,
): Promise<Database> {
  const target = redactDatabaseUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    types: typeParsers,
    ...clientClass(options),
  });
  pool.on("error", (error) => options.onPoolError?.(error));
  // pg-pool listens only on idle clients. A checked-out client (inside a
  // transaction, a pinned connection) whose server goes away between queries
  // would emit an unhandled 'error' and kill the process; instead its next
  // query fails, and the pool drops it when it is released.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  const db = new Kysely<Schema>({
    dialect: new PostgresDialect({ pool }),
    ...queryLog(options),
  });
  const database = handle(db, "postgres", target, undefined, {
    close: () => db.destroy(),
    listen: (channel, listener) =>
      listenOnServer(
        url,
        channel,
        listener,
        options.connectTimeoutMs ?? 5000,
      ),
  });
  try {
    await database.ping();
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

async function openPglite(options: OpenDatabaseOptions): Promise<Database> {
  const dir = options.pgliteDir;
  const target = dir === undefined ? "PGlite (in memory)" : `PGlite at ${dir}`;
  let pglite: PGlite;
  let lock: DataDirLock | undefined;
  try {
    if (dir !== undefined) {
      await Deno.mkdir(dir, { recursive: true });
      // Throws DataDirLockedError, naming the holder, when another process has it.
      lock = await lockDataDir(dir);
    }
    pglite = await PGlite.create({
      ...omitUndefined({
        dataDir: dir,
        loadDataDir: options.pgliteLoadDataDir,
      }),
    });
  } catch (error) {
    await lock?.release();
    if (error instanceof DataDirLockedError) throw error;
    throw new DatabaseUnavailableError(
      target,
      `PGlite could not open its data directory (${
        error instanceof Error ? error.message : String(error)
      })`,
      { cause: error, hint: PGLITE_HINT },
    );
  }
  const pool = new pg.Pool({
    ...createPgConfig(pglite), // one connection: PGlite has a single backend
    // Keep that connection: "reconnecting" would reuse the same backend
    // session anyway, so closing it when idle only costs time.
    idleTimeoutMillis: 0,
    types: typeParsers,
    ...clientClass(options),
  });
  pool.on("error", (error) => options.onPoolError?.(error));
  const db = new Kysely<Schema>({
    dialect: new PostgresDialect({ pool }),
    ...queryLog(options),
  });
  const database = handle(db, "pglite", target, lock, {
    async close() {
      try {
        await db.destroy();
      } finally {
        await pglite.close();
      }
    },
    async listen(channel, listener) {
      const unlisten = await pglite.listen(
        channel,
        (payload) => listener.notify(payload),
      );
      listener.listening();
      return unlisten;
    },
  });
  try {
    await database.ping();
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

function clientClass(
  options: OpenDatabaseOptions,
): { Client?: typeof pg.Client } {
  return options.preparedStatements === false
    ? {}
    : { Client: preparingClient() };
}

const OPERATIONS = new Set(["select", "insert", "update", "delete"]);

function queryLog(
  options: OpenDatabaseOptions,
): { log?: (event: LogEvent) => void } {
  const onQuery = options.onQuery;
  if (!onQuery) return {};
  return {
    log(event) {
      const verb = /^\s*(\w+)/.exec(event.query.sql)?.[1]?.toLowerCase();
      onQuery({
        operation: verb !== undefined && OPERATIONS.has(verb) ? verb : "other",
        durationMs: event.queryDurationMillis,
      });
    },
  };
}

function handle(
  db: Db,
  engine: Database["engine"],
  target: string,
  lock: DataDirLock | undefined,
  driver: Pick<Database, "close" | "listen">,
): Database {
  const subscriptions = new Set<Unlisten>();
  let closed: Promise<void> | undefined;
  const doClose = () =>
    closed ??= (async () => {
      await Promise.allSettled([...subscriptions].map((stop) => stop()));
      try {
        await driver.close();
      } finally {
        await lock?.release();
      }
    })();
  return {
    db,
    engine,
    target,
    lock,
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (error) {
        if (engine === "postgres") {
          const mapped = toStorageError(error, target);
          if (mapped instanceof DatabaseUnavailableError) throw mapped;
        }
        throw new DatabaseUnavailableError(
          target,
          error instanceof Error ? error.message : String(error),
          {
            cause: error,
            ...(engine === "pglite" ? { hint: PGLITE_HINT } : {}),
          },
        );
      }
    },
    async listen(channel, listener) {
      const unlisten = await driver.listen(channel, listener);
      let stopped: Promise<void> | undefined;
      const stop = () => stopped ??= (subscriptions.delete(stop), unlisten());
      subscriptions.add(stop);
      return stop;
    },
    close: doClose,
    [Symbol.asyncDispose]: doClose,
  };
}
