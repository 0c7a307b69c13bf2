/**
 * Eval harness figures with an instant fake model (the fake Ollama answering
 * every task with its reference solution), on the real platform:
 *
 * - harness overhead per task: a task's wall time minus the time waiting for
 *   the model (measured by the metering proxy) and in the sandbox (the
 *   build's test run and the hidden run), median and p95, and as a share of
 *   the task's wall time;
 * - the set's wall time at concurrency 1 and 4, and their ratio (the
 *   baseline is the concurrency-1 run of the same invocation).
 *
 * Run: deno run -A bench/eval_bench.ts [--tasks GLOB] (default: every task)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseConfig } from "../config.ts";
import { loadTasks, median, runEval, taskFilter } from "../eval/mod.ts";
import type { EvalReport } from "../eval/mod.ts";
import { startFakeOllama } from "../tests/fakes/ollama.ts";
import { evalModel } from "../tests/fakes/eval_model.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { tasks: { type: "string" } },
});
const tasks = await loadTasks({ filter: taskFilter(values.tasks) });
await using ollama = await startFakeOllama();
ollama.respond(evalModel(tasks.map((t) => ({
  module: t.module,
  mode: "solve" as const,
  source: t.reference,
  exports: t.exports.map((e) => e.name),
}))));
const config = parseConfig({ OLLAMA_HOST: ollama.url, LOG_LEVEL: "error" });

async function run(
  concurrency: number,
): Promise<{ report: EvalReport; seconds: number }> {
  const started = performance.now();
  const report = await runEval({
    config,
    tasks,
    settings: { models: ["qwen2.5-coder:7b"], attempts: 1, concurrency },
    pollMs: 25,
  });
  return { report, seconds: (performance.now() - started) / 1000 };
}

const p95 = (xs: number[]) =>
  [...xs].sort((a, b) =>
    a - b
  )[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? 0;
const lines: string[] = [
  `eval bench: ${tasks.length} tasks, instant fake model`,
];
let baseline = 0;
for (const concurrency of [1, 4]) {
  const { report, seconds } = await run(concurrency);
  const summary = report.summaries[0]!;
  const set = seconds - summary.nodeStartSeconds;
  if (concurrency === 1) baseline = set;
  const overhead = report.results.map((r) =>
    r.wallMs - r.modelMs - r.sandboxMs
  );
  const share = report.results.map((r) =>
    (r.wallMs - r.modelMs - r.sandboxMs) / r.wallMs
  );
  lines.push(
    `concurrency ${concurrency}: set ${set.toFixed(1)} s (node start ${
      summary.nodeStartSeconds.toFixed(1)
    } s not included)` +
      (concurrency === 1
        ? ""
        : `, ${(set / baseline).toFixed(2)}x the concurrency-1 time`) +
      `; passed ${summary.passedLast}/${summary.tasks}; per task median wall ${
        (summary.medianWallMs / 1000).toFixed(2)
      } s, ` +
      `overhead median ${median(overhead).toFixed(0)} ms, p95 ${
        p95(overhead).toFixed(0)
      } ms ` +
      `(${
        (median(share) * 100).toFixed(0)
      }% of a task's wall time), sandbox median ${
        median(report.results.map((r) => r.sandboxMs)).toFixed(0)
      } ms, model median ${
        median(report.results.map((r) => r.modelMs)).toFixed(0)
      } ms`,
  );
}
console.log(lines.join("\n"));
