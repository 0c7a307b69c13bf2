import { defineActor } from "../../runtime/actor.ts";
import type { Address } from "../../runtime/actor.ts";
import type { RuntimeEvent } from "../../runtime/events.ts";
import { KvTransport } from "../../runtime/kv.ts";
import { MemoryStateStore } from "../../runtime/memory_store.ts";
import { ActorSystem } from "../../runtime/system.ts";
import type { Lease, TransportHandlers } from "../../runtime/transport.ts";
import { assert } from "../deps.ts";

const HOPS = 20;
const SAVE_DELAY_MS = 5;

/** A state store whose commits take a few milliseconds, as PostgreSQL's do. */
class SlowStore extends MemoryStateStore {
  override async save(
    kind: string,
    id: string,
    snapshot: { state: unknown; lastSeq: number; fence: number },
    expectedVersion: number,
  ): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, SAVE_DELAY_MS));
    return super.save(kind, id, snapshot, expectedVersion);
  }
}

/** Counts the leases the transport refused and the wake-ups it handed to the system. */
class CountingTransport extends KvTransport {
  refused = 0;
  wakes = 0;
  override listen(handlers: TransportHandlers): void {
    super.listen({
      wake: (target) => {
        this.wakes++;
        return handlers.wake(target);
      },
      reply: (reply) => handlers.reply(reply),
    });
  }
  override async acquire(
    target: Address,
    ttlMs: number,
  ): Promise<Lease | undefined> {
    const lease = await super.acquire(target, ttlMs);
    if (!lease) this.refused++;
    return lease;
  }
}

/**
 * A KV whose queue hands nothing to the listener until `release()`: the
 * messages are taken off the queue and kept, as a queue that delivers late.
 */
function heldQueue(kv: Deno.Kv): {
  kv: Deno.Kv;
  held: unknown[];
  release(): Promise<void>;
} {
  const held: unknown[] = [];
  let handler: ((value: unknown) => Promise<void> | void) | undefined;
  const proxy = new Proxy(kv, {
    get(target, property) {
      if (property === "listenQueue") {
        return (h: (value: unknown) => Promise<void> | void) => {
          handler = h;
          return target.listenQueue((value) => {
            held.push(value);
          });
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    kv: proxy,
    held,
    async release() {
      for (const value of held.splice(0)) await handler?.(value);
    },
  };
}

type Go = { type: "go"; left: number };

Deno.test("KvTransport: a ping-pong between two durable actors on one node does not wait for the KV queue", async () => {
  const kv = await Deno.openKv(":memory:");
  const queue = heldQueue(kv);
  const transport = new CountingTransport({ kv: queue.kv, nodeId: "n1" });
  let finished!: () => void;
  const done = new Promise<void>((resolve) => finished = resolve);
  const pingPong = (kind: string, other: string) =>
    defineActor<number, Go>({
      kind,
      durable: true,
      initialState: () => 0,
      async receive(ctx, turns, msg) {
        if (msg.left > 0) {
          await ctx.ref<Go>(other, ctx.self.id).tell({
            type: "go",
            left: msg.left - 1,
          });
        } else {
          finished();
        }
        return turns + 1;
      },
    });
  const events: RuntimeEvent[] = [];
  const system = new ActorSystem({
    behaviors: [pingPong("ping", "pong"), pingPong("pong", "ping")],
    transport,
    store: new SlowStore(),
    onEvent: (e) => events.push(e),
  });
  system.start();
  // Without local wake-ups each hop needs a queue delivery, which never
  // comes here: a generous bound turns that into a failure, not a hang.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<"stalled">((resolve) => {
    timer = setTimeout(() => resolve("stalled"), 10_000);
  });
  try {
    await system.ref<Go>("ping", "x").tell({ type: "go", left: HOPS });
    const outcome = await Promise.race([done.then(() => "done"), stalled]);
    assert.equal(outcome, "done");
    const processed = () => events.filter((e) => e.type === "processed").length;
    // The last turn's commit may still be running.
    while (processed() < HOPS + 1) {
      await new Promise((resolve) => setTimeout(resolve, SAVE_DELAY_MS));
    }
    assert.equal(transport.refused, 0);
    assert.equal(events.filter((e) => e.type === "activated").length, 2);
    // The queue's wake-ups (one per post), delivered late, are recognised as
    // done and dropped: they cost no mailbox read.
    while (queue.held.length < HOPS + 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const wakes = transport.wakes;
    await queue.release();
    assert.equal(transport.wakes, wakes);
  } finally {
    clearTimeout(timer);
    await system.shutdown();
    kv.close();
  }
  assert.equal(events.filter((e) => e.type === "processed").length, HOPS + 1);
  assert.equal(transport.refused, 0);
});
