/**
 * Wall time of one Python sandbox run (a small module and 5 tests): cold (a
 * fresh process loads Pyodide) and warm (a pooled process that has loaded it;
 * only the run is timed, the wait for the pool's refill is not), against the
 * TypeScript sandbox on the same module and tests in the same run.
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
globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
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
