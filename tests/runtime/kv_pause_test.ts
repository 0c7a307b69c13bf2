/**
 * KvTransport.pause / resume: with a queue handle of its own the transport
 * stops taking KV queue deliveries (the disk guard does this before the store
 * fills up) and takes them again on a new handle.
 */
import type { Address } from "../../runtime/actor.ts";
import { addressKey } from "../../runtime/actor.ts";
import { RuntimeError } from "../../runtime/errors.ts";
import { KvTransport } from "../../runtime/kv.ts";
import { assert } from "../deps.ts";

const A: Address = { kind: "pause", id: "a" };
const B: Address = { kind: "pause", id: "b" };

async function waitFor(
  what: string,
  fn: () => boolean,
  ms = 10_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "troupe-kv-pause-" });
  const path = `${dir}/kv.sqlite3`;
  const kv = await Deno.openKv(path);
  const posterKv = await Deno.openKv(path);
  let opened = 0;
  const wakes: string[] = [];
  let hold: Promise<void> | undefined;
  const listener = new KvTransport({
    kv,
    nodeId: "listener",
    pollIntervalMs: 20,
    openQueue: () => {
      opened++;
      return Deno.openKv(path);
    },
  });
  listener.listen({
    async wake(target) {
      wakes.push(addressKey(target));
      if (hold) await hold;
    },
    reply() {},
  });
  // Another process's transport: its posts reach the listener only through the queue.
  const poster = new KvTransport({ kv: posterKv, nodeId: "poster" });
  return {
    listener,
    poster,
    wakes,
    opened: () => opened,
    holdWith(p: Promise<void> | undefined) {
      hold = p;
    },
    async [Symbol.asyncDispose]() {
      await listener.close();
      await poster.close();
      kv.close();
      posterKv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("a paused KV transport takes no queue deliveries until resumed", async () => {
  await using t = await setup();
  await t.poster.post([{ target: A, message: { type: "one" } }]);
  await waitFor("the first wake-up", () => t.wakes.includes(addressKey(A)));
  assert.equal(t.opened(), 1);

  await t.listener.pause();
  assert.ok(t.listener.paused);
  await t.poster.post([{ target: B, message: { type: "two" } }]);
  await new Promise((r) => setTimeout(r, 1_500));
  assert.ok(
    !t.wakes.includes(addressKey(B)),
    "a paused transport took a queue delivery",
  );

  await t.listener.resume();
  assert.ok(!t.listener.paused);
  await waitFor(
    "the wake-up posted while paused",
    () => t.wakes.includes(addressKey(B)),
  );
  assert.equal(t.opened(), 2, "resume opens a new queue handle");
});

Deno.test("pausing while a delivery is in flight neither throws nor loses it", async () => {
  await using t = await setup();
  const gate = Promise.withResolvers<void>();
  t.holdWith(gate.promise);
  await t.poster.post([{ target: A, message: { type: "slow" } }]);
  await waitFor("the held wake-up", () => t.wakes.includes(addressKey(A)));
  await t.listener.pause();
  gate.resolve();
  t.holdWith(undefined);
  await t.listener.resume();
  // The message itself is in the mailbox whatever became of the queue entry.
  await t.poster.post([{ target: B, message: { type: "after" } }]);
  await waitFor(
    "a wake-up after resume",
    () => t.wakes.includes(addressKey(B)),
  );
});

Deno.test("pause and resume are idempotent; pause needs openQueue", async () => {
  await using t = await setup();
  await Promise.all([t.listener.pause(), t.listener.pause()]);
  await Promise.all([t.listener.resume(), t.listener.resume()]);
  assert.equal(t.opened(), 2);

  const kv = await Deno.openKv(":memory:");
  const plain = new KvTransport({ kv, nodeId: "plain" });
  try {
    await assert.rejects(
      () => plain.pause(),
      (e: unknown) =>
        e instanceof RuntimeError && e.message.includes("openQueue"),
    );
  } finally {
    await plain.close();
    kv.close();
  }
});
