import { assert } from "../deps.ts";
import { testsLine } from "../../cli/builds.ts";

Deno.test("the tests progress line carries the sandbox's reason", () => {
  assert.equal(
    testsLine({ status: "passed", passed: 2, failed: 0 }),
    "tests: 2 passed, 0 failed",
  );
  assert.equal(
    testsLine({
      status: "refused",
      passed: 0,
      failed: 0,
      reason: "imports refused: https://esm.sh/x",
    }),
    "tests: refused (0 passed, 0 failed): imports refused: https://esm.sh/x",
  );
  assert.equal(
    testsLine({
      status: "timeout",
      passed: 1,
      failed: 0,
      reason: "timed out after 30000 ms",
    }),
    "tests: timeout (1 passed, 0 failed): timed out after 30000 ms",
  );
});
