/**
 * LangGraph checkpoints in Troupe's own PostgreSQL database. `PostgresSaver`
 * wants a `pg.Pool`; instead of opening a second pool (which PGlite, being
 * single-connection, could not serve anyway) it gets a pool-shaped view of
 * the Kysely instance, so checkpoints travel over the same connections as
 * every other query — on a real server and on PGlite alike.
 *
 * @module
 */
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { CompiledQuery } from "kysely";
import type {
  Kysely,
  PostgresSaver as Checkpointer,
} from "./_outside_types.ts";
import type pg from "pg";

/** The part of `pg.Pool` that PostgresSaver uses. */
export interface PoolLike {
  /** Runs one statement. */
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: unknown[]; rowCount: number | null }>;
  /** Pins one connection until `release()` (for BEGIN ... COMMIT). */
  connect(): Promise<
    {
      query: PoolLike["query"];
      release(error?: unknown): void;
    }
  >;
  /** Ends the pool. */
  end(): Promise<void>;
}

/**
 * A `pg.Pool` look-alike over a Kysely instance. `connect()` pins one of
 * Kysely's connections until `release()`, so BEGIN/COMMIT sequences run on
 * one connection.
 */
export function kyselyPool(db: Kysely<unknown>): PoolLike {
  const run = async (
    executor: { executeQuery: Kysely<unknown>["executeQuery"] },
    text: string,
    values: unknown[] = [],
  ) => {
    const result = await executor.executeQuery(
      CompiledQuery.raw(text, values),
    );
    return {
      rows: result.rows as unknown[],
      rowCount: result.numAffectedRows === undefined
        ? result.rows.length
        : Number(result.numAffectedRows),
    };
  };
  return {
    query: (text, values) => run(db, text, values),
    connect() {
      return new Promise((resolve, reject) => {
        let release!: () => void;
        const released = new Promise<void>((r) => release = r);
        db.connection().execute(async (conn) => {
          resolve({
            query: (text, values) => run(conn, text, values),
            release: () => release(),
          });
          await released;
        }).catch(reject);
      });
    },
    // The pool belongs to storage/, which closes it.
    end: () => Promise.resolve(),
  };
}

/** `($1, $2, ...), ($n+1, ...)`: placeholders for `rows` rows of `width` values after `offset` others. */
function valueRows(rows: number, width: number, offset = 0): string {
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 1; c <= width; c++) cells.push(`$${offset + r * width + c}`);
    out.push(`(${cells.join(", ")})`);
  }
  return out.join(", ");
}

/**
 * PostgresSaver with the same rows written in one statement per call.
 * LangGraph's saver sends BEGIN, one INSERT per channel blob or per write,
 * and COMMIT: about 80 round trips per build, the largest share of a
 * build's database work on PGlite, where every statement runs on the event
 * loop's thread. Here `put` writes its blobs and the checkpoint in one
 * statement (a data-modifying CTE) and `putWrites` all its writes in one
 * multi-row INSERT; a single statement is atomic on its own, so the
 * transaction goes too. The SQL, conflict handling and serialisation are
 * LangGraph's (its `_dump*` helpers); reads are inherited unchanged.
 */
export class BatchingPostgresSaver extends PostgresSaver {
  readonly #pool: PoolLike;
  readonly #tables: { checkpoints: string; blobs: string; writes: string };

  /** `pool` as for PostgresSaver; `schema` defaults to "public". */
  constructor(pool: PoolLike, options: { schema?: string } = {}) {
    super(
      pool as unknown as pg.Pool,
      undefined,
      options.schema ? { schema: options.schema } : {},
    );
    this.#pool = pool;
    const schema = `"${options.schema ?? "public"}"`;
    this.#tables = {
      checkpoints: `${schema}.checkpoints`,
      blobs: `${schema}.checkpoint_blobs`,
      writes: `${schema}.checkpoint_writes`,
    };
  }

  /** Saves a checkpoint with its new channel blobs in one statement. */
  override async put(
    ...[config, checkpoint, metadata, newVersions]: Parameters<
      PostgresSaver["put"]
    >
  ): ReturnType<PostgresSaver["put"]> {
    if (config.configurable === undefined) {
      throw new Error(`Missing "configurable" field in "config" param`);
    }
    const { thread_id, checkpoint_ns = "", checkpoint_id } =
      config.configurable;
    const serialized = this._dumpCheckpoint(checkpoint);
    const [blobs, meta] = await Promise.all([
      this._dumpBlobs(
        thread_id,
        checkpoint_ns,
        checkpoint.channel_values,
        newVersions,
      ),
      this._dumpMetadata(metadata),
    ]);
    const values: unknown[] = [
      thread_id,
      checkpoint_ns,
      checkpoint.id,
      checkpoint_id,
      serialized,
      meta,
    ];
    for (const blob of blobs) values.push(...blob);
    const blobCte = blobs.length === 0 ? "" : `WITH blobs AS (
      INSERT INTO ${this.#tables.blobs} (thread_id, checkpoint_ns, channel, version, type, blob)
      VALUES ${valueRows(blobs.length, 6, 6)}
      ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
    ) `;
    await this.#pool.query(
      `${blobCte}INSERT INTO ${this.#tables.checkpoints} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
      VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id)
      DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`,
      values,
    );
    return {
      configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id },
    };
  }

  /** Stores a task's writes in one statement. */
  override async putWrites(
    ...[config, writes, taskId]: Parameters<PostgresSaver["putWrites"]>
  ): Promise<void> {
    if (writes.length === 0) return;
    const rows = await this._dumpWrites(
      config.configurable?.thread_id,
      config.configurable?.checkpoint_ns,
      config.configurable?.checkpoint_id,
      taskId,
      writes,
    );
    // LangGraph's rule: writes of special channels only (error, interrupt,
    // ...: negative indexes) replace earlier ones; ordinary writes never do.
    const replace = rows.every((row) => row[4] < 0);
    await this.#pool.query(
      `INSERT INTO ${this.#tables.writes} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
      VALUES ${valueRows(rows.length, 8)}
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${
        replace
          ? "DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob"
          : "DO NOTHING"
      }`,
      rows.flat(),
    );
  }
}

/**
 * Creates the checkpointer over `db` and makes sure its tables exist.
 *
 * @example
 * ```ts ignore
 * import { openDatabase } from "../../storage/db.ts";
 * const database = await openDatabase({});
 * const checkpointer = await createCheckpointer(database.db);
 * ```
 */
export async function createCheckpointer(
  // deno-lint-ignore no-explicit-any
  db: Kysely<any>,
  options: { schema?: string } = {},
): Promise<Checkpointer> {
  const saver = new BatchingPostgresSaver(kyselyPool(db), options);
  await saver.setup();
  return saver;
}
