/**
 * The Telegram poller's storage cost: one poll cycle's writes (renew the
 * lease, then commit the offset under its fence) per store, as a ratio to
 * the in-memory store measured in the same run. The poller makes one such
 * cycle per getUpdates answer (at most a few a second), so this shows the
 * headroom, not a bottleneck.
 *
 * Stores: memory (baseline), Deno KV (a file in a temp dir, as a node on the
 * kv transport), PostgreSQL (PGlite, or a real server with
 * TEST_DATABASE_URL, as a node on the postgres transport).
 *
 * `deno run -A bench/poller_store_bench.ts` prints cycles/s and ratios.
 *
 * @module
 */
import { MemoryPollerStore, type PollerStore } from "../bot/poller_store.ts";
import { KvPollerStore } from "../bot/poller_store_kv.ts";
import { PgPollerStore } from "../storage/telegram_pollers.ts";
import { openTestDatabase } from "../tests/storage/_db.ts";

const CYCLES = Number(Deno.env.get("CYCLES") ?? 500);

async function cyclesPerSecond(store: PollerStore): Promise<number> {
  const first = await store.acquire({
    botId: 1,
    nodeId: "bench",
    heldFence: undefined,
    now: Date.now(),
    ttlMs: 60_000,
  });
  if (first.type !== "leader") throw new Error("no lease");
  const started = performance.now();
  for (let i = 0; i < CYCLES; i++) {
    const renewed = await store.acquire({
      botId: 1,
      nodeId: "bench",
      heldFence: first.fence,
      now: Date.now(),
      ttlMs: 60_000,
    });
    if (renewed.type !== "leader" || !renewed.renewed) {
      throw new Error("lease lost");
    }
    if (!(await store.commitOffset(1, "bench", first.fence, i + 1))) {
      throw new Error("commit refused");
    }
  }
  return CYCLES / ((performance.now() - started) / 1000);
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir({ prefix: "troupe-poller-bench-" });
  const kv = await Deno.openKv(`${dir}/kv.sqlite3`);
  await using tdb = await openTestDatabase();
  try {
    const memory = await cyclesPerSecond(new MemoryPollerStore());
    const rows: [string, number][] = [
      ["memory (baseline)", memory],
      ["Deno KV (file)", await cyclesPerSecond(new KvPollerStore({ kv }))],
      [
        `PostgreSQL (${tdb.engine})`,
        await cyclesPerSecond(new PgPollerStore(tdb.db)),
      ],
    ];
    console.log(`poll cycles (renew + commit), ${CYCLES} each`);
    for (const [name, rate] of rows) {
      console.log(
        `${name.padEnd(24)} ${rate.toFixed(0).padStart(9)} cycles/s  ${
          (rate / memory).toExponential(2)
        } x baseline`,
      );
    }
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}
