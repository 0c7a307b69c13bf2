/**
 * The behaviour every actor system keeps whatever its transport and store:
 * run it from a `*_test.ts` file with a factory for a fresh backend.
 *
 * ```ts
 * import { systemConformance } from "./system_conformance.ts";
 * systemConformance("memory", () => {
 *   const clock = new ManualClock(0);
 *   const transport = new MemoryTransport({ clock });
 *   return { transport, store: new MemoryStateStore(), clock, cleanup: () => transport.dispose() };
 * });
 * ```
 *
 * Waiting is by condition (real time, for transports with real latency);
 * time-dependent behaviour is driven by the `ManualClock`.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { z } from "zod";
import {
  type ActorContext,
  type Behavior,
  type ChildFailure,
  type ChildStrategy,
  defineActor,
  type SupervisionPolicy,
} from "../../runtime/actor.ts";
import type { ManualClock } from "../../runtime/clock.ts";
import {
  ActorFailedError,
  AskTimeoutError,
  InvalidMessageError,
  SystemStoppedError,
  UnknownKindError,
} from "../../runtime/errors.ts";
import type { RuntimeEvent } from "../../runtime/events.ts";
import type { DeadLetter, StateStore } from "../../runtime/store.ts";
import { ActorSystem } from "../../runtime/system.ts";
import type { Transport } from "../../runtime/transport.ts";
import { assert } from "../deps.ts";

/** A fresh backend for one test. */
export interface SystemEnv {
  transport: Transport;
  store: StateStore;
  /** Given to the transport too: leases and delays the suite controls. */
  clock: ManualClock;
  /**
   * A new transport on the same backend, for a system started after the first
   * one shut down (a transport that cannot listen twice needs this). Default:
   * `transport` again.
   */
  reopen?: () => Transport | Promise<Transport>;
  /** Frees the backend after the systems were shut down. */
  cleanup(): void | Promise<void>;
}

// deno-lint-ignore no-explicit-any
type AnyBehavior = Behavior<any, any>;

interface Harness {
  system: ActorSystem;
  events: RuntimeEvent[];
  letters: DeadLetter[];
  count(type: RuntimeEvent["type"], id?: string): number;
}

function harness(
  env: SystemEnv,
  behaviors: AnyBehavior[],
  transport: Transport = env.transport,
): Harness {
  const events: RuntimeEvent[] = [];
  const letters: DeadLetter[] = [];
  const system = new ActorSystem({
    behaviors,
    transport,
    store: env.store,
    clock: env.clock,
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    onDeadLetter: (l) => letters.push(l),
  });
  system.start();
  return {
    system,
    events,
    letters,
    count: (type, id) =>
      events.filter((e) => e.type === type && (id === undefined || e.id === id))
        .length,
  };
}

/** Waits (in real time) until `condition` holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, i < 20 ? 0 : 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Lets pending deliveries happen, for checks that something did NOT happen. */
async function quiet(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

type CounterMsg =
  | { type: "add"; n: number }
  | { type: "get" }
  | { type: "push"; i: number };
interface CounterState {
  n: number;
  log: number[];
}

function counter(
  kind: string,
  extra: Partial<Behavior<CounterState, CounterMsg>> = {},
): Behavior<CounterState, CounterMsg> {
  return defineActor<CounterState, CounterMsg>({
    kind,
    durable: true,
    initialState: () => ({ n: 0, log: [] }),
    receive(ctx, state, msg) {
      switch (msg.type) {
        case "add":
          return { ...state, n: state.n + msg.n };
        case "push":
          state.log.push(msg.i);
          return state;
        case "get":
          ctx.reply(state);
          return state;
      }
    },
    ...extra,
  });
}

/** A kind whose `fail` message throws `times` times (counted outside the state). */
type FlakyMsg =
  | { type: "fail"; key: string; times: number }
  | { type: "mark"; key: string; times: number }
  | { type: "get" };
function flaky(
  kind: string,
  supervision: Partial<SupervisionPolicy>,
  failures: Map<string, number>,
  extra: Partial<Behavior<{ marks: string[] }, FlakyMsg>> = {},
): Behavior<{ marks: string[] }, FlakyMsg> {
  return defineActor<{ marks: string[] }, FlakyMsg>({
    kind,
    durable: true,
    initialState: () => ({ marks: [] }),
    supervision,
    receive(ctx, state, msg) {
      if (msg.type === "get") {
        ctx.reply(state);
        return state;
      }
      // Mutate in place before failing: a restart must not keep this.
      state.marks.push(msg.key);
      const seen = failures.get(msg.key) ?? 0;
      failures.set(msg.key, seen + 1);
      if (seen < msg.times) throw new Error(`${msg.key} failure ${seen + 1}`);
      return state;
    },
    ...extra,
  });
}

const fastBackoff = { initialMs: 10, maxMs: 10, factor: 1, jitter: 0 };

/** Registers the conformance tests under `name`. */
export function systemConformance(
  name: string,
  makeEnv: () => SystemEnv | Promise<SystemEnv>,
): void {
  async function withEnv(
    fn: (env: SystemEnv, systems: ActorSystem[]) => Promise<void>,
  ): Promise<void> {
    const env = await makeEnv();
    const systems: ActorSystem[] = [];
    try {
      await fn(env, systems);
    } finally {
      for (const s of systems) await s.shutdown();
      await env.cleanup();
    }
  }

  function test(
    title: string,
    fn: (env: SystemEnv, systems: ActorSystem[]) => Promise<void>,
  ) {
    Deno.test(`${name}: ${title}`, () => withEnv(fn));
  }

  test(
    "processes 1000 tells from one sender in send order",
    async (env, systems) => {
      const h = harness(env, [counter("ordered")]);
      systems.push(h.system);
      const ref = h.system.ref<CounterMsg>("ordered", "a");
      const sent: Promise<void>[] = [];
      for (let i = 0; i < 1000; i++) sent.push(ref.tell({ type: "push", i }));
      await Promise.all(sent);
      const state = await ref.ask<CounterState>({ type: "get" });
      assert.deepEqual(state.log, Array.from({ length: 1000 }, (_, i) => i));
    },
  );

  test(
    "ask resolves with the reply sent after the state commits",
    async (env, systems) => {
      const h = harness(env, [counter("asked")]);
      systems.push(h.system);
      const ref = h.system.ref<CounterMsg>("asked", "a");
      await ref.tell({ type: "add", n: 2 });
      await ref.tell({ type: "add", n: 3 });
      const state = await ref.ask<CounterState>({ type: "get" });
      assert.equal(state.n, 5);
      const stored = await env.store.load("asked", "a");
      assert.equal((stored?.state as CounterState).n, 5);
      assert.ok(stored!.lastSeq >= 3);
    },
  );

  test(
    "ask rejects with AskTimeoutError when no reply comes in time",
    async (env, systems) => {
      const silent = defineActor<number, { type: "noop" }>({
        kind: "silent",
        durable: true,
        initialState: () => 0,
        receive: (_ctx, n) => n + 1,
      });
      const h = harness(env, [silent]);
      systems.push(h.system);
      const ref = h.system.ref<{ type: "noop" }>("silent", "a");
      const asked = ref.ask({ type: "noop" }, { timeoutMs: 1000 });
      let settled = false;
      asked.then(() => settled = true, () => settled = true);
      await until(() => h.count("processed") === 1, "the noop to be processed");
      await env.clock.advance(999);
      assert.equal(settled, false);
      const rejection = assert.rejects(asked, (error: unknown) => {
        assert.ok(error instanceof AskTimeoutError);
        assert.equal(error.timeoutMs, 1000);
        assert.equal(error.messageType, "noop");
        return true;
      });
      await env.clock.advance(1);
      await rejection;
    },
  );

  test(
    "passivates when idle and re-activates with its state intact",
    async (env, systems) => {
      const h = harness(env, [counter("idler", { idleTimeoutMs: 1000 })]);
      systems.push(h.system);
      const ref = h.system.ref<CounterMsg>("idler", "a");
      await ref.tell({ type: "add", n: 7 });
      assert.equal((await ref.ask<CounterState>({ type: "get" })).n, 7);
      assert.equal(h.count("passivated"), 0);
      // Let the turn's trailing work (ack, mailbox re-read) finish, so the idle
      // timer is armed before time moves.
      await quiet();
      await env.clock.advance(1500);
      await until(() => h.count("passivated") === 1, "passivation");
      assert.equal(h.system.activations, 0);
      assert.equal((await ref.ask<CounterState>({ type: "get" })).n, 7);
      assert.equal(h.count("activated"), 2);
    },
  );

  test(
    "restart strategy discards in-memory state and retries the message",
    async (env, systems) => {
      const failures = new Map<string, number>();
      const h = harness(env, [
        flaky("restarter", {
          strategy: "restart",
          maxAttempts: 5,
          maxRestarts: 10,
          backoff: fastBackoff,
        }, failures),
      ]);
      systems.push(h.system);
      const ref = h.system.ref<FlakyMsg>("restarter", "a");
      await ref.tell({ type: "fail", key: "x", times: 2 });
      await until(() => h.count("failed") === 1, "first failure");
      await env.clock.advance(10);
      await until(() => h.count("failed") === 2, "second failure");
      await env.clock.advance(10);
      const state = await ref.ask<{ marks: string[] }>({ type: "get" });
      assert.deepEqual(state.marks, ["x"]);
      assert.equal(failures.get("x"), 3);
      assert.equal(h.count("restarted"), 2);
      assert.equal(h.letters.length, 0);
    },
  );

  test(
    "backoff delays grow exponentially on the clock, with jitter from the injected randomness",
    async (env, systems) => {
      const failures = new Map<string, number>();
      const events: RuntimeEvent[] = [];
      const system = new ActorSystem({
        behaviors: [
          flaky("backoff", {
            strategy: "restart",
            maxAttempts: 10,
            maxRestarts: 10,
            backoff: { initialMs: 100, maxMs: 300, factor: 2, jitter: 0.5 },
          }, failures),
        ],
        transport: env.transport,
        store: env.store,
        clock: env.clock,
        random: () => 1, // the top of the jitter band: +50 %
        onEvent: (e) => events.push(e),
      });
      systems.push(system);
      system.start();
      const failed = () => events.filter((e) => e.type === "failed").length;
      await system.ref<FlakyMsg>("backoff", "a").tell({
        type: "fail",
        key: "k",
        times: 3,
      });
      // min(300, 100 * 2^(n-1)) * 1.5: 150, 300, 450
      for (const [n, delay] of [[1, 150], [2, 300], [3, 450]] as const) {
        await until(() => failed() === n, `failure ${n}`);
        await env.clock.advance(delay - 1);
        await quiet();
        assert.equal(failed(), n, `retried before ${delay} ms`);
        await env.clock.advance(1);
      }
      await until(() => failures.get("k") === 4, "the successful attempt");
      const delays = events.flatMap((e) =>
        e.type === "restarted" ? [e.delayMs] : []
      );
      assert.deepEqual(delays, [150, 300, 450]);
    },
  );

  test(
    "stop strategy dead-letters the message and stops; the next message re-activates",
    async (env, systems) => {
      const failures = new Map<string, number>();
      const h = harness(env, [
        flaky("stopper", { strategy: "stop", maxAttempts: 5 }, failures),
      ]);
      systems.push(h.system);
      const ref = h.system.ref<FlakyMsg>("stopper", "a");
      await ref.tell({ type: "mark", key: "before", times: 0 });
      await ref.tell({ type: "fail", key: "boom", times: 99 });
      await until(() => h.count("stopped") === 1, "stop");
      assert.equal(h.letters.length, 1);
      assert.equal(h.letters[0]!.attempts, 1);
      assert.deepEqual(h.letters[0]!.message, {
        type: "fail",
        key: "boom",
        times: 99,
      });
      const state = await ref.ask<{ marks: string[] }>({ type: "get" });
      assert.deepEqual(state.marks, ["before"]);
      assert.equal(failures.get("boom"), 1);
      assert.ok(h.count("activated") >= 2);
    },
  );

  test(
    "a message that fails maxAttempts times is dead-lettered, the handler told, and processing goes on",
    async (env, systems) => {
      const failures = new Map<string, number>();
      const h = harness(env, [
        flaky("dead", {
          strategy: "restart",
          maxAttempts: 2,
          maxRestarts: 10,
          backoff: fastBackoff,
        }, failures),
      ]);
      systems.push(h.system);
      const ref = h.system.ref<FlakyMsg>("dead", "a");
      const asked = ref.ask({ type: "fail", key: "poison", times: 99 });
      const rejected = assert.rejects(asked, ActorFailedError);
      await until(() => h.count("failed") === 1, "first failure");
      await env.clock.advance(10);
      await rejected;
      assert.equal(failures.get("poison"), 2);
      assert.equal(h.letters.length, 1);
      assert.match(h.letters[0]!.error, /poison failure 2/);
      const stored = await env.store.deadLetters({ kind: "dead" });
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.attempts, 2);
      assert.equal(stored[0]!.seq, h.letters[0]!.seq);
      await ref.tell({ type: "mark", key: "after", times: 0 });
      const state = await ref.ask<{ marks: string[] }>({ type: "get" });
      assert.deepEqual(state.marks, ["after"]);
      assert.equal(h.count("dead_lettered"), 1);
    },
  );

  test(
    "restart intensity: more than maxRestarts within withinMs stops the actor and tells the parent",
    async (env, systems) => {
      const failures = new Map<string, number>();
      const told: ChildFailure[] = [];
      const parent = supervisorKind("intense-parent", "one_for_one", told);
      const h = harness(env, [
        parent,
        flaky("intense", {
          strategy: "restart",
          maxAttempts: 100,
          maxRestarts: 2,
          withinMs: 10_000,
          backoff: fastBackoff,
        }, failures),
      ]);
      systems.push(h.system);
      await h.system.ref<SupMsg>("intense-parent", "p").tell({
        type: "spawn",
        kind: "intense",
        id: "c",
        message: { type: "fail", key: "always", times: 1000 },
      });
      await until(() => h.count("failed") === 1, "failure 1");
      await env.clock.advance(10);
      await until(() => h.count("failed") === 2, "failure 2");
      await env.clock.advance(10);
      await until(() => h.count("stopped", "c") === 1, "stop");
      assert.equal(h.count("failed"), 3);
      assert.equal(h.count("restarted", "c"), 2);
      const stopped = h.events.find((e) => e.type === "stopped");
      assert.match(
        stopped?.type === "stopped" ? stopped.reason : "",
        /intensity/,
      );
      await until(() => told.length === 1, "the parent to be told");
      assert.deepEqual(told[0]!.child, { kind: "intense", id: "c" });
      assert.equal(told[0]!.outcome, "stopped");
      assert.equal(h.letters.length, 1);
    },
  );

  test(
    "escalate tells the parent through childFailed and the child retries",
    async (env, systems) => {
      const failures = new Map<string, number>();
      const told: ChildFailure[] = [];
      const h = harness(env, [
        supervisorKind("esc-parent", "one_for_one", told),
        flaky("esc-child", {
          strategy: "escalate",
          maxAttempts: 5,
          backoff: fastBackoff,
        }, failures),
      ]);
      systems.push(h.system);
      const parent = h.system.ref<SupMsg>("esc-parent", "p");
      await parent.tell({
        type: "spawn",
        kind: "esc-child",
        id: "c",
        message: { type: "fail", key: "once", times: 1 },
      });
      await until(() => told.length === 1, "the parent to be told");
      assert.equal(told[0]!.outcome, "escalated");
      assert.match(told[0]!.error, /once failure 1/);
      const state = await parent.ask<{ failures: ChildFailure[] }>({
        type: "get",
      });
      assert.equal(state.failures.length, 1);
      await env.clock.advance(10);
      const child = h.system.ref<FlakyMsg>("esc-child", "c");
      assert.deepEqual(
        (await child.ask<{ marks: string[] }>({ type: "get" })).marks,
        ["once"],
      );
    },
  );

  for (
    const [strategy, expected] of [
      ["one_for_one", ["b"]],
      ["one_for_all", ["a", "b", "c"]],
      ["rest_for_one", ["b", "c"]],
    ] as const
  ) {
    test(
      `${strategy}: an escalated failure restarts ${expected.join(", ")}`,
      async (env, systems) => {
        const failures = new Map<string, number>();
        const told: ChildFailure[] = [];
        const h = harness(env, [
          supervisorKind(`sup-${strategy}`, strategy, told),
          flaky(`kid-${strategy}`, {
            strategy: "escalate",
            maxAttempts: 5,
            backoff: fastBackoff,
          }, failures),
        ]);
        systems.push(h.system);
        const parent = h.system.ref<SupMsg>(`sup-${strategy}`, "p");
        for (const id of ["a", "b", "c"]) {
          await parent.tell({
            type: "spawn",
            kind: `kid-${strategy}`,
            id,
            message: { type: "mark", key: id, times: 0 },
          });
        }
        await parent.ask({ type: "get" });
        for (const id of ["a", "b", "c"]) {
          const kid = h.system.ref<FlakyMsg>(`kid-${strategy}`, id);
          await kid.ask({ type: "get" });
        }
        await parent.tell({
          type: "send",
          kind: `kid-${strategy}`,
          id: "b",
          message: { type: "fail", key: "b-fails", times: 1 },
        });
        await until(() => told.length === 1, "the parent to be told");
        await env.clock.advance(10);
        // Asking each child after the parent acted orders the ask behind any restart.
        await parent.ask({ type: "get" });
        for (const id of ["a", "b", "c"]) {
          await h.system.ref<FlakyMsg>(`kid-${strategy}`, id).ask({
            type: "get",
          });
        }
        const restarted = [
          ...new Set(
            h.events.flatMap((e) => e.type === "restarted" ? [e.id] : []),
          ),
        ].sort();
        assert.deepEqual(restarted, [...expected]);
      },
    );
  }

  test(
    "a turn never runs in the async context of the turn that caused it (tells, timers, reminders, local and durable)",
    async (env, systems) => {
      // A library keeping per-call state in AsyncLocalStorage (LangGraph does)
      // must not see the sender's store in the receiver's turn.
      const als = new AsyncLocalStorage<string>();
      const seen = new Map<string, string | undefined>();
      type ObsMsg = { type: "seen"; via: string };
      const observer = (kind: string, durable: boolean) =>
        defineActor<number, ObsMsg>({
          kind,
          durable,
          initialState: () => 0,
          receive(_ctx, n, msg) {
            seen.set(msg.via, als.getStore() ?? "clean");
            return n + 1;
          },
        });
      type SendMsg =
        | { type: "go" }
        | { type: "timer" }
        | { type: "reminder" };
      const sender = (kind: string, durable: boolean) =>
        defineActor<number, SendMsg>({
          kind,
          durable,
          initialState: () => 0,
          async receive(ctx, n, msg) {
            if (msg.type !== "go") {
              seen.set(`${kind} ${msg.type}`, als.getStore() ?? "clean");
              return n;
            }
            await als.run(`${kind}'s turn`, async () => {
              await ctx.ref<ObsMsg>("obs-durable", "o").tell({
                type: "seen",
                via: `${kind} tell to durable`,
              });
              await ctx.ref<ObsMsg>("obs-local", "o").tell({
                type: "seen",
                via: `${kind} tell to local`,
              });
              ctx.setTimer("t", { type: "timer" }, 10);
              await ctx.remind({ type: "reminder" }, 20);
            });
            return n + 1;
          },
        });
      const h = harness(env, [
        observer("obs-durable", true),
        observer("obs-local", false),
        sender("send-durable", true),
        sender("send-local", false),
      ]);
      systems.push(h.system);
      await h.system.ref<SendMsg>("send-durable", "s").tell({ type: "go" });
      await h.system.ref<SendMsg>("send-local", "s").tell({ type: "go" });
      await until(() => seen.size >= 4, "the tells");
      await env.clock.advance(10);
      await env.clock.advance(10);
      const expected = [
        "send-durable tell to durable",
        "send-durable tell to local",
        "send-durable timer",
        "send-durable reminder",
        "send-local tell to durable",
        "send-local tell to local",
        "send-local timer",
        "send-local reminder",
      ];
      await until(() => seen.size === expected.length, "every turn");
      assert.deepEqual(
        Object.fromEntries([...seen].sort()),
        Object.fromEntries(expected.map((k) => [k, "clean"]).sort()),
      );
    },
  );

  test("a reminder survives a system restart", async (env, systems) => {
    type Msg = { type: "schedule" } | { type: "ping" } | { type: "get" };
    const reminded = defineActor<number, Msg>({
      kind: "reminded",
      durable: true,
      initialState: () => 0,
      async receive(ctx, n, msg) {
        if (msg.type === "schedule") await ctx.remind({ type: "ping" }, 200);
        if (msg.type === "get") ctx.reply(n);
        return msg.type === "ping" ? n + 1 : n;
      },
    });
    const first = harness(env, [reminded]);
    systems.push(first.system);
    await first.system.ref<Msg>("reminded", "a").ask({ type: "get" });
    await first.system.ref<Msg>("reminded", "a").tell({ type: "schedule" });
    await first.system.ref<Msg>("reminded", "a").ask({ type: "get" });
    await first.system.shutdown();
    const transport = env.reopen ? await env.reopen() : env.transport;
    const second = harness(env, [reminded], transport);
    systems.push(second.system);
    await env.clock.advance(200);
    await until(() => second.count("processed") >= 1, "the reminder");
    assert.equal(
      await second.system.ref<Msg>("reminded", "a").ask({ type: "get" }),
      1,
    );
  });

  test(
    "unknown kinds and invalid messages are refused with typed errors, nothing enqueued",
    async (env, systems) => {
      const schema = z.discriminatedUnion("type", [
        z.object({ type: z.literal("add"), n: z.number() }),
        z.object({ type: z.literal("get") }),
      ]);
      const strict = counter("strict", {
        parse: (input) => schema.parse(input),
      });
      const h = harness(env, [strict]);
      systems.push(h.system);
      assert.throws(() => h.system.ref("nope", "a"), (error: unknown) => {
        assert.ok(error instanceof UnknownKindError);
        assert.deepEqual(error.known, ["strict"]);
        return true;
      });
      const ref = h.system.ref<CounterMsg>("strict", "a");
      await assert.rejects(
        ref.tell({ type: "add", n: "two" } as unknown as CounterMsg),
        (error: unknown) => {
          assert.ok(error instanceof InvalidMessageError);
          assert.equal(error.issues[0]!.path, "n");
          return true;
        },
      );
      await assert.rejects(
        ref.ask({ type: "launch" } as unknown as CounterMsg),
        InvalidMessageError,
      );
      await quiet();
      assert.equal(h.count("activated"), 0);
      assert.equal(await env.store.load("strict", "a"), undefined);
    },
  );

  test(
    "graceful shutdown finishes the in-flight turn, then refuses messages",
    async (env, systems) => {
      let entered = false;
      let open!: () => void;
      const gate = new Promise<void>((resolve) => open = resolve);
      const slow = defineActor<number, { type: "work" }>({
        kind: "slow",
        durable: true,
        initialState: () => 0,
        async receive(_ctx, n) {
          entered = true;
          await gate;
          return n + 1;
        },
      });
      const h = harness(env, [slow]);
      systems.push(h.system);
      const ref = h.system.ref<{ type: "work" }>("slow", "a");
      await ref.tell({ type: "work" });
      await until(() => entered, "the turn to start");
      let stopped = false;
      const stopping = h.system.shutdown().then(() => stopped = true);
      await assert.rejects(ref.tell({ type: "work" }), SystemStoppedError);
      await quiet();
      assert.equal(stopped, false);
      open();
      await stopping;
      const stored = await env.store.load("slow", "a");
      assert.equal(stored?.state, 1);
      assert.equal(h.count("processed"), 1);
    },
  );
}

type SupMsg =
  | { type: "spawn"; kind: string; id: string; message: FlakyMsg }
  | { type: "send"; kind: string; id: string; message: FlakyMsg }
  | { type: "get" };

function supervisorKind(
  kind: string,
  children: ChildStrategy,
  told: ChildFailure[],
): Behavior<{ failures: ChildFailure[] }, SupMsg> {
  return defineActor<{ failures: ChildFailure[] }, SupMsg>({
    kind,
    durable: true,
    initialState: () => ({ failures: [] }),
    supervision: { children },
    async receive(ctx: ActorContext<SupMsg>, state, msg) {
      if (msg.type === "get") ctx.reply(state);
      if (msg.type === "spawn") {
        await ctx.spawn<FlakyMsg>(msg.kind, msg.id).tell(msg.message);
      }
      if (msg.type === "send") {
        await ctx.spawn<FlakyMsg>(msg.kind, msg.id).tell(msg.message);
      }
      return state;
    },
    childFailed(_ctx, state, failure) {
      told.push(failure);
      return { failures: [...state.failures, failure] };
    },
  });
}
