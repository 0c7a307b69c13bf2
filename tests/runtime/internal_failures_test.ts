import { defineActor } from "../../runtime/actor.ts";
import type { RuntimeEvent } from "../../runtime/events.ts";
import type { Logger } from "../../runtime/logger.ts";
import { MemoryTransport } from "../../runtime/memory_transport.ts";
import { ActorSystem } from "../../runtime/system.ts";
import type { Outgoing, Transport } from "../../runtime/transport.ts";
import { assert } from "../deps.ts";

/** A memory transport whose `post` fails for messages `refuse` picks (a store that is down, say). */
function failingTransport(refuse: (out: Outgoing) => boolean): Transport {
  const inner = new MemoryTransport({ nodeId: "n1" });
  return {
    nodeId: inner.nodeId,
    post: (messages) =>
      messages.some(refuse)
        ? Promise.reject(new Error("disk full"))
        : inner.post(messages),
    postLater: (m, ms) => inner.postLater(m, ms),
    acquire: (t, ttl) => inner.acquire(t, ttl),
    sendReply: (r) => inner.sendReply(r),
    listen: (h) => inner.listen(h),
    close: async () => {
      await inner.close();
      inner.dispose();
    },
  };
}

function recorder() {
  const events: RuntimeEvent[] = [];
  const lines: string[] = [];
  const logger: Logger = {
    warn: (message, fields) =>
      lines.push(`${message} ${JSON.stringify(fields)}`),
    error: (message, fields) =>
      lines.push(`${message} ${JSON.stringify(fields)}`),
  };
  return {
    events,
    lines,
    logger,
    failures: () =>
      events.flatMap((e) =>
        e.type === "internal_failed"
          ? [`${e.what} ${e.kind}/${e.id}: ${e.error}`]
          : []
      ),
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

type Msg = { type: "arm" } | { type: "tick" } | { type: "fail" } | {
  type: "spawn";
};

Deno.test("a timer or child_failed post the transport refuses is reported as an event and a log line", async () => {
  const r = recorder();
  const worker = defineActor<number, Msg>({
    kind: "worker",
    durable: true,
    initialState: () => 0,
    supervision: { strategy: "stop" },
    receive(ctx, n, msg) {
      if (msg.type === "arm") ctx.setTimer("t", { type: "tick" }, 1);
      if (msg.type === "fail") throw new Error("boom");
      return n + 1;
    },
  });
  const boss = defineActor<number, Msg>({
    kind: "boss",
    durable: true,
    initialState: () => 0,
    async receive(ctx, n, msg) {
      if (msg.type === "spawn") {
        await ctx.spawn<Msg>("worker", "child").tell({ type: "fail" });
      }
      return n;
    },
  });
  const system = new ActorSystem({
    behaviors: [worker, boss],
    transport: failingTransport((out) =>
      out.control === "child_failed" ||
      (out.message as { type?: string }).type === "tick"
    ),
    onEvent: (e) => r.events.push(e),
    logger: r.logger,
  });
  system.start();
  try {
    await system.ref<Msg>("worker", "w").tell({ type: "arm" });
    await system.ref<Msg>("boss", "b").tell({ type: "spawn" });
    await until(() => r.failures().length >= 2, "two reported failures");
    assert.deepEqual(r.failures().sort(), [
      "child_failed boss/b: Error: disk full",
      "timer worker/w: Error: disk full",
    ]);
    assert.equal(r.lines.length, 2);
    assert.ok(
      r.lines.some((l) =>
        /^runtime timer failed .*"actor":"worker\/w"/.test(l)
      ),
      r.lines.join("\n"),
    );
    assert.ok(
      r.lines.some((l) => /^runtime child failed failed .*disk full/.test(l)),
      r.lines.join("\n"),
    );
  } finally {
    await system.shutdown();
  }
});

Deno.test("a local reminder its receiver refuses is reported", async () => {
  const r = recorder();
  const picky = defineActor<number, { type: "ok" } | { type: "later" }>({
    kind: "picky",
    durable: false,
    initialState: () => 0,
    parse(input) {
      const type = (input as { type?: unknown }).type;
      if (type === "ok" || type === "later") return { type };
      throw new Error(`no ${String(type)}`);
    },
    async receive(ctx, n) {
      await ctx.remind({ type: "nope" } as unknown as { type: "ok" }, 1);
      return n + 1;
    },
  });
  const system = new ActorSystem({
    behaviors: [picky],
    onEvent: (e) => r.events.push(e),
    logger: r.logger,
  });
  system.start();
  try {
    await system.ref("picky", "p").tell({ type: "ok" });
    await until(() => r.failures().length >= 1, "the reported reminder");
    assert.match(r.failures()[0]!, /^reminder picky\/p: InvalidMessageError/);
    assert.match(r.lines[0]!, /^runtime reminder failed/);
  } finally {
    await system.shutdown();
  }
});
