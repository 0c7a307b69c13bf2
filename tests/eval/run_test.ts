import { assert } from "../deps.ts";
import { parseConfig } from "../../config.ts";
import { main } from "../../main.ts";
import { markdownReport, textSummary } from "../../eval/report.ts";
import { runEval } from "../../eval/runner.ts";
import { loadTasks } from "../../eval/task.ts";
import { startFakeOllama } from "../fakes/ollama.ts";
import { evalModel } from "../fakes/eval_model.ts";

Deno.test("an eval through the whole platform reports the known share, fails shallow answers and counts an absent model as not passed", async () => {
  const all = await loadTasks();
  const pick = ["js_chunk", "ts_slugify", "js_brackets", "ts_clamp_range"];
  const tasks = all.filter((t) => pick.includes(t.id));
  assert.equal(tasks.length, pick.length);
  // The model knows two of the four; for the other two it writes code that
  // passes the tests it wrote itself and nothing more.
  const solved = new Set(["js_chunk", "ts_clamp_range"]);
  await using ollama = await startFakeOllama({
    models: ["qwen2.5-coder:7b", "nomic-embed-text"],
  });
  ollama.respond(evalModel(tasks.map((t) => ({
    module: t.module,
    mode: solved.has(t.id) ? "solve" : "shallow",
    source: t.reference,
    exports: t.exports.map((e) => e.name),
  }))));
  const config = parseConfig({ OLLAMA_HOST: ollama.url, LOG_LEVEL: "error" });
  const ticks: number[] = [];
  const report = await runEval({
    config,
    tasks,
    settings: {
      models: ["qwen2.5-coder:7b", "absent-model:1b"],
      attempts: 2,
      // Two at a time: later builds' prompts carry retrieved context from
      // earlier ones, which must not confuse whose task a prompt is.
      concurrency: 2,
    },
    pollMs: 50,
    onProgress: (p) => ticks.push(p.done),
  });
  assert.equal(ticks.length, tasks.length * 2, "one progress tick per task");

  const [known, absent] = report.summaries;
  assert.ok(known && absent);
  assert.equal(known.passedLast, solved.size);
  assert.equal(known.passRateLast, solved.size / tasks.length);
  assert.equal(known.passRateFirst, solved.size / tasks.length);
  assert.equal(known.malformedRate, 0);
  for (const r of report.results.filter((r) => r.model === known.model)) {
    assert.equal(r.buildStatus, "succeeded", `${r.taskId}: ${r.reason}`);
    assert.equal(r.passed, solved.has(r.taskId), r.taskId);
    assert.ok(r.modelCalls >= 2, "plan and code were metered");
    assert.ok(r.tokensIn > 0 && r.tokensOut > 0, "Ollama's token counts");
    assert.ok(r.scores, "analysis scores");
    if (!solved.has(r.taskId)) {
      // Its own tests passed (the build succeeded); the hidden ones did not.
      assert.equal(r.hidden?.status, "failed");
      assert.match(r.reason ?? "", /hidden tests failed/);
    }
  }

  assert.equal(absent.passedLast, 0);
  for (const r of report.results.filter((r) => r.model === absent.model)) {
    assert.equal(r.passed, false);
    assert.equal(r.buildStatus, "failed");
    assert.match(r.reason ?? "", /absent-model/);
  }

  const md = markdownReport(report);
  assert.match(md, /## Comparison/);
  assert.match(md, /Best pass rate: \*\*qwen2\.5-coder:7b\*\* \(50\.0%/);
  assert.match(textSummary(report.summaries), /absent-model:1b/);
});

Deno.test("deno task eval refuses bad flags with a usage error", async () => {
  const errors: string[] = [];
  const config = parseConfig({ LOG_LEVEL: "error" });
  const code = await main(["eval", "--attempts", "0"], {
    config,
    write: () => {},
    writeError: (line) => errors.push(line),
  });
  assert.equal(code, 2);
  assert.match(errors.join("\n"), /--attempts must be a whole number/);
  const none = await main(["eval", "--tasks", "no_such_task*"], {
    config,
    write: () => {},
    writeError: (line) => errors.push(line),
  });
  assert.equal(none, 2);
  assert.match(errors.join("\n"), /no task matches/);
});
