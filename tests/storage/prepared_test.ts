import { assert } from "../deps.ts";
import { sql } from "kysely";
import { createBuild, getBuild } from "../../storage/builds.ts";
import type { Db } from "../../storage/schema.ts";
import { makeUser, openTestDatabase } from "./_db.ts";

/** The statements prepared on the connection that runs `fn`. */
async function preparedOn(
  db: Db,
  fn: (conn: Db) => Promise<unknown>,
): Promise<string[]> {
  return await db.connection().execute(async (conn) => {
    await fn(conn);
    const { rows } = await sql<{ statement: string }>`
      select statement from pg_prepared_statements`.execute(conn);
    return rows.map((r) => r.statement);
  });
}

Deno.test("prepared statements", async (t) => {
  await using tdb = await openTestDatabase();
  const db = tdb.db;

  await t.step("a repository read is prepared once and reused", async () => {
    const user = await makeUser(db, "prep@example.com");
    const build = await createBuild(db, {
      userId: user.id,
      project: "p",
      language: "typescript",
      requirements: "r",
      source: "api",
    }, { actorUserId: user.id });
    const statements = await preparedOn(db, async (conn) => {
      for (let i = 0; i < 3; i++) {
        assert.equal((await getBuild(conn, user.id, build.id))?.id, build.id);
      }
    });
    const reads = statements.filter((s) => /from "builds"/.test(s));
    assert.equal(reads.length, 1, statements.join("\n"));
  });

  await t.step(
    "transaction control and batch inserts stay unnamed",
    async () => {
      const statements = await preparedOn(db, async (conn) => {
        await sql`create temporary table batch (n int)`.execute(conn);
        await conn.transaction().execute(async (trx) => {
          await sql`insert into batch (n) values ${
            sql.join(Array.from({ length: 100 }, (_, i) => sql`(${i})`))
          }`.execute(trx);
        });
      });
      assert.ok(
        statements.every((s) => !/batch|begin|commit/i.test(s)),
        statements.join("\n"),
      );
    },
  );

  await t.step(
    "a select * prepared before a column was added still answers",
    async () => {
      const rows = await db.connection().execute(async (conn) => {
        await sql`create table widen (a int)`.execute(conn);
        await sql`insert into widen values (1)`.execute(conn);
        const select = () =>
          sql<Record<string, unknown>>`select * from widen where a > ${0}`
            .execute(conn);
        await select();
        await sql`alter table widen add column b int default 2`.execute(conn);
        return (await select()).rows;
      });
      assert.deepEqual(rows, [{ a: 1, b: 2 }]);
      await sql`drop table widen`.execute(db);
    },
  );

  await t.step(
    "inside a transaction the stale plan fails that transaction only",
    async () => {
      await db.connection().execute(async (conn) => {
        await sql`create table widen2 (a int)`.execute(conn);
        const select = (q: Db) =>
          sql`select * from widen2 where a > ${0}`.execute(q);
        await select(conn);
        await sql`alter table widen2 add column b int`.execute(conn);
        await assert.rejects(
          conn.transaction().execute((trx) => select(trx)),
          /cached plan/,
        );
        // Prepared again under a new name: the next use works.
        await conn.transaction().execute((trx) => select(trx));
      });
      await sql`drop table widen2`.execute(db);
    },
  );
});

Deno.test("preparedStatements: false sends every statement unnamed", async () => {
  await using tdb = await openTestDatabase({ preparedStatements: false });
  const user = await makeUser(tdb.db, "unnamed@example.com");
  const statements = await preparedOn(tdb.db, async (conn) => {
    await getBuild(conn, user.id, crypto.randomUUID());
    await getBuild(conn, user.id, crypto.randomUUID());
  });
  assert.deepEqual(statements, []);
});
