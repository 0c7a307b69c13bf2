/**
 * Runs a task's hidden tests on a build's final files, in the same sandbox
 * builds use (actors/workflow/tools/sandbox.ts): the files are written to a
 * fresh workspace, the model's own tests are left out of the run, and only
 * the hidden test file is run. The hidden test goes next to the task's
 * module; when the model put the module in a subfolder (`src/slugify.ts`)
 * it goes next to that file. Nothing in the hidden test is ever changed.
 *
 * @module
 */
import { dirname, join, normalize } from "node:path";
import { runTests, type TestReport } from "../actors/workflow/tools/sandbox.ts";
import type { EvalTask } from "./task.ts";

/** A file of a build. */
export interface SourceFile {
  readonly path: string;
  readonly content: string;
}

/** Verdict of the hidden tests. */
export interface HiddenVerdict {
  readonly passed: boolean;
  /** `passed`, `failed`, `refused`, `error`, `timeout`, ... (the sandbox's status), or `missing`. */
  readonly status: string;
  readonly testsPassed: number;
  readonly testsFailed: number;
  /** Why it did not pass, one line. */
  readonly reason?: string;
  readonly durationMs: number;
}

/** Options of {@linkcode runHiddenTests}. */
export interface HiddenOptions {
  /** Sandbox wall-clock limit. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Sandbox heap cap. Default 128 MiB. */
  readonly memoryMb?: number;
  /** Where workspaces go. Default the system temp dir. */
  readonly tempRoot?: string;
  readonly signal?: AbortSignal;
}

/** Where the module is among the files: the top level first, then by name. */
function modulePath(
  files: readonly SourceFile[],
  module: string,
): string | undefined {
  const paths = files.map((f) => normalize(f.path).replace(/^\.\//, ""));
  if (paths.includes(module)) return module;
  return paths.filter((p) => p.endsWith(`/${module}`))
    .sort((a, b) => a.length - b.length)[0];
}

/**
 * Writes `files`, adds the hidden test beside the task's module and runs only
 * that test in the sandbox (without type-checking: behaviour is judged, not
 * the model's spelling of types).
 */
export async function runHiddenTests(
  task: EvalTask,
  files: readonly SourceFile[],
  options: HiddenOptions = {},
): Promise<HiddenVerdict> {
  const started = performance.now();
  const where = modulePath(files, task.module);
  if (where === undefined) {
    return {
      passed: false,
      status: "missing",
      testsPassed: 0,
      testsFailed: 0,
      reason: `the build has no ${task.module} (files: ${
        files.map((f) => f.path).join(", ") || "none"
      })`,
      durationMs: performance.now() - started,
    };
  }
  const dir = await Deno.makeTempDir({
    prefix: `troupe-eval-${task.id}-`,
    ...(options.tempRoot ? { dir: options.tempRoot } : {}),
  });
  try {
    for (const file of files) {
      const path = normalize(file.path);
      if (path.startsWith("..") || path.startsWith("/")) continue;
      await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
      await Deno.writeTextFile(join(dir, path), file.content);
    }
    const hidden = join(dirname(where), `eval_${task.hiddenTestName}`);
    await Deno.writeTextFile(join(dir, hidden), task.hiddenTest);
    const report: TestReport = await runTests(dir, {
      language: task.language,
      testFiles: [hidden],
      check: false,
      timeoutMs: options.timeoutMs ?? 30_000,
      memoryMb: options.memoryMb ?? 128,
      ...(options.tempRoot ? { tempRoot: options.tempRoot } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      passed: report.status === "passed",
      status: report.status,
      testsPassed: report.passed,
      testsFailed: report.failed,
      ...(report.reason === undefined ? {} : { reason: report.reason }),
      durationMs: performance.now() - started,
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
