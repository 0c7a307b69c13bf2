/** Helpers shared by the sandbox tests. */
import {
  runTests,
  type RunTestsOptions,
  type TestReport,
} from "../../../../actors/workflow/tools/sandbox.ts";

/**
 * Generous timeouts: runs take ~0.1 s, but a loaded 2-core machine can
 * stretch them; only the endless-loop test relies on the timeout firing.
 */
export const FAST: RunTestsOptions = {
  timeoutMs: 20_000,
  memoryMb: 128,
  check: false,
};

/** Writes `files` into a fresh workspace, runs its tests, removes it. */
export async function sandboxed(
  files: Record<string, string>,
  options: RunTestsOptions = FAST,
): Promise<TestReport> {
  const dir = await Deno.makeTempDir({ prefix: "sandbox-test-" });
  try {
    for (const [path, content] of Object.entries(files)) {
      const full = `${dir}/${path}`;
      await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), {
        recursive: true,
      });
      await Deno.writeTextFile(full, content);
    }
    return await runTests(dir, options);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
