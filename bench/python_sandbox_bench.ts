/**
 * Wall time of one Python sandbox run (a small module and 5 tests): cold (a
 * fresh process loads Pyodide) and warm (a pooled process that has loaded it;
 * only the run is timed, the wait for the pool's refill is not), against the
 * TypeScript sandbox on the same module and tests in the same run. And the
 * start of one sandbox process until it is ready for a job: booting Python
 * (cold) against restoring the start-up snapshot (made once before the
 * benches, outside the timed part).
 * Run: `RUST_BACKTRACE=0 deno bench -A bench/python_sandbox_bench.ts`.
 */
import {
  PythonSandboxPool,
  runPythonTests,
} from "../actors/workflow/tools/python_sandbox/mod.ts";
import { runTests } from "../actors/workflow/tools/sandbox.ts";

const PYTHON = {
  "calc.py": `def add(a, b):
    return a + b


def mul(a, b):
    return a * b
`,
  "test_calc.py": `import pytest
from calc import add, mul


def test_add():
    assert add(1, 2) == 3


def test_add_negative():
    assert add(-1, -2) == -3


@pytest.mark.parametrize("a,b,expected", [(2, 3, 6), (0, 5, 0)])
def test_mul(a, b, expected):
    assert mul(a, b) == expected


def test_float():
    assert add(0.1, 0.2) == pytest.approx(0.3)
`,
};

const dir = await Deno.makeTempDir({ prefix: "python-sandbox-bench-" });
await Deno.writeTextFile(
  `${dir}/calc.ts`,
  "export const add = (a: number, b: number): number => a + b;\n" +
    "export const mul = (a: number, b: number): number => a * b;\n",
);
await Deno.writeTextFile(
  `${dir}/calc_test.ts`,
  `import assert from "node:assert/strict";
import { add, mul } from "./calc.ts";
Deno.test("add", () => assert.equal(add(1, 2), 3));
Deno.test("add negative", () => assert.equal(add(-1, -2), -3));
Deno.test("mul", () => assert.equal(mul(2, 3), 6));
Deno.test("mul zero", () => assert.equal(mul(0, 5), 0));
Deno.test("float", () => assert.ok(Math.abs(add(0.1, 0.2) - 0.3) < 1e-9));
`,
);
const pool = new PythonSandboxPool({ size: 1, startTimeoutMs: 180_000 });
// The start pools' temp dirs and the snapshot live here, removed at unload.
const startRoot = await Deno.makeTempDir({ prefix: "python-start-bench-" });
const snapshotDir = `${startRoot}/snapshot`;
// size 0: every acquire starts a process and waits for it to be ready.
const coldStarts = new PythonSandboxPool({
  size: 0,
  snapshot: false,
  startTimeoutMs: 180_000,
  tempRoot: startRoot,
});
const snapshotStarts = new PythonSandboxPool({
  size: 0,
  snapshotDir,
  startTimeoutMs: 180_000,
  tempRoot: startRoot,
});
// Makes the snapshot now, so no bench iteration pays for it.
await snapshotStarts.release(await snapshotStarts.acquire());
globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
  Deno.removeSync(startRoot, { recursive: true });
});

Deno.bench("python process start, cold (Python boots)", {
  group: "python process start",
  baseline: true,
  n: 5,
  warmup: 1,
}, async (b) => {
  b.start();
  const process = await coldStarts.acquire();
  b.end();
  if (process.fromSnapshot) throw new Error("expected a cold start");
  await coldStarts.release(process);
});

Deno.bench("python process start, from the snapshot", {
  group: "python process start",
  n: 10,
  warmup: 1,
}, async (b) => {
  b.start();
  const process = await snapshotStarts.acquire();
  b.end();
  if (!process.fromSnapshot) throw new Error("expected a snapshot start");
  await snapshotStarts.release(process);
});

function expectPassed(
  report: { status: string; passed: number; output: string },
) {
  if (report.status !== "passed" || report.passed !== 5) {
    throw new Error(`${report.status} ${report.passed}: ${report.output}`);
  }
}

// Deno may call a bench body more often than `n + warmup` (it calibrates), so
// the warm pool is closed by the next bench, outside its timed part.
Deno.bench("python sandbox run, warm pool", {
  group: "sandbox run, 5 tests",
  n: 10,
  warmup: 1,
}, async (b) => {
  await pool.whenWarm();
  b.start();
  const report = await runPythonTests(PYTHON, { pool, timeoutMs: 30_000 });
  b.end();
  expectPassed(report);
});

Deno.bench("python sandbox run, cold process", {
  group: "sandbox run, 5 tests",
  n: 3,
  warmup: 0,
}, async (b) => {
  await pool.close();
  b.start();
  const report = await runPythonTests(PYTHON, {
    timeoutMs: 30_000,
    poolOptions: { startTimeoutMs: 180_000 },
  });
  b.end();
  expectPassed(report);
});

Deno.bench("typescript sandbox run, --no-check", {
  group: "sandbox run, 5 tests",
  baseline: true,
  n: 10,
  warmup: 1,
}, async () => {
  expectPassed(await runTests(dir, { check: false, timeoutMs: 30_000 }));
});

Deno.bench("typescript sandbox run, type-checked", {
  group: "sandbox run, 5 tests",
  n: 3,
  warmup: 0,
}, async () => {
  expectPassed(await runTests(dir, { check: true, timeoutMs: 30_000 }));
});
