/**
 * Timers and reminders on the real clock fire in the context they were set
 * in unless the runtime starts them from its own: these tests set them inside
 * an AsyncLocalStorage store and check the turns they cause do not see it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { defineActor } from "../../runtime/actor.ts";
import { KvTransport } from "../../runtime/kv.ts";
import { ActorSystem } from "../../runtime/system.ts";
import type { Transport } from "../../runtime/transport.ts";
import { assert } from "../deps.ts";

type Msg =
  | { type: "go" }
  | { type: "timer" }
  | { type: "reminder" }
  | { type: "told"; via: string };

async function run(transport: Transport | undefined): Promise<void> {
  const als = new AsyncLocalStorage<string>();
  const seen = new Map<string, string>();
  const make = (kind: string, durable: boolean) =>
    defineActor<number, Msg>({
      kind,
      durable,
      initialState: () => 0,
      async receive(ctx, n, msg) {
        if (msg.type !== "go") {
          const via = msg.type === "told" ? msg.via : `${kind} ${msg.type}`;
          seen.set(via, als.getStore() ?? "clean");
          return n;
        }
        await als.run(`${kind}'s turn`, async () => {
          ctx.setTimer("t", { type: "timer" }, 5);
          await ctx.remind({ type: "reminder" }, 5);
          // Told from a timer set inside the store: the receiver's turn is clean.
          setTimeout(() => {
            const other = kind === "durable" ? "local" : "durable";
            ctx.ref<Msg>(other, "b").tell({
              type: "told",
              via: `${kind} tell from a timer`,
            }).catch(() => {});
          }, 1);
        });
        return n + 1;
      },
    });
  const system = new ActorSystem({
    behaviors: [make("durable", true), make("local", false)],
    ...(transport ? { transport } : {}),
  });
  system.start();
  try {
    await system.ref<Msg>("durable", "a").tell({ type: "go" });
    await system.ref<Msg>("local", "a").tell({ type: "go" });
    const expected = [
      "durable reminder",
      "durable tell from a timer",
      "durable timer",
      "local reminder",
      "local tell from a timer",
      "local timer",
    ];
    const deadline = Date.now() + 10_000;
    while (seen.size < expected.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(
      Object.fromEntries([...seen].sort()),
      Object.fromEntries(expected.map((k) => [k, "clean"])),
    );
  } finally {
    await system.shutdown();
  }
}

Deno.test("memory transport, real clock: timers, reminders and tells from timers start clean turns", async () => {
  await run(undefined);
});

Deno.test("KV transport, real clock: timers, reminders and tells from timers start clean turns", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await run(new KvTransport({ kv, pollIntervalMs: 10 }));
  } finally {
    kv.close();
  }
});
