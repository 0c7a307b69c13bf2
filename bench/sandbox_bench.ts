/**
 * Cost of one sandboxed test run (import map + graph check + `deno test` +
 * verdict), with and without type checking, for a small module with five
 * tests on node:assert and the same tests on `jsr:@std/assert` (served by the
 * sandbox's compat module). Run: `RUST_BACKTRACE=0 deno bench -A bench/sandbox_bench.ts`.
 */
import { runTests } from "../actors/workflow/tools/sandbox.ts";

const TESTS = `import { add, mul } from "./calc.ts";
Deno.test("add", () => assertEquals(add(1, 2), 3));
Deno.test("add negatives", () => assertEquals(add(-1, -2), -3));
Deno.test("mul", () => assertEquals(mul(2, 3), 6));
Deno.test("mul by zero", () => assertEquals(mul(0, 3), 0));
Deno.test("deep", () => assertEquals([add(1, 1)], [2]));
`;

async function workspace(assertImport: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sandbox-bench-" });
  await Deno.writeTextFile(
    `${dir}/calc.ts`,
    `export const add = (a: number, b: number): number => a + b;
export const mul = (a: number, b: number): number => a * b;
`,
  );
  await Deno.writeTextFile(`${dir}/calc_test.ts`, assertImport + TESTS);
  return dir;
}

const nodeDir = await workspace(
  `import { deepStrictEqual as assertEquals } from "node:assert";\n`,
);
const stdDir = await workspace(
  `import { assertEquals } from "jsr:@std/assert";\n`,
);
globalThis.addEventListener("unload", () => {
  Deno.removeSync(nodeDir, { recursive: true });
  Deno.removeSync(stdDir, { recursive: true });
});

async function run(dir: string, check: boolean): Promise<void> {
  const report = await runTests(dir, { check, timeoutMs: 60_000 });
  if (report.status !== "passed") {
    throw new Error(`${report.reason}\n${report.output}`);
  }
}

Deno.bench("sandbox run, node:assert, --no-check", {
  n: 10,
  warmup: 2,
}, async () => await run(nodeDir, false));

Deno.bench("sandbox run, jsr:@std/assert, --no-check", {
  n: 10,
  warmup: 2,
}, async () => await run(stdDir, false));

Deno.bench("sandbox run, node:assert, type-checked", {
  n: 5,
  warmup: 1,
}, async () => await run(nodeDir, true));

Deno.bench("sandbox run, jsr:@std/assert, type-checked", {
  n: 5,
  warmup: 1,
}, async () => await run(stdDir, true));
