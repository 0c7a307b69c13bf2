/**
 * The contract every {@linkcode Transport} keeps, tested directly (without an
 * actor system). Run it from a `*_test.ts` file:
 *
 * ```ts
 * import { transportConformance } from "./transport_conformance.ts";
 * transportConformance("MemoryTransport", () => {
 *   let first: MemoryTransport | undefined;
 *   return {
 *     open: (nodeId, clock) =>
 *       first ? first.peer(nodeId) : (first = new MemoryTransport({ nodeId, clock })),
 *     close: async () => first?.dispose(),
 *   };
 * });
 * ```
 *
 * @module
 */
import type { Address } from "../../runtime/actor.ts";
import { addressKey } from "../../runtime/actor.ts";
import { type Clock, ManualClock } from "../../runtime/clock.ts";
import type {
  Envelope,
  Lease,
  Outgoing,
  Reply,
  Transport,
} from "../../runtime/transport.ts";
import { assert } from "../deps.ts";

/** One backend shared by several nodes. */
export interface TransportWorld {
  /**
   * Opens the transport of node `nodeId` on this world's backend. It must use
   * `clock` for lease expiry (the suite moves it to expire leases) and may use
   * it for delays; delays may also be real time (the suite waits for both).
   */
  open(nodeId: string, clock: Clock): Transport | Promise<Transport>;
  /** Frees the backend; called after the suite closed every transport it opened. */
  close(): Promise<void>;
}

/** Makes a fresh world for each test. */
export type MakeTransportWorld = () => TransportWorld | Promise<TransportWorld>;

const A: Address = { kind: "conf", id: "a" };
const B: Address = { kind: "conf", id: "b" };
const TTL = 10_000;
/** Real time a test waits for something asynchronous before failing. */
const WAIT_MS = 15_000;

interface Node {
  readonly transport: Transport;
  readonly wakes: string[];
  readonly replies: Reply[];
}

interface Env {
  readonly clock: ManualClock;
  readonly nodes: Node[];
  node(nodeId: string, listen?: boolean): Promise<Node>;
  /** Every wake seen by any node, in arrival order. */
  readonly wakes: string[];
}

/**
 * Registers the transport contract tests under `name`.
 *
 * @example
 * ```ts
 * transportConformance("KvTransport", makeKvWorld);
 * ```
 */
export function transportConformance(
  name: string,
  makeTransport: MakeTransportWorld,
): void {
  function test(title: string, fn: (env: Env) => Promise<void>): void {
    Deno.test(`${name}: ${title}`, async () => {
      const world = await makeTransport();
      const clock = new ManualClock(1_000_000);
      const nodes: Node[] = [];
      const wakes: string[] = [];
      const env: Env = {
        clock,
        nodes,
        wakes,
        async node(nodeId, listen = true) {
          const transport = await world.open(nodeId, clock);
          const node: Node = { transport, wakes: [], replies: [] };
          nodes.push(node);
          if (listen) {
            transport.listen({
              wake(target) {
                node.wakes.push(addressKey(target));
                wakes.push(addressKey(target));
              },
              reply(reply) {
                node.replies.push(reply);
              },
            });
          }
          return node;
        },
      };
      try {
        await fn(env);
      } finally {
        for (const node of nodes) await node.transport.close();
        await world.close();
      }
    });
  }

  test("post assigns strictly increasing seqs per actor, in post order", async ({ node }) => {
    const { transport: t } = await node("n1");
    await t.post([msg(A, "a1"), msg(A, "a2")]);
    await t.post([msg(B, "b1")]);
    await t.post([msg(A, "a3"), msg(B, "b2"), msg(A, "a4")]);
    const a = await drainAll(t, A);
    const b = await drainAll(t, B);
    assert.deepEqual(a.map(label), ["a1", "a2", "a3", "a4"]);
    assert.deepEqual(b.map(label), ["b1", "b2"]);
    assertIncreasing(a);
    assertIncreasing(b);
    for (const e of a) assert.deepEqual(e.target, A);
  });

  test("concurrent posts from two nodes get unique seqs and keep each sender's order", async ({ node }) => {
    const { transport: t1 } = await node("n1");
    const { transport: t2 } = await node("n2");
    const send = async (t: Transport, prefix: string) => {
      for (let i = 0; i < 15; i++) await t.post([msg(A, `${prefix}${i}`)]);
    };
    await Promise.all([send(t1, "x"), send(t2, "y")]);
    const got = await drainAll(t1, A);
    assert.equal(got.length, 30);
    assertIncreasing(got);
    const xs = got.map(label).filter((l) => l.startsWith("x"));
    const ys = got.map(label).filter((l) => l.startsWith("y"));
    assert.deepEqual(xs, range(15).map((i) => `x${i}`));
    assert.deepEqual(ys, range(15).map((i) => `y${i}`));
  });

  test("a post to several actors is one unit: concurrent posts interleave the same way in every mailbox", async ({ node }) => {
    const { transport: t1 } = await node("n1");
    const { transport: t2 } = await node("n2");
    const send = async (t: Transport, prefix: string) => {
      for (let i = 0; i < 10; i++) {
        await t.post([msg(A, `${prefix}${i}`), msg(B, `${prefix}${i}`)]);
      }
    };
    await Promise.all([send(t1, "x"), send(t2, "y")]);
    const a = await drainAll(t1, A);
    const b = await drainAll(t1, B);
    assert.equal(a.length, 20);
    assert.deepEqual(a.map(label), b.map(label));
  });

  test("a post wakes every actor it wrote to", async ({ node, wakes }) => {
    const { transport: t } = await node("n1");
    await node("n2");
    await t.post([msg(A, "a"), msg(B, "b")]);
    await waitFor(
      () => wakes.includes(addressKey(A)) && wakes.includes(addressKey(B)),
      "wake-ups for both actors",
    );
  });

  test("only one of two nodes racing for a lease gets it", async ({ node }) => {
    const { transport: t1 } = await node("n1");
    const { transport: t2 } = await node("n2");
    const [l1, l2] = await Promise.all([
      t1.acquire(A, TTL),
      t2.acquire(A, TTL),
    ]);
    assert.equal([l1, l2].filter((l) => l !== undefined).length, 1);
    assert.equal(
      await t1.acquire(A, TTL) ?? await t2.acquire(A, TTL),
      undefined,
    );
    await (l1 ?? l2)!.release();
  });

  test("fences strictly increase across acquisitions on every node", async ({ node }) => {
    const { transport: t1 } = await node("n1");
    const { transport: t2 } = await node("n2");
    const fences: number[] = [];
    for (let i = 0; i < 6; i++) {
      const lease = await (i % 2 ? t2 : t1).acquire(A, TTL);
      assert.ok(lease, `acquisition ${i}`);
      fences.push(lease.fence);
      assert.equal(await lease.release(), true);
    }
    for (let i = 1; i < fences.length; i++) {
      assert.ok(fences[i]! > fences[i - 1]!, `fences ${fences.join(",")}`);
    }
    const other = await t1.acquire(B, TTL);
    assert.ok(other);
    await other.release();
  });

  test("an expired lease is taken over with a higher fence and the old holder cannot renew", async ({ node, clock }) => {
    const { transport: t1 } = await node("n1");
    const { transport: t2 } = await node("n2");
    const first = await t1.acquire(A, 1_000);
    assert.ok(first);
    assert.equal(await t2.acquire(A, 1_000), undefined);
    await clock.advance(1_001);
    const second = await t2.acquire(A, 1_000);
    assert.ok(second, "taken over after expiry");
    assert.ok(second.fence > first.fence);
    assert.equal(await first.renew(), false);
    assert.equal(await second.renew(), true);
    await second.release();
  });

  test("renew keeps a lease from expiring", async ({ node, clock }) => {
    const { transport: t1 } = await node("n1");
    const { transport: t2 } = await node("n2");
    const lease = await t1.acquire(A, 1_000);
    assert.ok(lease);
    await clock.advance(800);
    assert.equal(await lease.renew(), true);
    await clock.advance(800);
    assert.equal(await t2.acquire(A, 1_000), undefined);
    await clock.advance(300);
    const next = await t2.acquire(A, 1_000);
    assert.ok(next);
    await next.release();
  });

  test("a node refused a lease gets a wake-up for that actor later", async ({ node, clock, wakes }) => {
    const { transport: t1 } = await node("n1");
    const { transport: t2 } = await node("n2");
    const held = await t1.acquire(A, TTL);
    assert.ok(held);
    const seen = wakes.length;
    assert.equal(await t2.acquire(A, TTL), undefined);
    assert.equal(await held.release(), true);
    await waitFor(
      () => wakes.slice(seen).includes(addressKey(A)),
      "a wake-up after the refused acquire",
      clock,
    );
  });

  test("read returns entries after a seq, in order and up to a limit; ack removes them", async ({ node }) => {
    const { transport: t } = await node("n1", false);
    await t.post(range(5).map((i) => msg(A, `m${i}`)));
    const lease = await t.acquire(A, TTL);
    assert.ok(lease);
    const first = await lease.read(0, 2);
    assert.deepEqual(first.map(label), ["m0", "m1"]);
    const rest = await lease.read(first[1]!.seq, 10);
    assert.deepEqual(rest.map(label), ["m2", "m3", "m4"]);
    assertIncreasing([...first, ...rest]);
    await lease.ack(rest[0]!.seq);
    const left = await lease.read(0, 10);
    assert.deepEqual(left.map(label), ["m3", "m4"]);
    await lease.ack(rest[2]!.seq);
    assert.deepEqual(await lease.read(0, 10), []);
    assert.equal(await lease.release(), true);
  });

  test("release keeps the lease and returns false when a message arrived during the drain", async ({ node }) => {
    const { transport: t1 } = await node("n1");
    const { transport: t2 } = await node("n2");
    await t1.post([msg(A, "first")]);
    const lease = await t1.acquire(A, TTL);
    assert.ok(lease);
    const batch = await lease.read(0, 10);
    assert.deepEqual(batch.map(label), ["first"]);
    await lease.ack(batch[0]!.seq);
    await t2.post([msg(A, "late")]);
    assert.equal(await lease.release(), false);
    assert.equal(await t2.acquire(A, TTL), undefined, "still held");
    const late = await lease.read(batch[0]!.seq, 10);
    assert.deepEqual(late.map(label), ["late"]);
    await lease.ack(late[0]!.seq);
    assert.equal(await lease.release(), true);
    const next = await t2.acquire(A, TTL);
    assert.ok(next, "free after a clean release");
    assert.deepEqual(await next.read(0, 10), []);
    await next.release();
  });

  test("a forced release with messages left gives the lease up and a wake-up follows", async ({ node, clock, wakes }) => {
    const { transport: t1 } = await node("n1");
    const { transport: t2 } = await node("n2");
    await t1.post([msg(A, "left")]);
    const lease = await t1.acquire(A, TTL);
    assert.ok(lease);
    const seen = wakes.length;
    assert.equal(await lease.release(true), false);
    await waitFor(
      () => wakes.slice(seen).includes(addressKey(A)),
      "a wake-up after the forced release",
      clock,
    );
    const next = await t2.acquire(A, TTL);
    assert.ok(next);
    assert.deepEqual((await next.read(0, 10)).map(label), ["left"]);
    await next.ack((await next.read(0, 10))[0]!.seq);
    assert.equal(await next.release(), true);
  });

  test("postLater delivers after the delay, not before", async ({ node, clock, wakes }) => {
    const { transport: t } = await node("n1");
    await t.postLater(msg(A, "later"), 300);
    const early = await t.acquire(A, TTL);
    assert.ok(early);
    assert.deepEqual(await early.read(0, 10), []);
    assert.equal(await early.release(), true);
    await waitFor(
      () => wakes.includes(addressKey(A)),
      "the delayed message's wake-up",
      clock,
    );
    const lease = await t.acquire(A, TTL);
    assert.ok(lease);
    const got = await lease.read(0, 10);
    assert.deepEqual(got.map(label), ["later"]);
    assert.ok(got[0]!.seq >= 1);
    await lease.ack(got[0]!.seq);
    await lease.release();
  });

  test("replies reach the node named in replyTo and no other", async ({ node }) => {
    const n1 = await node("n1");
    const n2 = await node("n2");
    await n1.transport.sendReply({
      replyTo: "n2:r1",
      ok: true,
      value: { n: 1 },
    });
    await n2.transport.sendReply({ replyTo: "n2:r2", ok: false, value: "no" });
    await n1.transport.sendReply({ replyTo: "n1:r3", ok: true, value: 3 });
    await waitFor(
      () => n2.replies.length >= 2 && n1.replies.length >= 1,
      "three replies",
    );
    const byId = (r: Reply) => r.replyTo;
    assert.deepEqual(n2.replies.map(byId).sort(), ["n2:r1", "n2:r2"]);
    assert.deepEqual(n1.replies.map(byId), ["n1:r3"]);
    const r1 = n2.replies.find((r) => r.replyTo === "n2:r1")!;
    assert.deepEqual(r1, { replyTo: "n2:r1", ok: true, value: { n: 1 } });
    assert.equal(n2.replies.find((r) => r.replyTo === "n2:r2")!.ok, false);
  });

  test("close is idempotent", async ({ node }) => {
    const { transport: t } = await node("n1");
    await t.close();
    await t.close();
  });
}

function msg(target: Address, label: string): Outgoing {
  return { target, message: { type: "conf", label } };
}

function label(e: Envelope): string {
  return (e.message as { label: string }).label;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function assertIncreasing(envelopes: Envelope[]): void {
  for (let i = 1; i < envelopes.length; i++) {
    assert.ok(
      envelopes[i]!.seq > envelopes[i - 1]!.seq,
      `seqs ${envelopes.map((e) => e.seq).join(",")}`,
    );
  }
}

/** Reads and acks everything in `target`'s mailbox under one lease. */
async function drainAll(t: Transport, target: Address): Promise<Envelope[]> {
  const lease: Lease | undefined = await t.acquire(target, TTL);
  assert.ok(lease, `lease of ${addressKey(target)}`);
  const out: Envelope[] = [];
  for (;;) {
    const batch = await lease.read(out.at(-1)?.seq ?? 0, 7);
    if (batch.length === 0) break;
    out.push(...batch);
    await lease.ack(batch.at(-1)!.seq);
  }
  assert.equal(await lease.release(), true);
  return out;
}

/** Polls `cond` in real time (moving `clock` too, if given) until it holds. */
async function waitFor(
  cond: () => boolean,
  what: string,
  clock?: ManualClock,
): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`);
    }
    if (clock) await clock.advance(50);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
