/**
 * Runs the corpus of realistic model answers through the answer parsers and,
 * where the code is runnable, through the sandbox.
 */
import { assert } from "../../deps.ts";
import {
  parseGeneration,
  parsePlan,
} from "../../../actors/workflow/prompts.ts";
import { runTests } from "../../../actors/workflow/tools/sandbox.ts";
import { toolsFor } from "../../../actors/languages/tools.ts";
import { LazyPythonPool } from "../../../actors/workflow/tools/python_sandbox/lazy.ts";
import { CODE_CORPUS as DENO_CORPUS, PLAN_CORPUS } from "./corpus/replies.ts";
import { PYTHON_CORPUS } from "./corpus/python_replies.ts";
import { TEST_SNAPSHOT_DIR } from "../../_python_snapshot.ts";

const CODE_CORPUS = [...DENO_CORPUS, ...PYTHON_CORPUS];

Deno.test("the corpus has at least 40 answers, good and broken", () => {
  assert.ok(CODE_CORPUS.length + PLAN_CORPUS.length >= 40);
  assert.ok(CODE_CORPUS.some((e) => "problem" in e.expect));
  assert.ok(CODE_CORPUS.some((e) => e.language === "javascript"));
  assert.ok(
    PYTHON_CORPUS.filter((e) => e.run === "now").length >= 5,
    "runnable Python answers",
  );
  assert.ok(PYTHON_CORPUS.some((e) => "problem" in e.expect));
  assert.equal(
    new Set(CODE_CORPUS.map((e) => e.id)).size,
    CODE_CORPUS.length,
    "unique ids",
  );
});

for (const entry of CODE_CORPUS) {
  Deno.test(`code answer "${entry.id}" (${entry.model})`, () => {
    const parsed = parseGeneration(entry.reply, entry.language);
    if ("problem" in entry.expect) {
      assert.equal(parsed.ok, false, "the answer must be refused");
      assert.equal(!parsed.ok && parsed.code, entry.expect.problem);
      assert.ok(!parsed.ok && parsed.problem.length > 10, "a readable reason");
      return;
    }
    assert.ok(parsed.ok, !parsed.ok ? parsed.problem : "");
    assert.deepEqual(
      Object.fromEntries(parsed.value.map((f) => [f.path, f.kind])),
      entry.expect.files,
    );
    for (const file of parsed.value) {
      assert.doesNotMatch(file.content, /^```|<\/?think>/m, file.path);
    }
  });
}

for (const entry of PLAN_CORPUS) {
  Deno.test(`plan answer "${entry.id}" (${entry.model})`, () => {
    const parsed = parsePlan(entry.reply);
    if (entry.expect === true) {
      assert.ok(parsed.ok, !parsed.ok ? parsed.problem : "");
      assert.ok(parsed.value.phases.length > 0);
    } else {
      assert.equal(!parsed.ok && parsed.code, entry.expect);
    }
  });
}

/** Whether the sandbox runs tests that import the Deno standard library. */
async function sandboxMapsStd(): Promise<boolean> {
  const dir = await Deno.makeTempDir({ prefix: "troupe-std-probe-" });
  try {
    await Deno.writeTextFile(
      `${dir}/probe_test.ts`,
      'import { assertEquals } from "jsr:@std/assert";\nDeno.test("probe", () => assertEquals(1, 1));\n',
    );
    return (await runTests(dir, { language: "typescript" })).status ===
      "passed";
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("runnable corpus answers pass in their language's sandbox", async (t) => {
  const stdMapped = await sandboxMapsStd();
  // One warm Pyodide process at a time, started by the first Python answer.
  await using python = new LazyPythonPool({
    size: 1,
    snapshotDir: TEST_SNAPSHOT_DIR,
  });
  for (const entry of CODE_CORPUS) {
    if (entry.run === undefined) continue;
    await t.step({
      name: `${entry.id}${
        entry.run === "needs-std" ? " (needs std mapping)" : ""
      }`,
      ignore: entry.run === "needs-std" && !stdMapped,
      fn: async () => {
        const parsed = parseGeneration(entry.reply, entry.language);
        assert.ok(parsed.ok);
        const dir = await Deno.makeTempDir({ prefix: "troupe-corpus-" });
        try {
          for (const file of parsed.value) {
            const path = `${dir}/${file.path}`;
            await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), {
              recursive: true,
            });
            await Deno.writeTextFile(path, file.content);
          }
          const report = await toolsFor(entry.language)!.runTests(dir, {
            pythonPool: () => python.get(),
          });
          assert.equal(
            report.status,
            "passed",
            `${report.reason ?? ""}\n${report.output.slice(-1500)}`,
          );
          assert.ok(report.passed > 0);
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    });
  }
});
