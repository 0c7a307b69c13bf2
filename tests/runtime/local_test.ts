import {
  type ChildFailure,
  type ChildStrategy,
  defineActor,
} from "../../runtime/actor.ts";
import { ManualClock } from "../../runtime/clock.ts";
import {
  ActorFailedError,
  AskTimeoutError,
  SystemStoppedError,
} from "../../runtime/errors.ts";
import type { RuntimeEvent } from "../../runtime/events.ts";
import { MemoryStateStore } from "../../runtime/memory_store.ts";
import { ActorSystem } from "../../runtime/system.ts";
import type { DeadLetter } from "../../runtime/store.ts";
import { assert } from "../deps.ts";

type Msg =
  | { type: "push"; i: number }
  | { type: "get" }
  | { type: "boom" }
  | { type: "tick" }
  | { type: "arm"; ms: number }
  | { type: "disarm" };

const recorder = defineActor<number[], Msg>({
  kind: "recorder",
  durable: false,
  idleTimeoutMs: 1000,
  supervision: {
    maxAttempts: 2,
    backoff: { initialMs: 0, maxMs: 0, factor: 1, jitter: 0 },
  },
  initialState: () => [],
  receive(ctx, log, msg) {
    switch (msg.type) {
      case "push":
        return [...log, msg.i];
      case "get":
        ctx.reply(log);
        return log;
      case "boom":
        throw new Error("boom");
      case "tick":
        return [...log, -1];
      case "arm":
        ctx.setTimer("t", { type: "tick" }, msg.ms);
        return log;
      case "disarm":
        ctx.cancelTimer("t");
        return log;
    }
  },
});

function setup(extra: Parameters<typeof defineActor>[0][] = []) {
  const clock = new ManualClock(0);
  const events: RuntimeEvent[] = [];
  const letters: DeadLetter[] = [];
  const system = new ActorSystem({
    behaviors: [recorder, ...extra],
    clock,
    store: new MemoryStateStore(),
    onEvent: (e) => events.push(e),
    onDeadLetter: (l) => letters.push(l),
  });
  return { clock, events, letters, system };
}

Deno.test("local kind processes tells from one sender in order without the transport", async () => {
  const { system } = setup();
  const ref = system.ref<Msg>("recorder", "a");
  for (let i = 0; i < 10_000; i++) ref.tell({ type: "push", i });
  const log = await ref.ask<number[]>({ type: "get" });
  assert.equal(log.length, 10_000);
  assert.ok(log.every((v, i) => v === i));
  await system.shutdown();
});

Deno.test("local actors process messages one at a time even when receive is async", async () => {
  let inside = 0;
  let overlaps = 0;
  const slow = defineActor<number, { type: "work" } | { type: "get" }>({
    kind: "slow",
    durable: false,
    initialState: () => 0,
    async receive(ctx, n, msg) {
      if (msg.type === "get") {
        ctx.reply(n);
        return n;
      }
      if (++inside > 1) overlaps++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      inside--;
      return n + 1;
    },
  });
  const { system } = setup([slow]);
  const ref = system.ref<{ type: "work" } | { type: "get" }>("slow", "a");
  for (let i = 0; i < 20; i++) ref.tell({ type: "work" });
  assert.equal(await ref.ask({ type: "get" }), 20);
  assert.equal(overlaps, 0);
  await system.shutdown();
});

Deno.test("local actor passivates after its idle timeout and starts fresh", async () => {
  const { system, clock, events } = setup();
  const ref = system.ref<Msg>("recorder", "a");
  await ref.tell({ type: "push", i: 1 });
  await ref.ask({ type: "get" });
  await clock.advance(999);
  assert.equal(system.activations, 1);
  await clock.advance(1);
  assert.equal(system.activations, 0);
  assert.deepEqual(
    events.map((e) => e.type).filter((t) =>
      t === "activated" || t === "passivated"
    ),
    [
      "activated",
      "passivated",
    ],
  );
  assert.deepEqual(await ref.ask({ type: "get" }), []);
  await system.shutdown();
});

Deno.test("activity postpones passivation", async () => {
  const { system, clock } = setup();
  const ref = system.ref<Msg>("recorder", "a");
  await ref.tell({ type: "push", i: 1 });
  for (let i = 0; i < 5; i++) {
    await clock.advance(600);
    await ref.tell({ type: "push", i });
  }
  assert.equal(system.activations, 1);
  await clock.advance(2000);
  assert.equal(system.activations, 0);
  await system.shutdown();
});

Deno.test("timers fire on the clock, can be cancelled, and die with the activation", async () => {
  const { system, clock } = setup();
  const ref = system.ref<Msg>("recorder", "a");
  await ref.tell({ type: "arm", ms: 100 });
  await clock.advance(100);
  assert.deepEqual(await ref.ask({ type: "get" }), [-1]);
  await ref.tell({ type: "arm", ms: 100 });
  await ref.tell({ type: "disarm" });
  await clock.advance(200);
  assert.deepEqual(await ref.ask({ type: "get" }), [-1]);
  await ref.tell({ type: "arm", ms: 5000 });
  await clock.advance(1500); // passivated at 1000 idle
  assert.equal(system.activations, 0);
  await clock.advance(5000);
  assert.equal(system.activations, 0);
  assert.equal(clock.pending, 0);
  await system.shutdown();
});

Deno.test("a failing local message restarts with fresh state, then is dead-lettered", async () => {
  const { system, events, letters } = setup();
  const ref = system.ref<Msg>("recorder", "a");
  await ref.tell({ type: "push", i: 1 });
  await assert.rejects(ref.ask({ type: "boom" }), ActorFailedError);
  assert.equal(letters.length, 1);
  assert.deepEqual(letters[0]!.message, { type: "boom" });
  assert.equal(letters[0]!.attempts, 2);
  assert.equal(events.filter((e) => e.type === "failed").length, 2);
  assert.equal(events.filter((e) => e.type === "restarted").length, 1);
  await ref.tell({ type: "push", i: 2 });
  assert.deepEqual(await ref.ask({ type: "get" }), [2]);
  await system.shutdown();
});

Deno.test("a local ask with no reply times out on the clock", async () => {
  const { system, clock } = setup();
  const asked = system.ref<Msg>("recorder", "a").ask(
    { type: "push", i: 1 },
    { timeoutMs: 50 },
  );
  const check = assert.rejects(asked, AskTimeoutError);
  await clock.advance(50);
  await check;
  await system.shutdown();
});

type TreeMsg =
  | { type: "spawn"; id: string }
  | { type: "fail"; id: string }
  | { type: "get" };

function tree(children: ChildStrategy, told: ChildFailure[]) {
  const parent = defineActor<null, TreeMsg>({
    kind: "parent",
    durable: false,
    supervision: { children },
    initialState: () => null,
    receive(ctx, state, msg) {
      if (msg.type === "spawn") {
        ctx.spawn<Msg>("child", msg.id).tell({ type: "push", i: 1 });
      }
      if (msg.type === "fail") {
        ctx.spawn<Msg>("child", msg.id).tell({ type: "boom" });
      }
      if (msg.type === "get") ctx.reply(told.length);
      return state;
    },
    childFailed(_ctx, state, failure) {
      told.push(failure);
      return state;
    },
  });
  const child = defineActor<number[], Msg>({
    ...recorder,
    kind: "child",
    supervision: {
      strategy: "escalate",
      maxAttempts: 2,
      backoff: { initialMs: 0, maxMs: 0, factor: 1, jitter: 0 },
    },
  });
  return [parent, child];
}

for (
  const [strategy, kept] of [
    ["one_for_one", ["a", "c"]],
    ["one_for_all", []],
    ["rest_for_one", ["a"]],
  ] as const
) {
  Deno.test(`${strategy} among local children resets the right siblings' state`, async () => {
    const told: ChildFailure[] = [];
    const { system } = setup(tree(strategy, told));
    const parent = system.ref<TreeMsg>("parent", "p");
    for (const id of ["a", "b", "c"]) await parent.tell({ type: "spawn", id });
    await parent.tell({ type: "fail", id: "b" });
    await parent.ask({ type: "get" });
    const states: Record<string, number[]> = {};
    for (const id of ["a", "b", "c"]) {
      states[id] = await system.ref<Msg>("child", id).ask<number[]>({
        type: "get",
      });
    }
    assert.deepEqual(told.map((f) => [f.child.id, f.outcome]), [
      ["b", "escalated"],
      ["b", "dead_lettered"],
    ]);
    assert.deepEqual(states.b, []);
    for (const id of ["a", "c"]) {
      assert.deepEqual(
        states[id],
        (kept as readonly string[]).includes(id) ? [1] : [],
        id,
      );
    }
    await system.shutdown();
  });
}

Deno.test("shutdown fails asks that were queued but never processed", async () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => open = resolve);
  const gated = defineActor<number, { type: "wait" } | { type: "get" }>({
    kind: "gated",
    durable: false,
    initialState: () => 0,
    async receive(ctx, n, msg) {
      if (msg.type === "wait") await gate;
      ctx.reply(n);
      return n + 1;
    },
  });
  const { system } = setup([gated]);
  const ref = system.ref<{ type: "wait" } | { type: "get" }>("gated", "a");
  const first = ref.ask({ type: "wait" });
  const queued = ref.ask({ type: "get" });
  await new Promise((resolve) => setTimeout(resolve, 0));
  const stopping = system.shutdown();
  await assert.rejects(ref.tell({ type: "get" }), SystemStoppedError);
  open();
  assert.equal(await first, 0);
  await assert.rejects(queued, SystemStoppedError);
  await stopping;
});

Deno.test("local reminders are delivered on the clock and re-activate the actor", async () => {
  const reminding = defineActor<
    number,
    { type: "later" } | { type: "ping" } | { type: "get" }
  >({
    kind: "reminding",
    durable: false,
    idleTimeoutMs: 10,
    initialState: () => 0,
    async receive(ctx, n, msg) {
      if (msg.type === "later") await ctx.remind({ type: "ping" }, 100);
      if (msg.type === "get") ctx.reply(n);
      return msg.type === "ping" ? n + 1 : n;
    },
  });
  const { system, clock } = setup([reminding]);
  const ref = system.ref<
    { type: "later" } | { type: "ping" } | { type: "get" }
  >("reminding", "a");
  await ref.tell({ type: "later" });
  await clock.advance(50);
  assert.equal(system.activations, 0);
  await clock.advance(50);
  assert.equal(await ref.ask({ type: "get" }), 1);
  await system.shutdown();
});

Deno.test("an error escaping supervision ends only that activation; the system keeps going", async () => {
  const clock = new ManualClock(0);
  const system = new ActorSystem({
    behaviors: [recorder],
    clock,
    onEvent: (e) => {
      // A hook must not throw; this one does, for one actor.
      if (e.type === "processed" && e.id === "bad") throw new Error("hook");
    },
  });
  const bad = system.ref<Msg>("recorder", "bad");
  bad.tell({ type: "push", i: 1 });
  const lost = bad.ask({ type: "get" });
  await assert.rejects(lost, ActorFailedError);
  const good = system.ref<Msg>("recorder", "good");
  await good.tell({ type: "push", i: 1 });
  assert.deepEqual(await good.ask({ type: "get" }), [1]);
  await system.shutdown();
});

Deno.test("an initialState that throws rejects the tell instead of throwing", async () => {
  const broken = defineActor<number, { type: "x" }>({
    kind: "broken",
    durable: false,
    initialState: () => {
      throw new Error("no state");
    },
    receive: (_ctx, n) => n,
  });
  const system = new ActorSystem({
    behaviors: [broken],
    clock: new ManualClock(0),
  });
  await assert.rejects(
    system.ref<{ type: "x" }>("broken", "a").tell({ type: "x" }),
    /no state/,
  );
  await assert.rejects(
    system.ref<{ type: "x" }>("broken", "a").ask({ type: "x" }),
    /no state/,
  );
  await system.shutdown();
});
