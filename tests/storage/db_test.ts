import { assert } from "../deps.ts";
import { sql } from "kysely";
import { parseConfig } from "../../config.ts";
import {
  openDatabase,
  openDatabaseFromConfig,
  redactDatabaseUrl,
} from "../../storage/db.ts";
import { DatabaseUnavailableError } from "../../storage/errors.ts";
import { migrateToLatest } from "../../storage/migrate.ts";
import { createUser, getUserByEmail } from "../../storage/users.ts";
import { openTestDatabase } from "./_db.ts";

Deno.test("embedded PGlite keeps its data in DATA_DIR/pg across restarts", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-db-test-" });
  try {
    const config = parseConfig({ DATA_DIR: dataDir });
    {
      await using first = await openDatabaseFromConfig(config);
      assert.equal(first.engine, "pglite");
      assert.equal(first.target, `PGlite at ${dataDir}/pg`);
      await migrateToLatest(first.db);
      await createUser(first.db, { email: "Ada@Example.com", name: "Ada" }, {
        actorUserId: null,
      });
    }
    assert.ok((await Deno.stat(`${dataDir}/pg/PG_VERSION`)).isFile);
    await using second = await openDatabaseFromConfig(config);
    assert.deepEqual(await migrateToLatest(second.db), []);
    const ada = await getUserByEmail(second.db, "ada@example.com");
    assert.equal(ada?.name, "Ada");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("an unreachable server is reported with its host, without the password, and how to start PostgreSQL", async () => {
  const error = await openDatabase({
    url: "postgres://troupe:hunter2secret@127.0.0.1:1/troupe",
    connectTimeoutMs: 2000,
  }).then(
    () => assert.fail("expected openDatabase to fail"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof DatabaseUnavailableError, String(error));
  assert.equal(error.target, "postgres://127.0.0.1:1/troupe");
  assert.match(error.message, /127\.0\.0\.1:1/);
  assert.match(error.message, /Start it/);
  assert.match(error.message, /DATABASE_URL/);
  assert.doesNotMatch(error.message, /hunter2secret/);
  assert.doesNotMatch(error.message, /troupe:/);
});

Deno.test("redactDatabaseUrl keeps host, port and database but no credentials", () => {
  assert.equal(
    redactDatabaseUrl(
      "postgres://bob:s3cret@db.internal:6543/troupe?sslmode=require",
    ),
    "postgres://db.internal:6543/troupe",
  );
  assert.equal(
    redactDatabaseUrl("postgresql://db/troupe"),
    "postgresql://db:5432/troupe",
  );
  assert.doesNotMatch(redactDatabaseUrl("not a url with s3cret"), /s3cret/);
});

Deno.test("int8 values come back as numbers, and unsafe ones are refused", async () => {
  await using tdb = await openTestDatabase({ migrate: false });
  const { rows } = await sql<{ n: number; big: number }>`
    select count(*) as n, 9007199254740991::int8 as big`.execute(tdb.db);
  assert.deepEqual(rows, [{ n: 1, big: Number.MAX_SAFE_INTEGER }]);
  await assert.rejects(
    sql`select 9007199254740993::int8 as too_big`.execute(tdb.db),
    RangeError,
  );
  await tdb.database.ping();
});

Deno.test("a PGlite directory that cannot be created is reported with what to check", async () => {
  const dir = await Deno.makeTempDir({ prefix: "troupe-db-test-" });
  try {
    await Deno.writeTextFile(`${dir}/file`, "not a directory");
    const error = await openDatabase({ pgliteDir: `${dir}/file/pg` }).then(
      () => assert.fail("expected openDatabase to fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DatabaseUnavailableError, String(error));
    assert.equal(error.target, `PGlite at ${dir}/file/pg`);
    assert.match(error.message, /DATA_DIR/);
    assert.match(error.message, /DATABASE_URL/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
