import type { Address } from "../../runtime/actor.ts";
import { addressKey } from "../../runtime/actor.ts";
import { PayloadTooLargeError } from "../../runtime/errors.ts";
import { KvTransport, type KvTransportOptions } from "../../runtime/kv.ts";
import type { Envelope, Outgoing } from "../../runtime/transport.ts";
import { assert } from "../deps.ts";

const A: Address = { kind: "lim", id: "a" };
const B: Address = { kind: "lim", id: "b" };

interface Node {
  readonly kv: Deno.Kv;
  readonly transport: KvTransport;
  readonly wakes: string[];
}

/** A temp KV file and the nodes opened on it; everything is closed at the end. */
async function withKv(
  fn: (
    open: (options?: Partial<KvTransportOptions>) => Promise<Node>,
    path: string,
  ) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "troupe-kv-" });
  const path = `${dir}/kv.sqlite3`;
  const nodes: Node[] = [];
  const open = async (options: Partial<KvTransportOptions> = {}) => {
    const kv = await Deno.openKv(path);
    const transport = new KvTransport({
      pollIntervalMs: 10,
      wakeRetryDelayMs: 100,
      ...options,
      kv,
    });
    const node: Node = { kv, transport, wakes: [] };
    nodes.push(node);
    return node;
  };
  try {
    await fn(open, path);
  } finally {
    for (const node of nodes) await node.transport.close();
    for (const node of nodes) {
      try {
        node.kv.close();
      } catch {
        // closed by the test (a simulated crash)
      }
    }
    await Deno.remove(dir, { recursive: true });
  }
}

function listen(
  node: Node,
  onWake?: (target: Address) => void | Promise<void>,
): void {
  node.transport.listen({
    // The handler's promise goes back to the transport, which waits for it on close.
    wake(target) {
      node.wakes.push(addressKey(target));
      return onWake?.(target);
    },
    reply() {},
  });
}

function msg(target: Address, body: unknown = "x"): Outgoing {
  return { target, message: { type: "lim", body } };
}

async function keysUnder(
  kv: Deno.Kv,
  ...prefix: string[]
): Promise<Deno.KvKey[]> {
  const out: Deno.KvKey[] = [];
  for await (const e of kv.list({ prefix: ["troupe", ...prefix] })) {
    out.push(e.key);
  }
  return out;
}

async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function readAll(node: Node, target: Address): Promise<Envelope[]> {
  const lease = await node.transport.acquire(target, 10_000);
  assert.ok(lease);
  const out = await lease.read(0, 1_000);
  if (out.length > 0) await lease.ack(out.at(-1)!.seq);
  assert.equal(await lease.release(), true);
  return out;
}

Deno.test("an oversize message is refused with PayloadTooLargeError and nothing of its post is written or enqueued", async () => {
  await withKv(async (open) => {
    const node = await open();
    listen(node);
    const big = "x".repeat(70_000);
    const error = await node.transport.post([msg(B, "small"), msg(A, big)])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof PayloadTooLargeError, String(error));
    assert.ok(error.bytes > 65_536);
    assert.equal(error.limit, 65_536);
    assert.match(error.message, /lim\/a/);
    assert.deepEqual(await keysUnder(node.kv, "mb"), []);
    assert.deepEqual(await keysUnder(node.kv, "seq"), []);
    // A wake-up posted after the refusal arrives; none for the refused post does.
    const C = { kind: "lim", id: "c" };
    await node.transport.post([msg(C)]);
    await waitFor(
      () => node.wakes.includes(addressKey(C)),
      "the later wake-up",
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(node.wakes.filter((w) => w !== addressKey(C)), []);
    const [first] = await readAll(node, C);
    assert.equal(first?.seq, 1);
  });
});

Deno.test("a message just under the value limit is accepted and read back intact", async () => {
  await withKv(async (open) => {
    const node = await open();
    const body = "y".repeat(65_000);
    await node.transport.post([msg(A, body)]);
    const [got] = await readAll(node, A);
    assert.equal((got!.message as { body: string }).body, body);
  });
});

Deno.test("more messages to one actor than fit one commit are refused whole", async () => {
  await withKv(async (open) => {
    const node = await open();
    const many = Array.from({ length: 998 }, (_, i) => msg(A, i));
    await assert.rejects(() => node.transport.post(many), RangeError);
    const tooBig = Array.from({ length: 20 }, () => msg(A, "z".repeat(60_000)));
    await assert.rejects(
      () => node.transport.post(tooBig),
      PayloadTooLargeError,
    );
    assert.deepEqual(await keysUnder(node.kv, "mb"), []);
    await node.transport.post(Array.from({ length: 997 }, (_, i) => msg(A, i)));
    const got = await readAll(node, A);
    assert.equal(got.length, 997);
    assert.deepEqual(got.map((e) => e.seq), got.map((_, i) => i + 1));
  });
});

Deno.test("a post over KV's per-commit limits is split between actors and every actor gets all its messages in order", async () => {
  await withKv(async (open) => {
    const node = await open();
    const targets = Array.from(
      { length: 400 },
      (_, i) => ({ kind: "lim", id: `t${i}` }),
    );
    const messages = targets.flatMap((t) => [msg(t, 1), msg(t, 2), msg(t, 3)]);
    await node.transport.post(messages);
    for (const t of [targets[0]!, targets[199]!, targets[399]!]) {
      const got = await readAll(node, t);
      assert.deepEqual(got.map((e) => (e.message as { body: number }).body), [
        1,
        2,
        3,
      ]);
      assert.deepEqual(got.map((e) => e.seq), [1, 2, 3]);
    }
    assert.equal((await keysUnder(node.kv, "mb")).length, 1_200 - 9);
  });
});

Deno.test("postLater refuses delays over 30 days and oversize reminders", async () => {
  await withKv(async (open) => {
    const node = await open();
    await assert.rejects(
      () => node.transport.postLater(msg(A), 31 * 24 * 3600 * 1000),
      (e: unknown) => e instanceof RangeError && /30-day/.test(e.message),
    );
    await assert.rejects(
      () => node.transport.postLater(msg(A, "x".repeat(70_000)), 10),
      PayloadTooLargeError,
    );
  });
});

Deno.test("an oversize reply is refused with PayloadTooLargeError; a malformed replyTo with RangeError", async () => {
  await withKv(async (open) => {
    const node = await open({ nodeId: "n1" });
    await assert.rejects(
      () =>
        node.transport.sendReply({
          replyTo: "n2:1",
          ok: true,
          value: "x".repeat(70_000),
        }),
      PayloadTooLargeError,
    );
    await assert.rejects(
      () =>
        node.transport.sendReply({ replyTo: "nocolon", ok: true, value: 1 }),
      RangeError,
    );
  });
});

Deno.test("a node id containing ':' is refused", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    assert.throws(() => new KvTransport({ kv, nodeId: "a:b" }), RangeError);
  } finally {
    kv.close();
  }
});

Deno.test("a reminder delivered twice by the queue is posted once", async () => {
  await withKv(async (open) => {
    const node = await open();
    listen(node);
    const reminder = {
      troupe: 1,
      t: "remind",
      rid: "r-1",
      message: msg(A, "once"),
    };
    await node.kv.enqueue(reminder);
    await node.kv.enqueue(reminder);
    await waitFor(
      async () => (await keysUnder(node.kv, "remdone")).length === 1,
      "the reminder",
    );
    await waitFor(() => node.wakes.length >= 1, "the reminder's wake-up");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const got = await readAll(node, A);
    assert.deepEqual(got.map((e) => (e.message as { body: string }).body), [
      "once",
    ]);
  });
});

Deno.test("a lease abandoned by a crashed node is taken over after expiry without a new message", async () => {
  await withKv(async (open) => {
    const crashed = await open({ nodeId: "crashed", leaseGraceMs: 50 });
    let taken = false;
    // The crashed node takes the lease on the wake-up, then dies before draining.
    listen(crashed, async (target) => {
      taken = (await crashed.transport.acquire(target, 300)) !== undefined;
    });
    await crashed.transport.post([msg(A, "stuck")]);
    await waitFor(() => taken, "the crashed node to take the lease");
    await crashed.transport.close();
    crashed.kv.close();
    const survivor = await open({ nodeId: "survivor", leaseGraceMs: 50 });
    let drained: Envelope[] = [];
    listen(survivor, async (target) => {
      const next = await survivor.transport.acquire(target, 10_000);
      if (!next) return;
      drained = await next.read(0, 10);
      if (drained.length) await next.ack(drained.at(-1)!.seq);
      await next.release();
    });
    await waitFor(() => drained.length > 0, "the survivor to drain");
    assert.deepEqual(drained.map((e) => (e.message as { body: string }).body), [
      "stuck",
    ]);
  });
});

Deno.test("wake-ups whose handler keeps failing are kept and delivered again later", async () => {
  await withKv(async (open) => {
    const node = await open({ backoffSchedule: [10], sweepIntervalMs: 50 });
    let failures = 0;
    let handled = 0;
    node.transport.listen({
      wake() {
        if (failures < 4) {
          failures++;
          throw new Error("not now");
        }
        handled++;
      },
      reply() {},
    });
    await node.transport.post([msg(A)]);
    await waitFor(
      () => handled > 0,
      "a successful delivery after the failures",
    );
    assert.equal(failures, 4);
  });
});

Deno.test("the lease holder is rung when another node is refused the lease", async () => {
  await withKv(async (open) => {
    const holder = await open({ nodeId: "holder" });
    const other = await open({ nodeId: "other", wakeRetryDelayMs: 60_000 });
    listen(holder);
    const lease = await holder.transport.acquire(A, 10_000);
    assert.ok(lease);
    assert.equal(await other.transport.acquire(A, 10_000), undefined);
    await waitFor(
      () => holder.wakes.includes(addressKey(A)),
      "the holder's wake-up",
    );
    await lease.release(true);
  });
});

Deno.test("a post from another process that does not listen reaches a listening node without waiting for the queue", async () => {
  await withKv(async (open, path) => {
    const listener = await open({ nodeId: "listener" });
    listen(listener);
    const fixture = new URL("./fixtures/kv_post.ts", import.meta.url).pathname;
    const status = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", fixture, path, A.kind, A.id],
      cwd: new URL("../../", import.meta.url).pathname,
      env: { RUST_BACKTRACE: "0" },
      stdout: "null",
      stderr: "inherit",
    }).output();
    assert.equal(status.code, 0);
    // The queue would tell this process only after about a minute.
    await waitFor(
      () => listener.wakes.includes(addressKey(A)),
      "the listener's wake-up",
    );
  });
});

Deno.test("close waits for a queue wake-up's handler still draining, so closing the KV right after throws nowhere", async () => {
  await withKv(async (open) => {
    const node = await open({ nodeId: "closing" });
    let started = false;
    let finished = false;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => release = resolve);
    listen(node, async (target) => {
      const lease = await node.transport.acquire(target, 10_000);
      if (!lease) return;
      started = true;
      await gate;
      await lease.release();
      finished = true;
    });
    // A wake-up as the KV queue delivers it (no local post that wakes at once).
    await node.kv.enqueue({ troupe: 1, t: "wake", kind: A.kind, id: A.id });
    await waitFor(() => started, "the handler to take the lease");
    const closing = node.transport.close();
    let closed = false;
    closing.then(() => closed = true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closed, false, "close returned while a drain was in flight");
    release();
    await closing;
    assert.equal(finished, true);
    node.kv.close();
  });
});

Deno.test("a lease whose KV was closed under it stops quietly: release and ack resolve, renew says lost", async () => {
  await withKv(async (open) => {
    const node = await open({ nodeId: "gone" });
    await node.transport.post([msg(A)]);
    const lease = await node.transport.acquire(A, 10_000);
    assert.ok(lease);
    const [first] = await lease.read(0, 10);
    await node.transport.close();
    node.kv.close();
    await lease.ack(first!.seq);
    assert.equal(await lease.renew(), false);
    assert.equal(await lease.release(), true);
  });
});
