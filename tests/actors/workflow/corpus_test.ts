/**
 * Runs the corpus of realistic model answers through the answer parsers and,
 * where the code is runnable, through the sandbox.
 */
import { assert } from "../../deps.ts";
import {
  parseGeneration,
  parsePlan,
} from "../../../actors/workflow/prompts.ts";
import { sandboxMapsStd } from "./_std_probe.ts";
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

type RunnableEntry = (typeof CODE_CORPUS)[number] & {
  run: "now" | "needs-std";
};

/** Writes one answer's files under `dir` (its own folder per answer when batched). */
async function writeAnswer(dir: string, entry: RunnableEntry): Promise<void> {
  const parsed = parseGeneration(entry.reply, entry.language);
  assert.ok(parsed.ok, `${entry.id}: ${!parsed.ok ? parsed.problem : ""}`);
  for (const file of parsed.value) {
    const path = `${dir}/${file.path}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), {
      recursive: true,
    });
    await Deno.writeTextFile(path, file.content);
  }
}

const runnable = CODE_CORPUS.filter((e): e is RunnableEntry =>
  e.run !== undefined
);

// The TypeScript and JavaScript answers each get a folder of their own in ONE
// workspace per language, run by one `deno test` under the sandbox's real
// settings (type check, import map, permissions): the type check costs about
// a second per run, so one run per answer would cost a minute. A failure
// names its file, and so its answer.
for (const language of ["typescript", "javascript"] as const) {
  Deno.test(`runnable ${language} corpus answers pass in the sandbox, each in its own folder`, async () => {
    const entries = [];
    for (const e of runnable.filter((e) => e.language === language)) {
      if (e.run === "now" || await sandboxMapsStd()) entries.push(e);
    }
    assert.ok(entries.length > 0);
    const dir = await Deno.makeTempDir({ prefix: "troupe-corpus-" });
    try {
      for (const entry of entries) {
        await writeAnswer(`${dir}/${entry.id}`, entry);
      }
      const report = await toolsFor(language)!.runTests(dir, {
        timeoutMs: 120_000,
      });
      assert.equal(
        report.status,
        "passed",
        `${report.reason ?? ""}\n${report.output.slice(-3000)}`,
      );
      // Every answer's tests were found and ran.
      for (const entry of entries) {
        const ran = [
          ...report.output.matchAll(
            /running (\d+) tests? from \.\/([^/\s]+)\//g,
          ),
        ].filter((m) => m[2] === entry.id).reduce(
          (n, m) => n + Number(m[1]),
          0,
        );
        assert.ok(ran > 0, `${entry.id}: no test of it ran\n${report.output}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("runnable Python corpus answers pass in the sandbox", async (t) => {
  // One warm Pyodide process at a time, started by the first Python answer.
  await using python = new LazyPythonPool({
    size: 1,
    snapshotDir: TEST_SNAPSHOT_DIR,
  });
  for (const entry of runnable.filter((e) => e.language === "python")) {
    await t.step(entry.id, async () => {
      const dir = await Deno.makeTempDir({ prefix: "troupe-corpus-" });
      try {
        await writeAnswer(dir, entry);
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
    });
  }
});
