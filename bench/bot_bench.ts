/**
 * Telegram updates handled per second through the chat actors, across 1,000
 * chats, against the fake Bot API on loopback: grammY long-polls the fake,
 * each update is told to its chat's durable actor, the actor answers
 * (`/help`: a linked-account lookup in PostgreSQL, the rate limit, a reply)
 * and the reply goes out through the outbox. A round ends when the fake has
 * received all 1,000 replies, so nothing queued-but-unsent is counted.
 *
 * Telegram's own limits are switched off in the outbox here (per-chat
 * interval 0, no global cap): this measures Troupe's pipeline, not the
 * 30 messages/s Telegram would allow.
 *
 * Two set-ups: the memory transport and state store, and the production pair
 * (Deno KV transport, PostgreSQL state store; PGlite unless TEST_DATABASE_URL).
 *
 * `deno bench -A bench/bot_bench.ts` for Deno's table, or
 * `deno run -A bench/bot_bench.ts` for updates/s.
 *
 * @module
 */
import { ActorSystem } from "../runtime/system.ts";
import { MemoryTransport } from "../runtime/memory_transport.ts";
import { MemoryStateStore } from "../runtime/memory_store.ts";
import { KvTransport } from "../runtime/kv.ts";
import type { StateStore } from "../runtime/store.ts";
import type { Transport } from "../runtime/transport.ts";
import { PostgresStateStore } from "../storage/state_store.ts";
import { createBot, dbChatData, type TelegramBot } from "../bot/mod.ts";
import { FakeTelegram } from "../tests/fakes/telegram.ts";
import { openTestDatabase, type TestDatabase } from "../tests/storage/_db.ts";

const CHATS = 1_000;

interface Rig {
  round(): Promise<number>;
  close(): Promise<void>;
}

async function setup(
  tdb: TestDatabase,
  kind: "memory" | "kv+postgres",
): Promise<Rig> {
  const tg = await FakeTelegram.start();
  const pollerKv = await Deno.openKv(":memory:");
  const transportKv = kind === "memory"
    ? undefined
    : await Deno.openKv(":memory:");
  const transport: Transport = transportKv
    ? new KvTransport({ kv: transportKv, nodeId: "bench" })
    : new MemoryTransport({ nodeId: "bench" });
  const store: StateStore = kind === "memory"
    ? new MemoryStateStore()
    : new PostgresStateStore(tdb.db);
  const telegram: TelegramBot = createBot({
    token: tg.token,
    apiRoot: tg.apiRoot,
    data: dbChatData(tdb.db),
    kv: pollerKv,
    nodeId: "bench",
    outbox: { perChatIntervalMs: 0, globalPerSecond: Infinity },
    polling: { pollTimeoutSeconds: 1, leaseMs: 10_000 },
    rateLimitPerMinute: 1_000_000,
  });
  const system = new ActorSystem({
    behaviors: [telegram.chatBehavior],
    transport,
    store,
  });
  system.start();
  await telegram.start(system);
  let sent = 0;
  return {
    async round() {
      const start = performance.now();
      for (let chat = 1; chat <= CHATS; chat++) tg.sendText(chat, "/help");
      sent += CHATS;
      await tg.waitFor(() => (tg.succeeded.get("sendMessage") ?? 0) >= sent, {
        timeoutMs: 600_000,
      });
      return performance.now() - start;
    },
    async close() {
      await telegram.stop();
      await system.shutdown();
      pollerKv.close();
      transportKv?.close();
      await tg.close();
    },
  };
}

const tdb = await openTestDatabase();
const rigs = {
  memory: await setup(tdb, "memory"),
  "kv+postgres": await setup(tdb, "kv+postgres"),
};

if (import.meta.main) {
  for (const [name, rig] of Object.entries(rigs)) {
    await rig.round(); // warm-up: activations, JIT, connections
    const times: number[] = [];
    for (let i = 0; i < 3; i++) times.push(await rig.round());
    const best = Math.min(...times);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    console.log(
      `${name.padEnd(12)} ${CHATS} chats: ${
        (CHATS / (mean / 1000)).toFixed(0)
      } updates/s mean, ${(CHATS / (best / 1000)).toFixed(0)} best (round ${
        mean.toFixed(0)
      } ms mean)`,
    );
    await rig.close();
  }
  await tdb.close();
} else {
  for (const [name, rig] of Object.entries(rigs)) {
    Deno.bench({
      name: `${CHATS} updates over ${CHATS} chats (${name})`,
      n: 3,
      warmup: 1,
      async fn() {
        await rig.round();
      },
    });
  }
}
