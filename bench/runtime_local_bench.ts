/**
 * Local delivery throughput: N tells to a local (non-durable) kind, to one
 * actor and spread over 1,000 actors, against plain awaited function calls
 * (the baseline) and the same workload on `nact`.
 *
 * `deno bench -A bench/runtime_local_bench.ts` for Deno's table, or
 * `deno run -A bench/runtime_local_bench.ts [N]` for messages/s and ratios
 * (best of 7 runs after warm-up).
 *
 * Each case ends when the last message was processed (a shared countdown in
 * the handler), so queued-but-unprocessed work is never counted.
 *
 * @module
 */
import nact from "nact";
import { defineActor } from "../runtime/actor.ts";
import { ManualClock } from "../runtime/clock.ts";
import { ActorSystem } from "../runtime/system.ts";

/** Messages per case: 10,000 under `deno bench`; `deno run` takes a count (default 100,000). */
const N = import.meta.main ? Number(Deno.args[0] ?? 100_000) : 10_000;
const SPREAD = 1_000;

type Msg = { type: "inc" };
const MSG: Msg = { type: "inc" };

let left = 0;
let finish: () => void = () => {};
function countdown(n: number): Promise<void> {
  left = n;
  return new Promise<void>((resolve) => finish = resolve);
}
function tick(): void {
  if (--left === 0) finish();
}

// --- baseline: the handler called and awaited directly ---

function handle(state: number, _msg: Msg): number {
  tick();
  return state + 1;
}

async function baseline(actors: number): Promise<void> {
  const states = new Array<number>(actors).fill(0);
  const done = countdown(N);
  for (let i = 0; i < N; i++) {
    const a = i % actors;
    states[a] = await handle(states[a]!, MSG);
  }
  await done;
}

// --- Troupe ---

const counter = defineActor<number, Msg>({
  kind: "counter",
  durable: false,
  initialState: () => 0,
  receive: (_ctx, n) => {
    tick();
    return n + 1;
  },
});
// A manual clock: idle timers never fire and nothing keeps the process alive.
const system = new ActorSystem({
  behaviors: [counter],
  clock: new ManualClock(0),
});
const refs = Array.from(
  { length: SPREAD },
  (_, i) => system.ref<Msg>("counter", `c${i}`),
);

// The same with an event hook, as when the metrics actor listens.
let eventsSeen = 0;
const observed = new ActorSystem({
  behaviors: [counter],
  clock: new ManualClock(0),
  onEvent: () => eventsSeen++,
});
const observedRefs = Array.from(
  { length: SPREAD },
  (_, i) => observed.ref<Msg>("counter", `c${i}`),
);

async function troupeObserved(actors: number): Promise<void> {
  const done = countdown(N);
  for (let i = 0; i < N; i++) observedRefs[i % actors]!.tell(MSG);
  await done;
}

async function troupeAwaited(actors: number): Promise<void> {
  const done = countdown(N);
  for (let i = 0; i < N; i++) await refs[i % actors]!.tell(MSG);
  await done;
}

async function troupeFired(actors: number): Promise<void> {
  const done = countdown(N);
  for (let i = 0; i < N; i++) refs[i % actors]!.tell(MSG);
  await done;
}

// --- nact ---

const nactSystem = nact.start();
const nactActors = Array.from({ length: SPREAD }, (_, i) =>
  nact.spawn(
    nactSystem,
    (state: number = 0) => {
      tick();
      return state + 1;
    },
    `c${i}`,
  ));

async function nactFired(actors: number): Promise<void> {
  const done = countdown(N);
  for (let i = 0; i < N; i++) nact.dispatch(nactActors[i % actors]!, MSG);
  await done;
}

const cases: [string, (actors: number) => Promise<void>][] = [
  ["plain awaited function calls", baseline],
  ["troupe tell, each awaited", troupeAwaited],
  ["troupe tell, fire and forget", troupeFired],
  ["troupe tell, fire and forget, event hook", troupeObserved],
  ["nact dispatch, fire and forget", nactFired],
];

for (
  const [group, actors] of [["1 actor", 1], ["1,000 actors", SPREAD]] as const
) {
  for (const [i, [name, fn]] of cases.entries()) {
    Deno.bench({
      name: `${name} (${group}, ${N} msgs)`,
      group,
      baseline: i === 0,
      // An async function: Deno awaits only those between iterations.
      async fn() {
        await fn(actors);
      },
    });
  }
}

if (import.meta.main) {
  const results: string[] = [];
  for (
    const [group, actors] of [["1 actor", 1], ["1,000 actors", SPREAD]] as const
  ) {
    let base = 0;
    for (const [name, fn] of cases) {
      for (let w = 0; w < 3; w++) await fn(actors); // warm up
      let best = Infinity;
      for (let r = 0; r < 7; r++) {
        const t0 = performance.now();
        await fn(actors);
        best = Math.min(best, performance.now() - t0);
      }
      const rate = N / (best / 1000);
      if (base === 0) base = rate;
      results.push(
        `${group.padEnd(13)} ${name.padEnd(42)} ${
          Math.round(rate).toLocaleString("en-US").padStart(12)
        } msg/s  ${(rate / base).toFixed(2)}x baseline`,
      );
    }
  }
  console.log(results.join("\n"));
  await system.shutdown();
  await observed.shutdown();
  nact.stop(nactSystem);
  if (eventsSeen === 0) throw new Error("the event hook saw nothing");
}
