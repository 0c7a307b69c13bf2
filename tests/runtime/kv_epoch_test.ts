import { defineActor } from "../../runtime/actor.ts";
import { KvTransport } from "../../runtime/kv.ts";
import { reconcileKvEpoch } from "../../runtime/kv_epoch.ts";
import type { Logger } from "../../runtime/logger.ts";
import { MemoryStateStore } from "../../runtime/memory_store.ts";
import type { StateStore } from "../../runtime/store.ts";
import { ActorSystem } from "../../runtime/system.ts";
import { assert } from "../deps.ts";

type Msg = { type: "add" } | { type: "get" };
const counter = defineActor<number, Msg>({
  kind: "tally",
  durable: true,
  initialState: () => 0,
  receive(ctx, n, msg) {
    if (msg.type === "get") ctx.reply(n);
    return msg.type === "add" ? n + 1 : n;
  },
});

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    warn: (message) => lines.push(`warn ${message}`),
    error: (message) => lines.push(`error ${message}`),
  };
}

async function removeKvFiles(path: string): Promise<void> {
  for (const suffix of ["", "-wal", "-shm"]) {
    await Deno.remove(`${path}${suffix}`).catch(() => {});
  }
}

/** A node: KV at `path`, the shared store, seqs continuing from the store. */
async function startNode(path: string, store: StateStore) {
  const kv = await Deno.openKv(path);
  const logger = recordingLogger();
  const check = await reconcileKvEpoch({ kv, store, logger, location: path });
  const transport = new KvTransport({
    kv,
    pollIntervalMs: 10,
    logger,
    seqFloor: async (t) => (await store.load(t.kind, t.id))?.lastSeq ?? 0,
  });
  const system = new ActorSystem({ behaviors: [counter], transport, store });
  system.start();
  return {
    check,
    logger,
    system,
    async stop() {
      await system.shutdown();
      kv.close();
    },
  };
}

Deno.test("after the KV file is lost, messages to actors the store knows are all processed, and the loss is logged", async () => {
  const dir = await Deno.makeTempDir({ prefix: "troupe-epoch-" });
  const path = `${dir}/kv.sqlite3`;
  const store = new MemoryStateStore();
  try {
    const first = await startNode(path, store);
    assert.equal(first.check.type, "new");
    const ref = first.system.ref<Msg>("tally", "a");
    for (let i = 0; i < 10; i++) await ref.tell({ type: "add" });
    assert.equal(await ref.ask({ type: "get" }), 10);
    assert.equal((await store.load("tally", "a"))?.lastSeq, 11);
    await first.stop();

    const again = await startNode(path, store);
    assert.equal(again.check.type, "same");
    assert.deepEqual(again.logger.lines, []);
    await again.stop();

    await removeKvFiles(path);
    const second = await startNode(path, store);
    assert.equal(second.check.type, "kv_replaced");
    assert.equal(second.logger.lines.length, 1);
    assert.match(second.logger.lines[0]!, /^warn .*Deno KV store at .* is new/);
    const ref2 = second.system.ref<Msg>("tally", "a");
    await Promise.all(
      Array.from({ length: 10 }, () => ref2.tell({ type: "add" })),
    );
    // Answered at once (no message taken for an old one and skipped).
    assert.equal(await ref2.ask({ type: "get" }, { timeoutMs: 5_000 }), 20);
    assert.equal((await store.load("tally", "a"))?.lastSeq, 22);
    await second.stop();
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("a new state store under an existing KV store is reported, and nodes starting together agree on one epoch", async () => {
  const dir = await Deno.makeTempDir({ prefix: "troupe-epoch-" });
  const path = `${dir}/kv.sqlite3`;
  const kvs = await Promise.all([Deno.openKv(path), Deno.openKv(path)]);
  try {
    const store = new MemoryStateStore();
    const logger = recordingLogger();
    const checks = await Promise.all(
      kvs.map((kv) => reconcileKvEpoch({ kv, store, logger })),
    );
    assert.equal(checks[0]!.epoch, checks[1]!.epoch);
    // The second sees the first's epoch in KV, and in the store if it was saved.
    for (const c of checks) {
      assert.ok(c.type === "new" || c.type === "same", c.type);
    }
    assert.deepEqual(logger.lines, []);
    // Later (the KV's epoch is an hour old), against a store that never saw it.
    const later = () => Date.now() + 3_600_000;
    const other = new MemoryStateStore();
    const replaced = await reconcileKvEpoch({
      kv: kvs[0]!,
      store: other,
      logger,
      now: later,
    });
    assert.equal(replaced.type, "store_replaced");
    assert.equal(replaced.epoch, checks[0]!.epoch);
    assert.equal(logger.lines.length, 1);
    assert.match(logger.lines[0]!, /state store is new or was replaced/);
    const now = await reconcileKvEpoch({
      kv: kvs[0]!,
      store: other,
      logger,
      now: later,
    });
    assert.equal(now.type, "same");
  } finally {
    for (const kv of kvs) kv.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
