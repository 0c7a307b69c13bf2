/**
 * A run counts as passed only on the runner's own evidence: generated code
 * that exits early, registers nothing or leaves tests without a result
 * cannot make it pass.
 */
import { assert } from "../../../deps.ts";
import { FAST, sandboxed } from "./_sandbox_support.ts";

const ADD = "export const add = (a: number, b: number): number => a + b;\n";

Deno.test("process.exit(0) in a top-level timer crashes the run instead of passing it", async () => {
  const report = await sandboxed({
    "add.ts": ADD,
    "add_test.ts": `import assert from "node:assert/strict";
import { add } from "./add.ts";
Deno.test("adds", () => assert.equal(add(1, 2), 3));
Deno.test("would fail", () => assert.equal(add(1, 2), 4));
setTimeout(() => process.exit(0), 0);
`,
  });
  assert.equal(report.status, "crashed", report.output);
  assert.match(
    report.reason ?? "",
    /add_test\.ts called Deno\.exit\(0\) outside a test/,
  );
  assert.match(report.reason ?? "", /not allowed/);
});

Deno.test("Deno.exit(0) at the top level crashes the run", async () => {
  const report = await sandboxed({
    "exit_test.ts": `Deno.exit(0);
Deno.test("never registered", () => {});
`,
  });
  assert.equal(report.status, "crashed");
  assert.match(report.reason ?? "", /exit_test\.ts called Deno\.exit\(0\)/);
});

Deno.test("one exiting file among passing ones still crashes the run", async () => {
  const report = await sandboxed({
    "a_test.ts": `Deno.test("fine", () => {});\n`,
    "b_test.ts":
      `Deno.test("skipped by the exit", () => { throw new Error("x"); });
queueMicrotask(() => Deno.exit(0));
`,
  });
  assert.equal(report.status, "crashed", report.output);
  assert.match(report.reason ?? "", /b_test\.ts called Deno\.exit\(0\)/);
});

Deno.test("printing a fake summary before exiting does not pass", async () => {
  const report = await sandboxed({
    "fake_test.ts": `Deno.test("real", () => { throw new Error("broken"); });
console.log("running 5 tests from ./fake_test.ts");
console.log("ok | 5 passed | 0 failed (3ms)");
globalThis.setTimeout(() => Deno.exit(0), 0);
`,
  });
  assert.notEqual(report.status, "passed");
  assert.match(report.reason ?? "", /Deno\.exit\(0\)/);
});

Deno.test("a test file that registers no tests fails with no tests found", async () => {
  const report = await sandboxed({
    "add.ts": ADD,
    "add_test.ts": `import { add } from "./add.ts";
// The model wrote the checks but never registered a test.
if (add(1, 2) !== 3) throw new Error("wrong");
`,
  });
  assert.equal(report.status, "failed");
  assert.equal(report.passed, 0);
  assert.match(report.reason ?? "", /^no tests found in add_test\.ts/);
});

Deno.test("an empty test file next to a passing one fails the run", async () => {
  const report = await sandboxed({
    "a_test.ts": `Deno.test("fine", () => {});\n`,
    "b_test.ts": `export {};\n`,
  });
  assert.equal(report.status, "failed");
  assert.match(report.reason ?? "", /no tests found in b_test\.ts/);
});

Deno.test("a test that exits with the exit sanitizer off leaves tests without a result: crashed", async () => {
  const report = await sandboxed({
    "exit_test.ts": `Deno.test("first", () => {});
Deno.test({ name: "exits", sanitizeExit: false, fn() { Deno.exit(0); } });
Deno.test("never runs", () => {});
`,
  });
  assert.equal(report.status, "crashed", report.output);
  assert.match(report.reason ?? "", /a test called Deno\.exit\(0\)/);
});

Deno.test("a test that calls process.exit inside fails with the runner's message", async () => {
  const report = await sandboxed({
    "exit_test.ts": `Deno.test("first", () => {});
Deno.test("exits", () => { process.exit(0); });
`,
  });
  assert.equal(report.status, "failed", report.output);
  assert.match(
    report.reason ?? "",
    /1 of 2 failed; first: exits: .*attempted to exit/,
  );
});

Deno.test("a run whose tests are all ignored does not pass", async () => {
  const report = await sandboxed({
    "a_test.ts": `Deno.test({ name: "later", ignore: true, fn() {} });\n`,
  });
  assert.equal(report.status, "failed");
  assert.equal(report.ignored, 1);
  assert.match(report.reason ?? "", /no tests ran: all 1 tests are ignored/);
});

Deno.test("a .only test fails the run with a reason saying so", async () => {
  const report = await sandboxed({
    "a_test.ts": `Deno.test.only("focused", () => {});
Deno.test("other", () => {});
`,
  });
  assert.equal(report.status, "failed");
  assert.match(report.reason ?? "", /marked "only"/);
});

Deno.test("every status other than passed carries a reason", async () => {
  const reports = [
    await sandboxed({
      "a_test.ts": `Deno.test("x", () => { throw new Error("boom"); });\n`,
    }),
    await sandboxed({ "a_test.ts": `throw new Error("broken at load");\n` }),
    await sandboxed({
      "a_test.ts": `const n: number = "s";\nDeno.test("x", () => {});\n`,
    }, { ...FAST, check: true, timeoutMs: 60_000 }),
    await sandboxed({ "main.ts": "export {};\n" }),
  ];
  const reasons = reports.map((r) => `${r.status}: ${r.reason}`);
  assert.match(
    reasons[0] ?? "",
    /^failed: 1 of 1 failed; first: x: Error: boom/,
  );
  assert.match(
    reasons[1] ?? "",
    /^failed: uncaught error in a_test\.ts: Error: broken at load/,
  );
  assert.match(reasons[2] ?? "", /^failed: type check failed: .*TS2322/);
  assert.match(reasons[3] ?? "", /^failed: no tests found/);
});

Deno.test("a syntax error names the module load and the error", async () => {
  const report = await sandboxed({
    "a_test.ts": `import { assertEquals } from "jsr:@std/assert";
Deno.test("x", () => { assertEquals(1, ; });
`,
  });
  assert.equal(report.status, "failed");
  assert.match(
    report.reason ?? "",
    /^module load failed: SyntaxError: Expression expected/,
  );
});

Deno.test("exiting through the runtime's internal ops, bypassing Deno.exit, still crashes the run", async () => {
  const report = await sandboxed({
    "a_test.ts": `Deno.test("passes", () => {});
Deno.test("fails", () => { throw new Error("x"); });
// deno-lint-ignore no-explicit-any
const core = (Deno as any)[(Deno as any).internal].core;
setTimeout(() => core.ops.op_test_isolate_exit(0), 0);
`,
  });
  assert.equal(report.status, "crashed", report.output);
  assert.match(report.reason ?? "", /a_test\.ts called Deno\.exit\(0\)/);
});
