/**
 * Cost of one sandboxed test run (graph check + `deno test`), with and
 * without type checking. Run: `RUST_BACKTRACE=0 deno bench -A bench/sandbox_bench.ts`.
 */
import { runTests } from "../actors/workflow/tools/sandbox.ts";

const dir = await Deno.makeTempDir({ prefix: "sandbox-bench-" });
await Deno.writeTextFile(
  `${dir}/add.ts`,
  "export const add = (a: number, b: number): number => a + b;\n",
);
await Deno.writeTextFile(
  `${dir}/add_test.ts`,
  `import assert from "node:assert/strict";
import { add } from "./add.ts";
Deno.test("adds", () => assert.equal(add(1, 2), 3));
`,
);
globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
});

Deno.bench("sandbox run, --no-check", { n: 20, warmup: 2 }, async () => {
  const report = await runTests(dir, { check: false, timeoutMs: 10_000 });
  if (report.status !== "passed") throw new Error(report.output);
});

Deno.bench("sandbox run, type-checked", { n: 5, warmup: 1 }, async () => {
  const report = await runTests(dir, { check: true, timeoutMs: 20_000 });
  if (report.status !== "passed") throw new Error(report.output);
});
