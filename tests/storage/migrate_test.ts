import { assert } from "../deps.ts";
import { sql } from "kysely";
import {
  migrateCommand,
  migrateDown,
  migrateToLatest,
  migrationStatus,
} from "../../storage/migrate.ts";
import { migrations } from "../../storage/migrations/mod.ts";
import { TABLES } from "../../storage/schema.ts";
import { openTestDatabase } from "./_db.ts";
import type { Db } from "../../storage/schema.ts";

async function tables(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_name not like 'kysely_%'
    order by 1`.execute(db);
  return rows.map((r) => r.name);
}

async function indexes(db: Db): Promise<Map<string, string>> {
  const { rows } = await sql<{ name: string; def: string }>`
    select indexname as name, indexdef as def from pg_indexes
    where schemaname = current_schema()`.execute(db);
  return new Map(rows.map((r) => [r.name, r.def]));
}

Deno.test("migrations", async (t) => {
  await using tdb = await openTestDatabase({ migrate: false });
  const db = tdb.db;
  const all = Object.keys(migrations);

  await t.step("a fresh database has every migration pending", async () => {
    assert.deepEqual(await tables(db), []);
    const status = await migrationStatus(db);
    assert.deepEqual(status.map((s) => s.name), all);
    assert.ok(status.every((s) => s.executedAt === undefined));
  });

  await t.step(
    "up creates every table of the schema; a second run does nothing",
    async () => {
      assert.deepEqual(await migrateToLatest(db), all);
      assert.deepEqual(await tables(db), [...TABLES].sort());
      assert.deepEqual(await migrateToLatest(db), []);
      assert.ok(
        (await migrationStatus(db)).every((s) => s.executedAt instanceof Date),
      );
    },
  );

  await t.step(
    "there is an index for each query the platform makes",
    async () => {
      const defs = await indexes(db);
      const expect = (name: string, pattern: RegExp) => {
        const def = defs.get(name);
        assert.ok(def, `missing index ${name}`);
        assert.match(def, pattern);
      };
      expect(
        "builds_user_id_created_at_idx",
        /\(user_id, created_at DESC, id DESC\)/,
      );
      expect("builds_status_idx", /\(status\)/);
      expect("build_events_pkey", /\(build_id, seq\)/);
      expect("audit_logs_created_at_idx", /\(created_at\)/);
      expect(
        "audit_logs_actor_user_id_created_at_idx",
        /\(actor_user_id, created_at\)/,
      );
      expect("audit_logs_action_idx", /\(action\)/);
      expect("memories_expires_at_idx", /\(expires_at\)/);
      expect("memories_user_id_key_unique", /UNIQUE.*\(user_id, key\)/);
      expect("api_keys_prefix_unique", /UNIQUE.*\(prefix\)/);
      expect("users_email_unique", /UNIQUE.*\(email\)/);
      expect(
        "code_analyses_build_id_unique",
        /UNIQUE.*\(build_id\) WHERE \(build_id IS NOT NULL\)/,
      );
      expect(
        "vector_memories_collection_chroma_id_unique",
        /UNIQUE.*\(collection, chroma_id\)/,
      );
      expect("vector_memories_build_id_idx", /\(build_id\)/);
      expect("vector_memories_user_id_idx", /\(user_id\)/);
      expect("actor_state_pkey", /\(kind, id\)/);
    },
  );

  await t.step(
    "foreign keys delete or detach children as designed",
    async () => {
      const { rows } = await sql<{ child: string; rule: string }>`
      select tc.table_name || '.' || kcu.column_name as child, rc.delete_rule as rule
      from information_schema.referential_constraints rc
      join information_schema.table_constraints tc on tc.constraint_name = rc.constraint_name
      join information_schema.key_column_usage kcu on kcu.constraint_name = rc.constraint_name
      where tc.table_schema = current_schema()
      order by 1`.execute(db);
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.child, r.rule])), {
        "api_keys.user_id": "CASCADE",
        "audit_logs.actor_user_id": "SET NULL",
        "build_events.build_id": "CASCADE",
        "builds.user_id": "CASCADE",
        "code_analyses.build_id": "CASCADE",
        "code_analyses.user_id": "CASCADE",
        "evals.created_by": "SET NULL",
        "memories.user_id": "CASCADE",
        "telegram_link_codes.user_id": "CASCADE",
        "telegram_users.user_id": "SET NULL",
        "vector_memories.build_id": "CASCADE",
        "vector_memories.user_id": "CASCADE",
      });
    },
  );

  await t.step(
    "down reverts everything and up works again (round trip)",
    async () => {
      assert.deepEqual(await migrateDown(db, "all"), [...all].reverse());
      assert.deepEqual(await tables(db), []);
      assert.deepEqual(await migrateDown(db, 1), []);
      assert.deepEqual(await migrateToLatest(db), all);
      assert.deepEqual(await tables(db), [...TABLES].sort());
      assert.deepEqual(await migrateDown(db, 1), [all.at(-1)]);
      assert.deepEqual(await migrateToLatest(db), [all.at(-1)]);
    },
  );

  await t.step(
    "the migrate command reports status, applies and reverts",
    async () => {
      const lines: string[] = [];
      const write = (l: string) => lines.push(l);
      assert.equal(await migrateCommand(db, ["status"], write), 0);
      assert.match(lines.at(-7)!, /^applied {2}0001_initial {2}\d{4}-/);
      assert.match(lines.at(-6)!, /^applied {2}0002_auth_changes {2}\d{4}-/);
      assert.match(lines.at(-5)!, /^applied {2}0003_actor_transport {2}\d{4}-/);
      assert.match(lines.at(-4)!, /^applied {2}0004_build_model {2}\d{4}-/);
      assert.match(lines.at(-3)!, /^applied {2}0005_evals {2}\d{4}-/);
      assert.match(
        lines.at(-2)!,
        /^applied {2}0006_telegram_pollers {2}\d{4}-/,
      );
      assert.match(lines.at(-1)!, /^applied {2}0007_cluster_nodes {2}\d{4}-/);
      assert.equal(await migrateCommand(db, ["up"], write), 0);
      assert.equal(lines.at(-1), "schema is up to date");
      assert.equal(await migrateCommand(db, ["down", "zero"], write), 2);
      assert.equal(await migrateCommand(db, ["sideways"], write), 2);
      assert.equal(await migrateCommand(db, ["down", "all"], write), 0);
      assert.equal(lines.at(-1), "reverted 0001_initial");
      assert.equal(await migrateCommand(db, ["status"], write), 0);
      assert.deepEqual(lines.slice(-7), [
        "pending  0001_initial",
        "pending  0002_auth_changes",
        "pending  0003_actor_transport",
        "pending  0004_build_model",
        "pending  0005_evals",
        "pending  0006_telegram_pollers",
        "pending  0007_cluster_nodes",
      ]);
      assert.equal(await migrateCommand(db, [], write), 0);
      assert.deepEqual(lines.slice(-7), [
        "applied  0001_initial",
        "applied  0002_auth_changes",
        "applied  0003_actor_transport",
        "applied  0004_build_model",
        "applied  0005_evals",
        "applied  0006_telegram_pollers",
        "applied  0007_cluster_nodes",
      ]);
    },
  );
});
