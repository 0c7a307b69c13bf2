import { assert } from "../deps.ts";
import { parseConfig } from "../../config.ts";
import { main } from "../../main.ts";
import { markdownReport, textSummary } from "../../eval/report.ts";
import { runEval } from "../../eval/runner.ts";
import { loadTasks } from "../../eval/task.ts";
import { startFakeOllama } from "../fakes/ollama.ts";
import { evalModel } from "../fakes/eval_model.ts";
import { TEST_SNAPSHOT_DIR } from "../_python_snapshot.ts";

Deno.test("an eval through the whole platform runs several models on one node, reports each model's known share, fails shallow answers and counts an absent model as not passed", async () => {
  const all = await loadTasks();
  const pick = ["js_chunk", "ts_slugify", "py_luhn"];
  const tasks = all.filter((t) => pick.includes(t.id));
  assert.equal(tasks.length, pick.length);
  // Each model knows a different subset; for the rest it writes code that
  // passes the tests it wrote itself and nothing more (in Python too).
  const small = "qwen2.5-coder:7b";
  const large = "qwen2.5-coder:14b";
  const solves: Record<string, Set<string>> = {
    [small]: new Set(["py_luhn"]),
    [large]: new Set(["js_chunk", "ts_slugify"]),
  };
  await using ollama = await startFakeOllama({
    models: [small, large, "nomic-embed-text"],
  });
  ollama.respond(evalModel([small, large].flatMap((model) =>
    tasks.map((t) => ({
      model,
      module: t.module,
      mode: solves[model]!.has(t.id) ? "solve" as const : "shallow" as const,
      source: t.reference,
      exports: t.exports.map((e) => e.name),
    }))
  )));
  const config = parseConfig({
    OLLAMA_HOST: ollama.url,
    LOG_LEVEL: "error",
    PYTHON_SNAPSHOT_DIR: TEST_SNAPSHOT_DIR,
  });
  const ticks: number[] = [];
  const report = await runEval({
    config,
    tasks,
    settings: {
      models: [small, large, "absent-model:1b"],
      attempts: 2,
      // Two at a time: later builds' prompts carry retrieved context from
      // earlier ones, which must not confuse whose task a prompt is.
      concurrency: 2,
    },
    pollMs: 50,
    onProgress: (p) => ticks.push(p.done),
  });
  assert.equal(ticks.length, tasks.length * 3, "one progress tick per task");
  assert.equal(
    new Set(report.summaries.map((s) => s.nodeStartSeconds)).size,
    1,
    "every model ran on the same node",
  );

  for (const model of [small, large]) {
    const summary = report.summaries.find((s) => s.model === model);
    assert.ok(summary, model);
    const solved = solves[model]!;
    for (const r of report.results.filter((r) => r.model === model)) {
      const where = `${model} ${r.taskId}`;
      assert.equal(r.buildStatus, "succeeded", `${where}: ${r.reason}`);
      assert.equal(r.passed, solved.has(r.taskId), `${where}: ${r.reason}`);
      assert.ok(r.modelCalls >= 2, `${where}: plan and code were metered`);
      assert.ok(r.tokensIn > 0 && r.tokensOut > 0, "Ollama's token counts");
      assert.ok(r.scores, "analysis scores");
      if (!solved.has(r.taskId)) {
        // Its own tests passed (the build succeeded); the hidden ones did not.
        assert.equal(r.hidden?.status, "failed", where);
        assert.match(r.reason ?? "", /hidden tests failed/);
      }
    }
    assert.equal(summary.passedLast, solved.size, model);
    assert.equal(summary.passRateLast, solved.size / tasks.length, model);
    assert.equal(summary.passRateFirst, solved.size / tasks.length, model);
    assert.equal(summary.malformedRate, 0);
  }
  // Each build asked for its own model: the fake saw both by name.
  const asked = new Set(
    ollama.requests.filter((r) => r.endpoint === "chat").map((r) => r.model),
  );
  assert.ok(asked.has(small) && asked.has(large), [...asked].join(", "));

  const absent = report.summaries.find((s) => s.model === "absent-model:1b");
  assert.ok(absent);
  assert.equal(absent.passedLast, 0);
  assert.equal(absent.notRun, tasks.length);
  for (const r of report.results.filter((r) => r.model === absent.model)) {
    assert.equal(r.passed, false);
    assert.equal(r.buildStatus, "not_run");
    assert.match(r.reason ?? "", /absent-model/);
  }

  const md = markdownReport(report);
  assert.match(md, /## Comparison/);
  assert.match(md, /Best pass rate: \*\*qwen2\.5-coder:14b\*\* \(66\.7%/);
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
