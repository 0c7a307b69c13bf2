/**
 * Whether the sandbox runs tests that import the Deno standard library
 * (mapped to in-repo modules): probed with one real sandbox run, once per
 * test file. Tests that need the mapping are ignored when it is missing.
 */
import { runTests } from "../../../actors/workflow/tools/sandbox.ts";

let probe: Promise<boolean> | undefined;

/** True once a `jsr:@std/assert` test has passed in the sandbox. */
export function sandboxMapsStd(): Promise<boolean> {
  return probe ??= (async () => {
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
  })();
}
