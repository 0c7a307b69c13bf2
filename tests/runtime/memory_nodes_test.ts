import { defineActor } from "../../runtime/actor.ts";
import { ManualClock } from "../../runtime/clock.ts";
import type { RuntimeEvent } from "../../runtime/events.ts";
import { MemoryStateStore } from "../../runtime/memory_store.ts";
import { MemoryTransport } from "../../runtime/memory_transport.ts";
import { ActorSystem } from "../../runtime/system.ts";
import { assert, fc } from "../deps.ts";

type Msg = { type: "add"; from: string; i: number } | { type: "get" };
interface State {
  count: number;
  bySender: Record<string, number[]>;
  fences: number[];
}

Deno.test("two nodes sharing a memory backend never run one actor twice at once and lose nothing", async () => {
  const clock = new ManualClock(0);
  const store = new MemoryStateStore();
  const t1 = new MemoryTransport({ clock, nodeId: "n1" });
  const t2 = t1.peer("n2");
  const active = new Set<string>();
  let overlaps = 0;
  const acc = defineActor<State, Msg>({
    kind: "acc",
    durable: true,
    initialState: () => ({ count: 0, bySender: {}, fences: [] }),
    async receive(ctx, state, msg) {
      if (msg.type === "get") {
        ctx.reply(state);
        return state;
      }
      if (active.has(ctx.self.id)) overlaps++;
      active.add(ctx.self.id);
      if (msg.i % 7 === 0) await new Promise((r) => setTimeout(r, 0));
      active.delete(ctx.self.id);
      const last = state.fences.at(-1);
      return {
        count: state.count + 1,
        bySender: {
          ...state.bySender,
          [msg.from]: [...(state.bySender[msg.from] ?? []), msg.i],
        },
        fences: last === ctx.fence
          ? state.fences
          : [...state.fences, ctx.fence],
      };
    },
  });
  const events: Record<string, RuntimeEvent[]> = { n1: [], n2: [] };
  const make = (transport: MemoryTransport) => {
    const system = new ActorSystem({
      behaviors: [acc],
      transport,
      store,
      clock,
      onEvent: (e) => events[transport.nodeId]!.push(e),
    });
    system.start();
    return system;
  };
  const a = make(t1);
  const b = make(t2);
  const ids = Array.from({ length: 10 }, (_, i) => `x${i}`);
  const sent: Promise<void>[] = [];
  for (let i = 0; i < 100; i++) {
    for (const id of ids) {
      sent.push(a.ref<Msg>("acc", id).tell({ type: "add", from: "a", i }));
      sent.push(b.ref<Msg>("acc", id).tell({ type: "add", from: "b", i }));
    }
  }
  await Promise.all(sent);
  const in0To99 = Array.from({ length: 100 }, (_, i) => i);
  for (const id of ids) {
    const state = await a.ref<Msg>("acc", id).ask<State>({ type: "get" });
    assert.equal(state.count, 200, id);
    assert.deepEqual(state.bySender.a, in0To99);
    assert.deepEqual(state.bySender.b, in0To99);
  }
  assert.equal(overlaps, 0);
  const activatedOn = (node: string) =>
    events[node]!.filter((e) => e.type === "activated").length;
  assert.ok(activatedOn("n1") > 0 && activatedOn("n2") > 0);

  // Node 1 leaves: its actors move to node 2 with their state.
  await a.shutdown();
  for (const id of ids) {
    await b.ref<Msg>("acc", id).tell({ type: "add", from: "late", i: 0 });
  }
  for (const id of ids) {
    const state = await b.ref<Msg>("acc", id).ask<State>({ type: "get" });
    assert.equal(state.count, 201, id);
    const sorted = [...state.fences].sort((x, y) => x - y);
    assert.deepEqual(state.fences, sorted, "fences only grow");
  }
  assert.equal(overlaps, 0);
  await b.shutdown();
  t1.dispose();
});

Deno.test("a wake-up for an actor leased by a node that went silent is served after the lease expires", async () => {
  const clock = new ManualClock(0);
  const store = new MemoryStateStore();
  const t1 = new MemoryTransport({ clock, nodeId: "n1" });
  const t2 = t1.peer("n2");
  const counter = defineActor<number, { type: "inc" } | { type: "get" }>({
    kind: "c",
    durable: true,
    initialState: () => 0,
    receive(ctx, n, msg) {
      if (msg.type === "get") ctx.reply(n);
      return msg.type === "inc" ? n + 1 : n;
    },
  });
  // A node that takes the lease and then never renews it (as if frozen).
  const stuck = await t2.acquire({ kind: "c", id: "a" }, 1000);
  assert.ok(stuck);
  const system = new ActorSystem({
    behaviors: [counter],
    transport: t1,
    store,
    clock,
    leaseTtlMs: 1000,
  });
  system.start();
  const ref = system.ref<{ type: "inc" } | { type: "get" }>("c", "a");
  await ref.tell({ type: "inc" });
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(system.activations, 0, "the lease is held elsewhere");
  const answer = ref.ask({ type: "get" }, { timeoutMs: 60_000 });
  await clock.advance(1000);
  assert.equal(await answer, 1);
  assert.equal(await stuck.renew(), false);
  await system.shutdown();
  t1.dispose();
});

Deno.test("an activation whose commit loses to another writer drops the turn; a fresh activation applies it once", async () => {
  const clock = new ManualClock(0);
  const store = new MemoryStateStore();
  const transport = new MemoryTransport({ clock, nodeId: "n1" });
  const events: RuntimeEvent[] = [];
  const counter = defineActor<number, { type: "inc" } | { type: "get" }>({
    kind: "c",
    durable: true,
    initialState: () => 0,
    receive(ctx, n, msg) {
      if (msg.type === "get") ctx.reply(n);
      return msg.type === "inc" ? n + 1 : n;
    },
  });
  const system = new ActorSystem({
    behaviors: [counter],
    transport,
    store,
    clock,
    leaseTtlMs: 1000,
    onEvent: (e) => events.push(e),
  });
  system.start();
  const ref = system.ref<{ type: "inc" } | { type: "get" }>("c", "a");
  await ref.tell({ type: "inc" });
  assert.equal(await ref.ask({ type: "get" }), 1);
  // Someone else commits behind this activation's back.
  const stored = await store.load("c", "a");
  await store.save("c", "a", {
    state: 10,
    lastSeq: stored!.lastSeq,
    fence: 99,
  }, stored!.version);
  await ref.tell({ type: "inc" });
  await new Promise((r) => setTimeout(r, 0));
  const stopped = events.find((e) => e.type === "stopped");
  assert.match(stopped?.type === "stopped" ? stopped.reason : "", /stale/);
  await clock.advance(1000); // the stale lease expires; the message is delivered again
  assert.equal(await ref.ask({ type: "get" }, { timeoutMs: 60_000 }), 11);
  await system.shutdown();
  transport.dispose();
});

Deno.test("property: with failures, passivations and two nodes, every message changes state exactly once, in sender order", async () => {
  type Step =
    | { kind: "send"; node: 0 | 1; actor: number; fail: boolean }
    | { kind: "idle" };
  type PMsg =
    | { type: "add"; from: string; i: number; fail: string | null }
    | { type: "get" };
  const step = fc.oneof(
    {
      weight: 9,
      arbitrary: fc.record({
        kind: fc.constant("send" as const),
        node: fc.constantFrom(0 as const, 1 as const),
        actor: fc.integer({ min: 0, max: 2 }),
        fail: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "idle" as const }) },
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(step, { minLength: 1, maxLength: 40 }),
      async (steps: Step[]) => {
        const clock = new ManualClock(0);
        const store = new MemoryStateStore();
        const t1 = new MemoryTransport({ clock, nodeId: "n1" });
        const failed = new Set<string>();
        const kind = defineActor<Record<string, number[]>, PMsg>({
          kind: "p",
          durable: true,
          idleTimeoutMs: 100,
          supervision: {
            maxAttempts: 3,
            maxRestarts: 1000, // each message fails at most once: no intensity stop
            backoff: { initialMs: 0, maxMs: 0, factor: 1, jitter: 0 },
          },
          initialState: () => ({}),
          receive(ctx, state, msg) {
            if (msg.type === "get") {
              ctx.reply(state);
              return state;
            }
            if (msg.fail && !failed.has(msg.fail)) {
              failed.add(msg.fail);
              throw new Error("transient");
            }
            return {
              ...state,
              [msg.from]: [...(state[msg.from] ?? []), msg.i],
            };
          },
        });
        const systems = [t1, t1.peer("n2")].map((transport) => {
          const s = new ActorSystem({
            behaviors: [kind],
            transport,
            store,
            clock,
          });
          s.start();
          return s;
        });
        const sent: Record<string, Record<string, number[]>> = {};
        const counters = [0, 0];
        const pending: Promise<void>[] = [];
        for (const [n, s] of steps.entries()) {
          if (s.kind === "idle") {
            await Promise.all(pending);
            await clock.advance(200);
            continue;
          }
          const from = `n${s.node}`;
          const i = counters[s.node]!++;
          const id = `a${s.actor}`;
          ((sent[id] ??= {})[from] ??= []).push(i);
          pending.push(
            systems[s.node]!.ref<PMsg>("p", id).tell({
              type: "add",
              from,
              i,
              fail: s.fail ? `m${n}` : null,
            }),
          );
        }
        await Promise.all(pending);
        for (const id of ["a0", "a1", "a2"]) {
          const state = await systems[0]!.ref<PMsg>("p", id).ask<
            Record<string, number[]>
          >({ type: "get" });
          assert.deepEqual(state, sent[id] ?? {});
        }
        for (const s of systems) await s.shutdown();
        t1.dispose();
      },
    ),
    { numRuns: 40 },
  );
});
