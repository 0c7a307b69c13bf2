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
import { CompiledQuery, type Kysely } from "kysely";
import type pg from "pg";

/** The part of `pg.Pool` that PostgresSaver uses. */
interface PoolLike {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: unknown[]; rowCount: number | null }>;
  connect(): Promise<
    {
      query: PoolLike["query"];
      release(error?: unknown): void;
    }
  >;
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
): Promise<PostgresSaver> {
  const saver = new PostgresSaver(
    kyselyPool(db) as unknown as pg.Pool,
    undefined,
    options.schema ? { schema: options.schema } : {},
  );
  await saver.setup();
  return saver;
}
