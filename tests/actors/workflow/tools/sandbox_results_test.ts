/**
 * The verdict of a run from the runner's evidence, on synthetic reports:
 * the cases the sandbox tests cannot stage on demand.
 */
import { assert } from "../../../deps.ts";
import {
  judgeRun,
  type RunEnd,
  RunnerLines,
} from "../../../../actors/workflow/tools/sandbox_results.ts";

const LIMITS = { timeoutMs: 1000, memoryMb: 64, rssLimitMb: 512 };

function junit(cases: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="deno test">
  <testsuite name="./a_test.ts">
${cases}
  </testsuite>
</testsuites>`;
}

const ok = (name: string, file = "a_test.ts") =>
  `<testcase name="${name}" classname="./${file}"></testcase>`;

function end(overrides: Partial<RunEnd>): RunEnd {
  return {
    code: 0,
    signal: null,
    timedOut: false,
    rssExceeded: false,
    output: "",
    junit: "",
    ...overrides,
  };
}

Deno.test("runner lines split across chunks and streams are still read", () => {
  const lines = new RunnerLines();
  lines.push("running 3 te", "stdout");
  lines.push("Check a_test.ts\n", "stderr");
  lines.push("sts from ./a_test.ts\nnoise\n", "stdout");
  lines.end();
  assert.deepEqual([...lines.registered], [["a_test.ts", 3]]);
});

Deno.test("a printed plan line can only raise the registered count", () => {
  const lines = new RunnerLines();
  lines.push(
    "running 2 tests from ./a_test.ts\nrunning 0 tests from ./a_test.ts\n",
  );
  lines.end();
  assert.equal(lines.registered.get("a_test.ts"), 2);
});

Deno.test("registered tests missing from a complete report crash the run", () => {
  const lines = new RunnerLines();
  lines.push("running 3 tests from ./a_test.ts\n");
  lines.end();
  const verdict = judgeRun(
    end({ junit: junit(ok("one")) }),
    lines,
    ["a_test.ts"],
    LIMITS,
  );
  assert.equal(verdict.status, "crashed");
  assert.match(
    verdict.reason ?? "",
    /2 of 3 registered tests never reported a result/,
  );
});

Deno.test("exit code 0 without a report is a crash, not a pass", () => {
  const lines = new RunnerLines();
  lines.push("running 1 test from ./a_test.ts\nok | 1 passed | 0 failed\n");
  lines.end();
  const verdict = judgeRun(end({}), lines, ["a_test.ts"], LIMITS);
  assert.equal(verdict.status, "crashed");
  assert.match(verdict.reason ?? "", /wrote no test report/);
  assert.match(verdict.reason ?? "", /last lines: .*ok \| 1 passed/);
});

Deno.test("a failed case in the report fails the run even with exit code 0", () => {
  const lines = new RunnerLines();
  lines.push("running 2 tests from ./a_test.ts\n");
  lines.end();
  const verdict = judgeRun(
    end({
      junit: junit(
        ok("one") +
          `<testcase name="two" classname="./a_test.ts"><error message="Cancelled"/></testcase>`,
      ),
    }),
    lines,
    ["a_test.ts"],
    LIMITS,
  );
  assert.equal(verdict.status, "failed");
  assert.match(verdict.reason ?? "", /^1 of 2 failed; first: two: Cancelled/);
});

Deno.test("steps count as tests; a parent failing only through its steps is not counted twice", () => {
  const lines = new RunnerLines();
  lines.push("running 1 test from ./a_test.ts\n");
  lines.end();
  const verdict = judgeRun(
    end({
      code: 1,
      junit: junit(
        `<testcase name="suite" classname="./x/bdd.ts"><failure message="1 test step failed">1 test step failed.</failure></testcase>` +
          ok("suite &gt; a", "x/bdd.ts") +
          `<testcase name="suite &gt; b" classname="./x/bdd.ts"><failure message="boom">Error: boom</failure></testcase>`,
      ),
    }),
    lines,
    ["a_test.ts"],
    LIMITS,
  );
  assert.equal(verdict.status, "failed");
  assert.equal(verdict.passed, 1);
  assert.equal(verdict.failed, 1);
  assert.deepEqual(verdict.failures, [{
    name: "suite > b",
    file: "a_test.ts",
    message: "Error: boom",
  }]);
  assert.equal(verdict.reason, "1 of 2 failed; first: suite > b: Error: boom");
});

Deno.test("a signal names itself and the last lines", () => {
  const lines = new RunnerLines();
  lines.push("running 1 test from ./a_test.ts\nslow ...\n");
  lines.end();
  const verdict = judgeRun(
    end({ code: null, signal: "SIGSEGV", output: "slow ...\n" }),
    lines,
    ["a_test.ts"],
    LIMITS,
  );
  assert.equal(verdict.status, "crashed");
  assert.match(
    verdict.reason ?? "",
    /^crashed: deno test died \(exit none, signal SIGSEGV\); last lines: .*slow \.\.\./,
  );
  assert.equal(verdict.failures.at(-1)?.name, "slow");
});
