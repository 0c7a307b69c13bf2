import { defineActor } from "../../runtime/actor.ts";
import { ManualClock } from "../../runtime/clock.ts";
import type { RuntimeEvent } from "../../runtime/events.ts";
import { ActorFailedError } from "../../runtime/errors.ts";
import { MemoryStateStore } from "../../runtime/memory_store.ts";
import { MemoryTransport } from "../../runtime/memory_transport.ts";
import type {
  DeadLetter,
  StateStore,
  StoredState,
} from "../../runtime/store.ts";
import { ActorSystem } from "../../runtime/system.ts";
import { assert } from "../deps.ts";

type Msg =
  | { type: "inc" }
  | { type: "poison" }
  | { type: "get" }
  | { type: "arm"; ms: number }
  | { type: "disarm" };

const kind = defineActor<{ n: number; fn?: () => void }, Msg>({
  kind: "d",
  durable: true,
  idleTimeoutMs: 10_000,
  supervision: {
    maxAttempts: 2,
    backoff: { initialMs: 5, maxMs: 5, factor: 1, jitter: 0 },
  },
  initialState: () => ({ n: 0 }),
  receive(ctx, state, msg) {
    switch (msg.type) {
      case "inc":
        return { n: state.n + 1 };
      case "poison":
        return { ...state, fn: () => {} }; // a state no store can keep
      case "get":
        ctx.reply(state.n);
        return state;
      case "arm":
        ctx.setTimer("t", { type: "inc" }, msg.ms);
        return state;
      case "disarm":
        ctx.cancelTimer("t");
        return state;
    }
  },
});

/** A store that can be switched off, to see the runtime ride out an outage. */
class FlakyStore implements StateStore {
  down = false;
  constructor(readonly inner: StateStore) {}
  #check(): void {
    if (this.down) throw new Error("store unavailable");
  }
  load(k: string, id: string): Promise<StoredState | undefined> {
    this.#check();
    return this.inner.load(k, id);
  }
  save(
    k: string,
    id: string,
    snapshot: { state: unknown; lastSeq: number; fence: number },
    expected: number,
  ): Promise<number> {
    this.#check();
    return this.inner.save(k, id, snapshot, expected);
  }
  deadLetter(letter: DeadLetter): Promise<void> {
    this.#check();
    return this.inner.deadLetter(letter);
  }
  deadLetters(filter?: { kind?: string; limit?: number }) {
    return this.inner.deadLetters(filter);
  }
}

function setup(store: StateStore = new MemoryStateStore()) {
  const clock = new ManualClock(0);
  const transport = new MemoryTransport({ clock });
  const events: RuntimeEvent[] = [];
  const system = new ActorSystem({
    behaviors: [kind],
    transport,
    store,
    clock,
    leaseTtlMs: 3000,
    onEvent: (e) => events.push(e),
  });
  system.start();
  const ref = system.ref<Msg>("d", "a");
  const stop = async () => {
    await system.shutdown();
    transport.dispose();
  };
  return { clock, transport, events, system, ref, stop };
}

Deno.test("a state the store cannot keep fails the turn and ends in the dead-letter store", async () => {
  const store = new MemoryStateStore();
  const { clock, ref, events, stop } = setup(store);
  await ref.tell({ type: "inc" });
  await ref.tell({ type: "poison" });
  const after = ref.ask({ type: "get" });
  await new Promise((r) => setTimeout(r, 0));
  await clock.advance(5);
  assert.equal(await after, 1);
  const letters = await store.deadLetters();
  assert.equal(letters.length, 1);
  assert.deepEqual(letters[0]!.message, { type: "poison" });
  assert.match(letters[0]!.error, /DataCloneError|could not be cloned/);
  assert.equal(events.filter((e) => e.type === "failed").length, 2);
  await stop();
});

Deno.test("a store outage ends the activation; it resumes after the lease expires, nothing lost", async () => {
  const store = new FlakyStore(new MemoryStateStore());
  const { clock, ref, events, transport, stop } = setup(store);
  await ref.tell({ type: "inc" });
  assert.equal(await ref.ask({ type: "get" }), 1);
  await clock.advance(10_000); // passivate
  store.down = true;
  await ref.tell({ type: "inc" });
  await new Promise((r) => setTimeout(r, 0));
  const crashed = events.filter((e) => e.type === "stopped");
  assert.equal(crashed.length, 1);
  assert.equal(transport.mailboxSize({ kind: "d", id: "a" }), 1);
  store.down = false;
  const answer = ref.ask({ type: "get" });
  await clock.advance(3000);
  assert.equal(await answer, 2);
  await stop();
});

Deno.test("durable timers post to the actor's own mailbox, can be cancelled, and die at passivation", async () => {
  const { clock, ref, system, stop } = setup();
  await ref.tell({ type: "arm", ms: 100 });
  await ref.ask({ type: "get" });
  await clock.advance(100);
  assert.equal(await ref.ask({ type: "get" }), 1);
  await ref.tell({ type: "arm", ms: 100 });
  await ref.tell({ type: "disarm" });
  await ref.ask({ type: "get" });
  await clock.advance(200);
  assert.equal(await ref.ask({ type: "get" }), 1);
  await ref.tell({ type: "arm", ms: 20_000 });
  await ref.ask({ type: "get" });
  await clock.advance(15_000);
  assert.equal(system.activations, 0);
  await clock.advance(10_000);
  assert.equal(system.activations, 0);
  assert.equal(await ref.ask({ type: "get" }), 1);
  await stop();
});

Deno.test("the lease is renewed while the actor is busy, so it never changes hands", async () => {
  const { clock, ref, events, stop } = setup();
  for (let t = 0; t < 20; t++) {
    await ref.tell({ type: "inc" });
    await clock.advance(1000); // 20 s in all against a 3 s lease
  }
  assert.equal(await ref.ask({ type: "get" }), 20);
  assert.equal(events.filter((e) => e.type === "activated").length, 1);
  assert.equal(events.filter((e) => e.type === "stopped").length, 0);
  await stop();
});

Deno.test("escalate with no parent stops the actor and dead-letters the message; its ask fails", async () => {
  const clock = new ManualClock(0);
  const transport = new MemoryTransport({ clock });
  const events: RuntimeEvent[] = [];
  const letters: DeadLetter[] = [];
  const orphan = defineActor<number, { type: "boom" } | { type: "get" }>({
    kind: "orphan",
    durable: true,
    supervision: { strategy: "escalate" },
    initialState: () => 0,
    receive(ctx, n, msg) {
      if (msg.type === "boom") throw new Error("no one to tell");
      ctx.reply(n);
      return n;
    },
  });
  const system = new ActorSystem({
    behaviors: [orphan],
    transport,
    clock,
    onEvent: (e) => events.push(e),
    onDeadLetter: (l) => letters.push(l),
  });
  system.start();
  const ref = system.ref<{ type: "boom" } | { type: "get" }>("orphan", "a");
  await assert.rejects(ref.ask({ type: "boom" }), ActorFailedError);
  assert.equal(letters.length, 1);
  const stopped = events.find((e) => e.type === "stopped");
  assert.match(stopped?.type === "stopped" ? stopped.reason : "", /no parent/);
  assert.equal(await ref.ask({ type: "get" }), 0);
  await system.shutdown();
  transport.dispose();
});
