/**
 * Test databases for the storage suite (and anyone else who needs one).
 *
 * - Default: PGlite in a temp dir, copied from a fresh cluster that is made
 *   once per machine (initdb costs ~3.5 s; a copy ~0.3 s). The temp dir is
 *   removed on close.
 * - With `TEST_DATABASE_URL` set: a real server; each test database is a new
 *   `CREATE DATABASE troupe_test_*` dropped again on close.
 *
 * Open one per test file (one `Deno.test` with steps) and call `reset()`
 * between cases, or use {@link dbStep} which does it for you.
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { sql } from "kysely";
import { type Database, openDatabase } from "../../storage/db.ts";
import { migrateToLatest } from "../../storage/migrate.ts";
import { type Db, TABLES } from "../../storage/schema.ts";
import { createUser } from "../../storage/users.ts";
import { createBuild } from "../../storage/builds.ts";
import { omitUndefined } from "../../runtime/optional.ts";

/** Part of the template cache key; keep in step with deno.json. */
const PGLITE_VERSION = "0.5.14";

/** A database for one test file. */
export interface TestDatabase extends AsyncDisposable {
  readonly db: Db;
  readonly database: Database;
  readonly engine: Database["engine"];
  /** Empties every table of the schema. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

let template: Promise<string> | undefined;

/**
 * The directory of a freshly initialised PGlite cluster. Each test file runs
 * in its own isolate, so it is cached on disk (keyed by the PGlite version):
 * initdb (~3.5 s) runs once per machine, and each test database is a copy
 * (~0.3 s to copy and open, against ~1 s to load a dump into memory).
 */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const path = `${tmpDir()}/troupe-test-pglite-${PGLITE_VERSION}`;
    try {
      if ((await Deno.stat(`${path}/PG_VERSION`)).isFile) return path;
    } catch {
      // Not cached yet: make it.
    }
    const fresh = `${path}.${crypto.randomUUID()}.tmp`;
    const pglite = await PGlite.create(fresh);
    await pglite.close();
    try {
      await Deno.rename(fresh, path); // atomic: others never see half a cluster
    } catch {
      await Deno.remove(fresh, { recursive: true }); // another file won the race
    }
    return path;
  })();
  return template;
}

function tmpDir(): string {
  return Deno.env.get("TMPDIR") ?? "/tmp";
}

async function copyDir(from: string, to: string): Promise<void> {
  const { success, stderr } = await new Deno.Command("cp", {
    args: ["-R", from, to],
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`cp ${from} ${to}: ${new TextDecoder().decode(stderr)}`);
  }
}

/** The server URL tests should use, if any. */
export function testDatabaseUrl(): string | undefined {
  const url = Deno.env.get("TEST_DATABASE_URL");
  return url && url.trim() !== "" ? url.trim() : undefined;
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Opens a fresh database; migrated to the latest schema unless
 * `migrate: false`.
 *
 * @example
 * ```ts
 * await using tdb = await openTestDatabase();
 * await tdb.reset();
 * ```
 */
export async function openTestDatabase(
  options: {
    migrate?: boolean;
    poolSize?: number;
    preparedStatements?: boolean;
  } = {},
): Promise<TestDatabase> {
  const serverUrl = testDatabaseUrl();
  const prepared = options.preparedStatements === undefined
    ? {}
    : { preparedStatements: options.preparedStatements };
  let database: Database;
  let dropDatabase: (() => Promise<void>) | undefined;
  if (serverUrl === undefined) {
    const dir = await Deno.makeTempDir({ prefix: "troupe-test-db-" });
    dropDatabase = () => Deno.remove(dir, { recursive: true });
    try {
      await copyDir(await pgliteTemplate(), `${dir}/pg`);
      database = await openDatabase({
        pgliteDir: `${dir}/pg`,
        ...prepared,
      });
    } catch (error) {
      await dropDatabase();
      throw error;
    }
  } else {
    const name = `troupe_test_${crypto.randomUUID().replaceAll("-", "")}`;
    await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
    dropDatabase = () =>
      adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    try {
      database = await openDatabase({
        url: url.toString(),
        poolSize: options.poolSize ?? 20,
        ...prepared,
      });
    } catch (error) {
      await dropDatabase();
      throw error;
    }
  }
  if (options.migrate !== false) await migrateToLatest(database.db);
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      try {
        await database.close();
      } finally {
        await dropDatabase?.();
      }
    })();
  return {
    db: database.db,
    database,
    engine: database.engine,
    async reset() {
      // DELETE, not TRUNCATE: on a real server TRUNCATE swaps files and syncs
      // them, which costs far more than deleting a test's few rows.
      await sql.raw(TABLES.map((t) => `DELETE FROM ${t};`).join("\n"))
        .execute(database.db);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * A test step that starts from empty tables.
 *
 * @example
 * ```ts
 * Deno.test("users", async (t) => {
 *   await using tdb = await openTestDatabase();
 *   await dbStep(t, tdb, "creates a user", async (db) => {});
 * });
 * ```
 */
export function dbStep(
  t: Deno.TestContext,
  tdb: TestDatabase,
  name: string,
  fn: (db: Db) => Promise<void>,
): Promise<boolean> {
  return t.step(name, async () => {
    await tdb.reset();
    await fn(tdb.db);
  });
}

/** Runs one step of a {@link dbSuite}; the step starts from empty tables. */
export type DbSuiteStep = (
  name: string,
  fn: (db: Db) => Promise<void>,
) => Promise<boolean>;

/**
 * One `Deno.test` over a fresh database (closed at the end), whose steps each
 * start from empty tables: the usual shape of a repository's test file.
 *
 * @example
 * ```ts
 * dbSuite("users repository", async (step) => {
 *   await step("creates a user", async (db) => {
 *     await makeUser(db, "ada@example.com");
 *   });
 * });
 * ```
 */
export function dbSuite(
  name: string,
  fn: (step: DbSuiteStep) => Promise<void>,
): void {
  Deno.test(name, async (t) => {
    await using tdb = await openTestDatabase();
    await fn((stepName, stepFn) => dbStep(t, tdb, stepName, stepFn));
  });
}

/** Fixed instants for tests that pass `now`. */
export const T0 = new Date("2026-01-01T00:00:00.000Z");

/** `T0` plus `ms` milliseconds. */
export function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

/** The system, acting at {@link T0}. */
export const SYSTEM_AT_T0 = { actorUserId: null, now: T0 } as const;

/** Creates a user with defaults (test fixture). */
export async function makeUser(
  db: Db,
  email: string,
  extra: { role?: "user" | "admin"; disabled?: boolean } = {},
): Promise<{ id: string; email: string }> {
  return await createUser(db, {
    email,
    name: email.split("@")[0] ?? email,
    ...extra,
  }, SYSTEM_AT_T0);
}

/** Creates a build with defaults (test fixture). */
export async function makeBuild(
  db: Db,
  userId: string,
  extra: { project?: string; now?: Date; id?: string } = {},
): Promise<{ id: string; userId: string; createdAt: Date }> {
  return await createBuild(db, {
    userId,
    project: extra.project ?? "todo-api",
    language: "typescript",
    requirements: "a REST API for todos",
    source: "api",
    ...omitUndefined({ id: extra.id }),
  }, { actorUserId: userId, now: extra.now ?? T0 });
}

/** Rows in a table (to prove nothing partial was written). */
export async function countRows(
  db: Db,
  table: typeof TABLES[number],
): Promise<number> {
  const row = await db.selectFrom(table).select((eb) =>
    eb.fn.countAll<number>().as("n")
  ).executeTakeFirstOrThrow();
  return Number(row.n);
}
