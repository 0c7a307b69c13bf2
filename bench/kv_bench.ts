/**
 * Durable delivery through the Deno KV transport against the engine's own
 * limit: a raw `kv.enqueue` -> `listenQueue` loop on the same kind of KV (a
 * file in a temp dir). Each case moves N messages from send to handled.
 *
 * `deno bench -A bench/kv_bench.ts` for Deno's table, or
 * `deno run -A bench/kv_bench.ts [N]` for messages/s and the ratios to raw.
 *
 * @module
 */
import { defineActor } from "../runtime/actor.ts";
import { KvTransport } from "../runtime/kv.ts";
import { MemoryStateStore } from "../runtime/memory_store.ts";
import { ActorSystem } from "../runtime/system.ts";
import type { Address } from "../runtime/actor.ts";
import type {
  Lease,
  Outgoing,
  Reply,
  Transport,
  TransportHandlers,
} from "../runtime/transport.ts";

const N = 2_000;

async function withKv<T>(fn: (kv: Deno.Kv) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "troupe-kv-bench-" });
  const kv = await Deno.openKv(`${dir}/kv.sqlite3`);
  try {
    return await fn(kv);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function counter(n: number): { done: Promise<void>; tick(): void } {
  let left = n;
  let resolve!: () => void;
  const done = new Promise<void>((r) => resolve = r);
  return {
    done,
    tick() {
      if (--left === 0) resolve();
    },
  };
}

/**
 * Wraps a transport to count the wake-ups posts scheduled and those
 * delivered, so a run ends only when the queue's work is done too (as the raw
 * loop's does), not merely when the mailbox drain has caught up.
 */
class Counted implements Transport {
  #inner: Transport;
  #expected = 0;
  #delivered = 0;
  #waiters: (() => void)[] = [];

  constructor(inner: Transport) {
    this.#inner = inner;
  }
  get nodeId(): string {
    return this.#inner.nodeId;
  }
  post(messages: readonly Outgoing[]): Promise<void> {
    const targets = new Set(
      messages.map((m) => `${m.target.kind}/${m.target.id}`),
    );
    return this.#inner.post(messages).then(() => {
      this.#expected += targets.size;
    });
  }
  postLater(message: Outgoing, delayMs: number): Promise<void> {
    return this.#inner.postLater(message, delayMs);
  }
  acquire(target: Address, ttlMs: number): Promise<Lease | undefined> {
    return this.#inner.acquire(target, ttlMs);
  }
  sendReply(reply: Reply): Promise<void> {
    return this.#inner.sendReply(reply);
  }
  listen(handlers: TransportHandlers): void {
    this.#inner.listen({
      wake: (target) => {
        this.#delivered++;
        if (this.#delivered >= this.#expected) {
          for (const w of this.#waiters.splice(0)) w();
        }
        return handlers.wake(target);
      },
      reply: (reply) => handlers.reply(reply),
    });
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
  /** Resolves once at least as many wake-ups were delivered as posts scheduled. */
  wakesDone(): Promise<void> {
    if (this.#delivered >= this.#expected) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** Raw queue: one awaited `kv.enqueue` per message. Returns ms. */
export function rawSequential(n = N): Promise<number> {
  return withKv(async (kv) => {
    const c = counter(n);
    kv.listenQueue(() => c.tick()).catch(() => {});
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await kv.enqueue({ i });
    await c.done;
    return performance.now() - t0;
  });
}

/** Raw queue: 100 enqueues per atomic commit. Returns ms. */
export function rawBatched(n = N): Promise<number> {
  return withKv(async (kv) => {
    const c = counter(n);
    kv.listenQueue(() => c.tick()).catch(() => {});
    const t0 = performance.now();
    for (let i = 0; i < n; i += 100) {
      const op = kv.atomic();
      for (let j = i; j < Math.min(n, i + 100); j++) op.enqueue({ i: j });
      await op.commit();
    }
    await c.done;
    return performance.now() - t0;
  });
}

/**
 * The transport alone: awaited `post` of one message at a time to `actors`
 * actors, drained by a minimal handler (acquire, read, ack, release).
 */
export function transportSequential(n = N, actors = 1): Promise<number> {
  return withKv(async (kv) => {
    const transport = new Counted(new KvTransport({ kv, nodeId: "bench" }));
    const c = counter(n);
    const lastSeq = new Map<string, number>();
    const busy = new Set<string>();
    const again = new Set<string>();
    const drain = async (target: Address): Promise<void> => {
      const key = `${target.kind}/${target.id}`;
      if (busy.has(key)) {
        again.add(key);
        return;
      }
      busy.add(key);
      try {
        const lease = await transport.acquire(target, 30_000);
        if (!lease) return;
        for (;;) {
          again.delete(key);
          const after = lastSeq.get(key) ?? 0;
          const batch = await lease.read(after, 100);
          if (batch.length > 0) {
            for (const _ of batch) c.tick();
            const last = batch.at(-1)!.seq;
            lastSeq.set(key, last);
            await lease.ack(last);
            continue;
          }
          if (again.has(key)) continue;
          if (await lease.release()) break;
        }
      } finally {
        busy.delete(key);
      }
    };
    const running = new Set<Promise<void>>();
    transport.listen({
      wake(target) {
        const p = drain(target);
        running.add(p);
        p.finally(() => running.delete(p));
        return p;
      },
      reply() {},
    });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await transport.post([{
        target: { kind: "b", id: String(i % actors) },
        message: { type: "m", i },
      }]);
    }
    await c.done;
    await transport.wakesDone();
    const ms = performance.now() - t0;
    await transport.close();
    while (running.size > 0) await Promise.allSettled([...running]);
    return ms;
  });
}

/**
 * Through the actor system: `tell` to `actors` durable actors, each message
 * committed to a (memory) state store. `awaitEach` awaits every tell (one
 * post per message); otherwise the system batches its posts.
 */
export function systemTells(
  n = N,
  actors = 1,
  awaitEach = true,
): Promise<number> {
  return withKv(async (kv) => {
    const transport = new Counted(new KvTransport({ kv, nodeId: "bench" }));
    const c = counter(n);
    const sink = defineActor<number, { type: "m"; i: number }>({
      kind: "sink",
      durable: true,
      initialState: () => 0,
      receive: (_ctx, s) => s + 1,
    });
    const system = new ActorSystem({
      behaviors: [sink],
      transport,
      store: new MemoryStateStore(),
      onEvent: (e) => {
        if (e.type === "processed") c.tick();
      },
    });
    system.start();
    const refs = Array.from(
      { length: actors },
      (_, i) => system.ref<{ type: "m"; i: number }>("sink", String(i)),
    );
    const t0 = performance.now();
    if (awaitEach) {
      for (let i = 0; i < n; i++) {
        await refs[i % actors]!.tell({ type: "m", i });
      }
    } else {
      const sent: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        sent.push(refs[i % actors]!.tell({ type: "m", i }));
      }
      await Promise.all(sent);
    }
    await c.done;
    await transport.wakesDone();
    const ms = performance.now() - t0;
    await system.shutdown();
    return ms;
  });
}

const BENCH_N = 500;

Deno.bench({
  name: "raw kv.enqueue -> listenQueue, awaited one by one",
  group: "sequential",
  baseline: true,
  n: 3,
  warmup: 1,
  async fn() {
    await rawSequential(BENCH_N);
  },
});
Deno.bench({
  name: "KvTransport post -> drain, awaited one by one (1 actor)",
  group: "sequential",
  n: 3,
  warmup: 1,
  async fn() {
    await transportSequential(BENCH_N, 1);
  },
});
Deno.bench({
  name: "ActorSystem tell over KvTransport, awaited one by one (1 actor)",
  group: "sequential",
  n: 3,
  warmup: 1,
  async fn() {
    await systemTells(BENCH_N, 1, true);
  },
});
Deno.bench({
  name: "ActorSystem tell over KvTransport, awaited one by one (100 actors)",
  group: "sequential",
  n: 3,
  warmup: 1,
  async fn() {
    await systemTells(BENCH_N, 100, true);
  },
});
Deno.bench({
  name: "raw kv.enqueue, 100 per atomic commit",
  group: "batched",
  baseline: true,
  n: 3,
  warmup: 1,
  async fn() {
    await rawBatched(BENCH_N);
  },
});
Deno.bench({
  name:
    "ActorSystem tell over KvTransport, not awaited (system batches posts, 100 actors)",
  group: "batched",
  n: 3,
  warmup: 1,
  async fn() {
    await systemTells(BENCH_N, 100, false);
  },
});

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? N);
  const rounds = Number(Deno.args[1] ?? 3);
  const cases: [string, () => Promise<number>][] = [
    ["raw sequential", () => rawSequential(n)],
    ["raw batched (100/commit)", () => rawBatched(n)],
    ["transport sequential, 1 actor", () => transportSequential(n, 1)],
    [
      "transport sequential, 100 actors (activation per message)",
      () => transportSequential(n, 100),
    ],
    ["system awaited tells, 1 actor", () => systemTells(n, 1, true)],
    ["system awaited tells, 100 actors", () => systemTells(n, 100, true)],
    ["system batched tells, 1 actor", () => systemTells(n, 1, false)],
    ["system batched tells, 100 actors", () => systemTells(n, 100, false)],
  ];
  // Rounds interleave the cases so a busy machine slows them alike; best of rounds.
  const best = new Map<string, number>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of cases) {
      const ms = await f();
      best.set(name, Math.min(best.get(name) ?? Infinity, ms));
    }
  }
  const rate = (name: string) => Math.round(n / (best.get(name)! / 1000));
  const raw = rate("raw sequential");
  const rawB = rate("raw batched (100/commit)");
  console.log(`N = ${n}, best of ${rounds} interleaved rounds`);
  for (const [name] of cases) {
    console.log(
      `${name.padEnd(36)} ${String(rate(name)).padStart(6)} msg/s  ${
        (rate(name) / raw * 100).toFixed(0).padStart(4)
      }% of raw sequential  ${
        (rate(name) / rawB * 100).toFixed(0).padStart(4)
      }% of raw batched`,
    );
  }
}
