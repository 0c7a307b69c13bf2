/**
 * Crash safety and several processes over one KV file, with real subprocesses
 * (tests/runtime/fixtures/kv_node.ts) sharing the transport's KV file and a
 * KV-backed state store.
 */
import { defineActor } from "../../runtime/actor.ts";
import { KvTransport } from "../../runtime/kv.ts";
import { retryLocked } from "../../runtime/_kv_retry.ts";
import { ActorSystem } from "../../runtime/system.ts";
import { assert } from "../deps.ts";
import { KvStateStore } from "./fixtures/kv_state_store.ts";
import type { AccState, AddMsg, NodeOptions } from "./fixtures/kv_node.ts";

const FIXTURE = new URL("./fixtures/kv_node.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

interface Node {
  readonly lines: string[];
  readonly stderr: () => string;
  /** Resolves when the process has exited and its pipes are drained. */
  readonly exited: Promise<Deno.CommandStatus>;
  kill(): void;
  /** Closes stdin: the node shuts down gracefully. */
  stop(): Promise<void>;
}

function spawnNode(options: NodeOptions): Node {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", FIXTURE, JSON.stringify(options)],
    cwd: ROOT,
    env: { RUST_BACKTRACE: "0" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let err = "";
  const readOut = (async () => {
    let rest = "";
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      rest += chunk;
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts);
    }
  })();
  const readErr = (async () => {
    for await (
      const chunk of child.stderr.pipeThrough(new TextDecoderStream())
    ) {
      err += chunk;
    }
  })();
  const writer = child.stdin.getWriter();
  const exited = (async () => {
    const status = await child.status;
    await readOut;
    await readErr;
    return status;
  })();
  let stdinClosed = false;
  const closeStdin = async () => {
    if (stdinClosed) return;
    stdinClosed = true;
    await writer.close().catch(() => {});
  };
  return {
    lines,
    stderr: () => err,
    exited,
    kill() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      closeStdin();
    },
    async stop() {
      await closeStdin();
    },
  };
}

async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
  nodes: Node[] = [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) {
      const logs = nodes.map((n, i) =>
        `--- node ${i} stderr:\n${n.stderr().slice(-2000)}`
      ).join("\n");
      throw new Error(`timed out after ${timeoutMs} ms: ${what}\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function tempFiles(): Promise<
  { dir: string; kvPath: string; storePath: string }
> {
  const dir = await Deno.makeTempDir({ prefix: "troupe-kv-proc-" });
  return {
    dir,
    kvPath: `${dir}/kv.sqlite3`,
    storePath: `${dir}/store.sqlite3`,
  };
}

async function stateOf(
  storePath: string,
  id: string,
): Promise<AccState | undefined> {
  const kv = await retryLocked(() => Deno.openKv(storePath));
  try {
    const row = await new KvStateStore(kv).row("acc", id);
    return row?.state as AccState | undefined;
  } finally {
    kv.close();
  }
}

function assertNonDecreasing(values: number[], what: string): void {
  for (let i = 1; i < values.length; i++) {
    assert.ok(values[i]! >= values[i - 1]!, `${what}: ${values.join(",")}`);
  }
}

Deno.test("a handler that throws mid-turn changes state once per message, in order, on KV", async () => {
  const { dir, kvPath, storePath } = await tempFiles();
  const kv = await retryLocked(() => Deno.openKv(kvPath));
  const storeKv = await retryLocked(() => Deno.openKv(storePath));
  const attempts = new Map<number, number>();
  const flaky = defineActor<{ seen: number[] }, { type: "n"; n: number }>({
    kind: "flaky",
    durable: true,
    supervision: {
      strategy: "restart",
      maxAttempts: 5,
      maxRestarts: 100,
      backoff: { initialMs: 1, maxMs: 5, factor: 2, jitter: 0 },
    },
    initialState: () => ({ seen: [] }),
    receive(_ctx, state, msg) {
      // Mutates in place, then throws on the first attempt of every third message.
      state.seen.push(msg.n);
      const tries = (attempts.get(msg.n) ?? 0) + 1;
      attempts.set(msg.n, tries);
      if (msg.n % 3 === 0 && tries === 1) throw new Error(`fail ${msg.n}`);
      return state;
    },
  });
  const system = new ActorSystem({
    behaviors: [flaky],
    transport: new KvTransport({ kv, pollIntervalMs: 20 }),
    store: new KvStateStore(storeKv),
  });
  system.start();
  try {
    const ref = system.ref<{ type: "n"; n: number }>("flaky", "x");
    for (let n = 1; n <= 30; n++) await ref.tell({ type: "n", n });
    const store = new KvStateStore(storeKv);
    await waitFor(
      async () => (await store.row("flaky", "x"))?.lastSeq === 30,
      "30 messages committed",
      20_000,
    );
    const row = await store.row("flaky", "x");
    assert.deepEqual(
      (row!.state as { seen: number[] }).seen,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    assert.equal(attempts.get(3), 2);
    assert.equal(attempts.get(4), 1);
  } finally {
    await system.shutdown();
    kv.close();
    storeKv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a process killed with SIGKILL mid-drain: a new node drains the rest, in order, none applied twice", async () => {
  const { dir, kvPath, storePath } = await tempFiles();
  const total = 40;
  // Post everything durably before any node runs.
  {
    const kv = await retryLocked(() => Deno.openKv(kvPath));
    const transport = new KvTransport({ kv });
    await transport.post(
      Array.from({ length: total }, (_, n) => ({
        target: { kind: "acc", id: "x" },
        message: { type: "add", from: "test", n } satisfies AddMsg,
      })),
    );
    await transport.close();
    kv.close();
  }
  const first = spawnNode({
    kvPath,
    storePath,
    nodeId: "doomed",
    turnMs: 40,
    leaseTtlMs: 1_500,
    idleTimeoutMs: 60_000,
    probe: false,
  });
  let survivor: ActorSystem | undefined;
  const kvs: Deno.Kv[] = [];
  try {
    await waitFor(
      () => first.lines.filter((l) => l.startsWith("processed")).length >= 10,
      "the first node to process 10 messages",
      30_000,
      [first],
    );
    first.kill();
    const status = await first.exited;
    assert.equal(status.signal, "SIGKILL");
    const before = (await stateOf(storePath, "x"))!.seen.length;
    assert.ok(
      before >= 10 && before < total,
      `processed before kill: ${before}`,
    );

    // A new node on the same files: no new message, only what the queue holds.
    const kv = await retryLocked(() => Deno.openKv(kvPath));
    const storeKv = await retryLocked(() => Deno.openKv(storePath));
    kvs.push(kv, storeKv);
    survivor = new ActorSystem({
      behaviors: [
        defineActor<AccState, AddMsg>({
          kind: "acc",
          durable: true,
          initialState: () => ({ seen: [], overlaps: 0 }),
          receive: (ctx, state, msg) =>
            msg.type === "add"
              ? {
                seen: [...state.seen, {
                  node: "survivor",
                  from: msg.from,
                  n: msg.n,
                  seq: ctx.seq,
                  fence: ctx.fence,
                }],
                overlaps: state.overlaps,
              }
              : state,
        }),
      ],
      transport: new KvTransport({
        kv,
        nodeId: "survivor",
        pollIntervalMs: 20,
        leaseGraceMs: 200,
      }),
      store: new KvStateStore(storeKv),
      leaseTtlMs: 1_500,
    });
    survivor.start();
    await waitFor(
      async () => (await stateOf(storePath, "x"))?.seen.length === total,
      "the survivor to finish the mailbox",
      30_000,
    );
    const state = (await stateOf(storePath, "x"))!;
    assert.deepEqual(
      state.seen.map((s) => s.n),
      Array.from({ length: total }, (_, n) => n),
    );
    const seqs = state.seen.map((s) => s.seq);
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!);
    const fences = state.seen.map((s) => s.fence);
    assertNonDecreasing(fences, "fences");
    assert.ok(fences.at(-1)! > fences[0]!, "the survivor holds a newer fence");
  } finally {
    first.kill();
    await first.exited;
    await survivor?.shutdown();
    for (const kv of kvs) kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two processes sharing one KV file and store: one activation at a time, nothing lost, per-sender order kept", async () => {
  const { dir, kvPath, storePath } = await tempFiles();
  const actors = 3;
  const perActor = 25;
  const base = {
    kvPath,
    storePath,
    turnMs: 3,
    leaseTtlMs: 3_000,
    idleTimeoutMs: 150,
    probe: true,
  };
  // Waves with pauses longer than the idle timeout, offset between the nodes,
  // so activations passivate and leases move from one process to the other.
  const send = { actors, perActor, wave: 5, pauseMs: 700 };
  const nodes = [
    spawnNode({ ...base, nodeId: "p1", send: { ...send, delayMs: 0 } }),
    spawnNode({ ...base, nodeId: "p2", send: { ...send, delayMs: 350 } }),
  ];
  try {
    const ids = Array.from({ length: actors }, (_, i) => `a${i}`);
    await waitFor(
      async () => {
        for (const id of ids) {
          const state = await stateOf(storePath, id);
          if ((state?.seen.length ?? 0) < 2 * perActor) return false;
        }
        return true;
      },
      "every message processed",
      55_000,
      nodes,
    );
    const activations: number[] = [];
    const processedBy = new Set<string>();
    for (const id of ids) {
      const state = (await stateOf(storePath, id))!;
      assert.equal(state.overlaps, 0, `${id}: overlapping turns`);
      assert.equal(state.seen.length, 2 * perActor, `${id}: count`);
      for (const from of ["p1", "p2"]) {
        assert.deepEqual(
          state.seen.filter((s) => s.from === from).map((s) => s.n),
          Array.from({ length: perActor }, (_, n) => n),
          `${id}: messages from ${from}`,
        );
      }
      assertNonDecreasing(state.seen.map((s) => s.fence), `${id}: fences`);
      // Each activation (fence) ran on one node only.
      const nodeOfFence = new Map<number, string>();
      for (const s of state.seen) {
        assert.equal(nodeOfFence.get(s.fence) ?? s.node, s.node);
        nodeOfFence.set(s.fence, s.node);
      }
      activations.push(nodeOfFence.size);
      for (const s of state.seen) processedBy.add(s.node);
      const seqs = state.seen.map((s) => s.seq);
      for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!);
    }
    // Every node's asks were answered, wherever the actor was active.
    await waitFor(
      () =>
        nodes.every((node) =>
          node.lines.filter((l) => l.startsWith("counted")).length === actors
        ),
      "every ask answered",
      30_000,
      nodes,
    );
    // The workload did move leases between the processes.
    assert.deepEqual([...processedBy].sort(), ["p1", "p2"]);
    assert.ok(activations.every((n) => n >= 2), `activations ${activations}`);
    for (const node of nodes) await node.stop();
    for (const node of nodes) {
      const status = await node.exited;
      assert.equal(status.code, 0, node.stderr());
    }
  } finally {
    for (const node of nodes) {
      node.kill();
      await node.exited;
    }
    await Deno.remove(dir, { recursive: true });
  }
});
