/**
 * Build throughput and platform overhead on the real stack (PGlite, Deno KV,
 * embedded Chroma, PostgresSaver, the deno sandbox) with an instant fake
 * model. The figures are printed; the bench timings themselves are the
 * whole run.
 *
 * - "platform overhead": a build's wall time minus the time spent in model
 *   calls (chat and embeddings, as the model client measures them) and in
 *   sandboxed test runs, median and p95 over sequential builds; once with the
 *   Deno KV transport and once with the in-memory one, which isolates what
 *   the transport's hops cost. The replaced system spent about 3.8 s; the
 *   goal is under 50 ms.
 * - "platform CPU per build": the CPU time this process spent on a build
 *   (user + system, all its threads; the sandbox's own processes are not
 *   counted, the model fake's few microseconds are), median and p95. Wall
 *   time on a machine shared with other work includes waiting for a core;
 *   CPU time does not, so it is the figure to compare across runs there.
 * - "per step": the same two figures split at the build's status events
 *   (start -> analyzing -> planning -> generating -> testing -> finalizing
 *   -> succeeded), median per step, so the next person sees where the time
 *   goes. "start" is the hops from `start` to the first node's report;
 *   "finalizing" runs to the final status (analysis, docs, the row's
 *   artifacts, the `completed` hop). A step's figure includes the checkpoint
 *   written after it and the status event that ends it.
 * - "100 builds at once": all started together; all must succeed with
 *   complete, ordered event logs.
 *
 * Run: deno bench -A bench/build_bench.ts
 *
 * @module
 */
import { cpuUsage } from "node:process";
import type { WorkflowDeps } from "../actors/workflow/graph.ts";
import type { WorkflowMessage } from "../actors/workflow.ts";
import { MemoryTransport } from "../runtime/memory_transport.ts";
import { type BuildEvent, listBuildEvents } from "../storage/build_events.ts";
import { loadBuild } from "../storage/builds.ts";
import type { Db } from "../storage/schema.ts";
import { GOOD_CODE, scriptBuild } from "../tests/actors/_scripts.ts";
import {
  newQueuedBuild,
  openWorkflowHarness,
  startTestNode,
  type TestNode,
} from "../tests/actors/_support.ts";
import { startFakeOllama } from "../tests/fakes/ollama.ts";
import { openTestDatabase } from "../tests/storage/_db.ts";

const SEQUENTIAL = 30;
const CONCURRENT = 100;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Wall, model, sandbox and CPU clocks at one instant. */
interface Marks {
  wall: number;
  model: number;
  sandbox: number;
  cpu: number;
}

/** Splits the one build being measured at its status events. */
class Steps {
  /** Step name -> platform overhead (ms) per build. */
  readonly overhead = new Map<string, number[]>();
  /** Step name -> CPU (ms) per build. */
  readonly cpu = new Map<string, number[]>();
  #buildId: string | undefined;
  #step = "start";
  #last: Marks | undefined;

  constructor(readonly clocks: { model: number; sandbox: number }) {}

  #marks(): Marks {
    const used = cpuUsage();
    return {
      wall: performance.now(),
      model: this.clocks.model,
      sandbox: this.clocks.sandbox,
      cpu: (used.user + used.system) / 1000,
    };
  }

  /** Starts splitting `buildId` (the clocks were just reset). */
  begin(buildId: string): void {
    this.#buildId = buildId;
    this.#step = "start";
    this.#last = this.#marks();
  }

  /** Stops splitting (warm-up builds and the concurrent run are not split). */
  end(): void {
    this.#buildId = undefined;
  }

  /** Closes the current step at a status event of the measured build. */
  status(buildId: string, to: string): void {
    if (buildId !== this.#buildId || this.#last === undefined) return;
    const now = this.#marks();
    const last = this.#last;
    const add = (map: Map<string, number[]>, value: number) => {
      const list = map.get(this.#step) ?? [];
      list.push(value);
      map.set(this.#step, list);
    };
    add(
      this.overhead,
      now.wall - last.wall - (now.model - last.model) -
        (now.sandbox - last.sandbox),
    );
    add(this.cpu, now.cpu - last.cpu);
    this.#step = to;
    this.#last = now;
  }

  /** One line per step: median overhead and CPU. */
  print(label: string): void {
    const median = (list: number[]) =>
      percentile([...list].sort((a, b) => a - b), 0.5);
    const parts = [...this.overhead.keys()].map((step) =>
      `${step} ${median(this.overhead.get(step)!).toFixed(1)} / ${
        median(this.cpu.get(step)!).toFixed(1)
      }`
    );
    console.log(
      `per step, ${label} (median ms of overhead / CPU): ${parts.join(", ")}`,
    );
    this.overhead.clear();
    this.cpu.clear();
  }
}

/** Resolves a build's promise when its final status event is appended. */
class Finish {
  readonly #waiting = new Map<string, () => void>();
  constructor(readonly steps?: Steps) {}
  notify = (events: readonly BuildEvent[]) => {
    for (const e of events) {
      const to = (e.data as { to?: string }).to;
      if (e.type === "status" && to !== undefined) {
        this.steps?.status(e.buildId, to);
      }
      if (
        e.type === "status" &&
        (to === "succeeded" || to === "failed" || to === "cancelled")
      ) this.#waiting.get(e.buildId)?.();
    }
  };
  /** Starts a build; `onFinished` runs synchronously when its final status is logged. */
  async run(
    node: TestNode,
    buildId: string,
    onFinished: () => void = () => {},
  ): Promise<void> {
    const done = new Promise<void>((r) =>
      this.#waiting.set(buildId, () => {
        onFinished();
        r();
      })
    );
    await node.system.ref("build", buildId).tell({ type: "start" });
    await done;
    this.#waiting.delete(buildId);
  }
}

/** Waits until the workflow's turn (Chroma bookkeeping included) is over. */
async function settled(node: TestNode, buildId: string): Promise<void> {
  await node.system.ref<WorkflowMessage>("workflow", buildId).ask({
    type: "run",
    buildId,
  }, { timeoutMs: 60_000 });
}

async function measureOverhead(
  db: Db,
  node: TestNode,
  finish: Finish,
  clocks: { model: number; sandbox: number },
  label: string,
): Promise<void> {
  for (let i = 0; i < 3; i++) { // warm-up: collections, caches, JIT
    const { buildId } = await newQueuedBuild(db);
    await finish.run(node, buildId);
    await settled(node, buildId);
  }
  const overheads: number[] = [];
  const totals: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const { buildId } = await newQueuedBuild(db);
    clocks.model = 0;
    clocks.sandbox = 0;
    finish.steps?.begin(buildId);
    const cpu0 = cpuUsage();
    const t = performance.now();
    let total = 0;
    let model = 0;
    let sandbox = 0;
    let cpu = 0;
    await finish.run(node, buildId, () => {
      total = performance.now() - t;
      const used = cpuUsage(cpu0);
      cpu = (used.user + used.system) / 1000;
      model = clocks.model;
      sandbox = clocks.sandbox;
    });
    finish.steps?.end();
    // Work after the report (Chroma) must not spill into the next build's window.
    await settled(node, buildId);
    const row = await loadBuild(db, buildId);
    if (row?.status !== "succeeded") {
      throw new Error(`build ${buildId}: ${row?.status} ${row?.error}`);
    }
    totals.push(total);
    overheads.push(total - model - sandbox);
    cpus.push(cpu);
  }
  overheads.sort((a, b) => a - b);
  totals.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  console.log(
    `platform overhead per build, ${label} (${SEQUENTIAL} sequential): median ${
      percentile(overheads, 0.5).toFixed(1)
    } ms, p95 ${
      percentile(overheads, 0.95).toFixed(1)
    } ms; whole build median ${percentile(totals, 0.5).toFixed(0)} ms`,
  );
  console.log(
    `platform CPU per build, ${label} (${SEQUENTIAL} sequential): median ${
      percentile(cpus, 0.5).toFixed(1)
    } ms, p95 ${
      percentile(cpus, 0.95).toFixed(1)
    } ms of CPU in this process (sandbox processes not counted)`,
  );
  finish.steps?.print(label);
}

Deno.bench({
  name: "builds: platform overhead and 100 at once (figures printed above)",
  n: 1,
  warmup: 0,
  async fn() {
    await using ollama = await startFakeOllama();
    // One chunk per answer: the model costs next to nothing.
    scriptBuild(ollama, [GOOD_CODE], { chunks: [GOOD_CODE] });
    await using tdb = await openTestDatabase();
    const clocks = { model: 0, sandbox: 0 };
    await using h = await openWorkflowHarness({
      ollamaUrl: ollama.url,
      db: tdb.db,
      observeModel: (o) => clocks.model += o.durationSeconds * 1000,
      // The tests really run; type-checking is off so that 100 parallel runs fit a small machine.
      sandboxCheck: false,
    });
    const deps: WorkflowDeps = {
      ...h.deps,
      async runTests(dir, language, signal) {
        const t = performance.now();
        try {
          return await h.deps.runTests(dir, language, signal);
        } finally {
          clocks.sandbox += performance.now() - t;
        }
      },
    };
    const finish = new Finish(new Steps(clocks));
    {
      await using memory = await startTestNode({
        db: tdb.db,
        deps,
        notify: finish.notify,
        transport: new MemoryTransport(),
      });
      await measureOverhead(
        tdb.db,
        memory,
        finish,
        clocks,
        "in-memory transport",
      );
    }
    await using node = await startTestNode({
      db: tdb.db,
      deps,
      notify: finish.notify,
    });
    await measureOverhead(tdb.db, node, finish, clocks, "Deno KV transport");

    const ids: string[] = [];
    for (let i = 0; i < CONCURRENT; i++) {
      ids.push((await newQueuedBuild(tdb.db)).buildId);
    }
    const t = performance.now();
    await Promise.all(ids.map((id) => finish.run(node, id)));
    const total = performance.now() - t;
    let succeeded = 0;
    let complete = 0;
    for (const id of ids) {
      if ((await loadBuild(tdb.db, id))?.status === "succeeded") succeeded++;
      const events = await listBuildEvents(tdb.db, id);
      const last = events.at(-1)?.data as { to?: string } | undefined;
      if (events.every((e, i) => e.seq === i + 1) && last?.to === "succeeded") {
        complete++;
      }
    }
    console.log(
      `${CONCURRENT} builds at once (Deno KV transport): ${succeeded}/${CONCURRENT} succeeded, ${complete}/${CONCURRENT} with complete ordered event logs, total ${
        (total / 1000).toFixed(1)
      } s`,
    );
    if (succeeded !== CONCURRENT || complete !== CONCURRENT) {
      throw new Error("builds were lost or failed");
    }
  },
});
