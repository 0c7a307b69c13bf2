import { assert } from "../deps.ts";
import { parseConfig } from "../../config.ts";
import { runEval } from "../../eval/runner.ts";
import { loadTasks } from "../../eval/task.ts";
import { startFakeOllama } from "../fakes/ollama.ts";
import { evalModel } from "../fakes/eval_model.ts";

Deno.test("an eval run against a model that solves a known subset reports exactly that share", async () => {
  const all = await loadTasks();
  const tasks = all.slice(0, 2);
  const solved = new Set([tasks[0]!.id]);
  await using ollama = await startFakeOllama();
  ollama.respond(evalModel(tasks.map((t) => ({
    module: t.module,
    mode: solved.has(t.id) ? "solve" : "shallow",
    source: t.reference,
    exports: t.exports.map((e) => e.name),
  }))));
  const config = parseConfig({ OLLAMA_HOST: ollama.url, LOG_LEVEL: "error" });
  const report = await runEval({
    config,
    tasks,
    settings: { models: ["qwen2.5-coder:7b"], attempts: 2, concurrency: 2 },
    pollMs: 50,
  });
  console.log(JSON.stringify(report, null, 2));
  const summary = report.summaries[0]!;
  assert.equal(summary.passedLast, solved.size);
  assert.equal(summary.passRateLast, solved.size / tasks.length);
});
