/**
 * Heap bytes per idle activation: activates 100,000 actors of a local kind
 * (one message each, then idle), and the same number of a durable kind over
 * the in-memory transport and store, measuring `Deno.memoryUsage().heapUsed`
 * after a full GC.
 *
 * `deno run -A --v8-flags=--expose-gc bench/activation_memory.ts [count]`
 *
 * @module
 */
import { defineActor } from "../runtime/actor.ts";
import { ManualClock } from "../runtime/clock.ts";
import { ActorSystem } from "../runtime/system.ts";

const COUNT = Number(Deno.args[0] ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error("run with --v8-flags=--expose-gc for a meaningful figure");
}

function heap(): number {
  gc?.();
  gc?.();
  return Deno.memoryUsage().heapUsed;
}

type Msg = { type: "touch" } | { type: "get" };

async function measure(durable: boolean): Promise<number> {
  const kind = defineActor<number, Msg>({
    kind: durable ? "durable" : "local",
    durable,
    initialState: () => 0,
    receive(ctx, n, msg) {
      if (msg.type === "get") ctx.reply(n);
      return msg.type === "touch" ? n + 1 : n;
    },
  });
  const system = new ActorSystem({
    behaviors: [kind],
    clock: new ManualClock(0),
  });
  system.start();
  // Ids are made before the baseline: they are the caller's, not the runtime's.
  const ids = Array.from({ length: COUNT }, (_, i) => `actor-${i}`);
  const before = heap();
  const kindName = durable ? "durable" : "local";
  for (let i = 0; i < COUNT; i += 1000) {
    await Promise.all(
      ids.slice(i, i + 1000).map((id) =>
        system.ref<Msg>(kindName, id).ask({ type: "get" })
      ),
    );
  }
  if (system.activations !== COUNT) {
    throw new Error(`expected ${COUNT} activations, got ${system.activations}`);
  }
  const after = heap();
  await system.shutdown();
  return (after - before) / COUNT;
}

const local = await measure(false);
const durable = await measure(true);
console.log(
  `${COUNT.toLocaleString("en-US")} idle activations:\n` +
    `  local kind:   ${Math.round(local)} bytes each\n` +
    `  durable kind: ${
      Math.round(durable)
    } bytes each (includes the in-memory transport's lease and mailbox per actor)`,
);
