/**
 * `deno task dlq retry` opens KV itself when no node runs. It must make the
 * node's checks: with the KV store lost, the re-sent message gets a seq after
 * what PostgreSQL committed for that actor (so it is not taken for one
 * already processed), and the lost KV is reported.
 */
import { join } from "node:path";
import { parseConfig } from "../../config.ts";
import { main } from "../../main.ts";
import { mailboxPrefix } from "../../runtime/_kv_keys.ts";
import { openDatabaseFromConfig } from "../../storage/db.ts";
import { migrateToLatest } from "../../storage/migrate.ts";
import { PostgresStateStore } from "../../storage/state_store.ts";
import { assert } from "../deps.ts";

Deno.test("dlq retry on a lost KV continues the actor's seqs from PostgreSQL", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-cli-dlq-" });
  const config = parseConfig({ DATA_DIR: dataDir, LOG_LEVEL: "error" });
  const target = { kind: "session", id: "u-lost-kv" };
  try {
    const database = await openDatabaseFromConfig(config);
    try {
      await migrateToLatest(database.db);
      const store = new PostgresStateStore(database.db);
      // The actor processed 41 messages; then its 42nd was dead-lettered.
      await store.save(target.kind, target.id, {
        state: {},
        lastSeq: 41,
        fence: 0,
      }, 0);
      await store.deadLetter({
        ...target,
        seq: 42,
        message: { type: "ping" },
        error: "boom",
        attempts: 3,
        at: Date.now(),
      });
      // A node ran once with a KV store: the state store knows its epoch.
      await store.save("troupe.runtime", "kv-epoch", {
        state: { epoch: "an-older-kv" },
        lastSeq: 0,
        fence: 0,
      }, 0);
    } finally {
      await database.close();
    }
    // The KV file is gone (never written here): a lost KV store.
    const lines: string[] = [];
    const code = await main(["dlq", "retry", "1"], {
      config,
      write: (line) => lines.push(line),
    });
    assert.equal(code, 0, lines.join("\n"));
    assert.ok(
      lines.some((l) => /warning: the Deno KV store .* is new/.test(l)),
      lines.join("\n"),
    );

    const kv = await Deno.openKv(join(dataDir, "kv.sqlite3"));
    try {
      const seqs: unknown[] = [];
      for await (const entry of kv.list({ prefix: mailboxPrefix(target) })) {
        seqs.push(entry.key.at(-1));
      }
      assert.deepEqual(seqs, [42]);
    } finally {
      kv.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
