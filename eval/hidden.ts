/**
 * Runs a task's hidden tests on a build's final files, in the same sandbox
 * and through the same entry point builds use (`toolsFor(language).runTests`
 * of actors/languages/: `deno test` for TypeScript and JavaScript, the
 * Pyodide sandbox for Python): the files are written to a fresh workspace
 * without the model's own test files, so only the hidden test runs. The
 * hidden test goes next to the task's module; when the model put the module
 * in a subfolder (`src/slugify.ts`) it goes next to that file. Nothing in the
 * hidden test is ever changed.
 *
 * @module
 */
import { dirname, join, normalize } from "node:path";
import { isTestFile } from "../actors/languages/mod.ts";
import { toolsFor } from "../actors/languages/tools.ts";
import type { TestReport } from "../actors/workflow/tools/sandbox.ts";
import type { PythonSandboxPool } from "./_outside_types.ts";
import type { EvalTask } from "./task.ts";
import { omitUndefined } from "../runtime/optional.ts";

/** A file of a build. */
export interface SourceFile {
  /** Workspace-relative path. */
  readonly path: string;
  /** The file's text. */
  readonly content: string;
}

/** Verdict of the hidden tests. */
export interface HiddenVerdict {
  /** The hidden tests ran and all passed. */
  readonly passed: boolean;
  /** `passed`, `failed`, `refused`, `error`, `timeout`, ... (the sandbox's status), or `missing`. */
  readonly status: string;
  /** Hidden tests that passed. */
  readonly testsPassed: number;
  /** Hidden tests that failed. */
  readonly testsFailed: number;
  /** Why it did not pass, one line. */
  readonly reason?: string;
  /** From writing the workspace to the verdict. */
  readonly durationMs: number;
}

/** Options of {@linkcode runHiddenTests}. */
export interface HiddenOptions {
  /** Sandbox wall-clock limit. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Sandbox heap cap of the deno sandbox. Default 128 MiB. */
  readonly memoryMb?: number;
  /** Where workspaces go. Default the system temp dir. */
  readonly tempRoot?: string;
  /** Cancels the run. */
  readonly signal?: AbortSignal;
  /**
   * The warm Python pool to take a process from (as the platform's builds
   * do); default a cold process per run, seconds slower.
   */
  readonly pythonPool?: () => PythonSandboxPool;
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
 * Writes `files` except the model's test files, adds the hidden test beside
 * the task's module and runs the tests in the language's sandbox (without
 * type-checking: behaviour is judged, not the model's spelling of types).
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
      if (isTestFile(path)) continue; // the model's own tests are not judged
      await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
      await Deno.writeTextFile(join(dir, path), file.content);
    }
    const hidden = join(dirname(where), `eval_${task.hiddenTestName}`);
    await Deno.writeTextFile(join(dir, hidden), task.hiddenTest);
    const tools = toolsFor(task.language);
    if (tools === undefined) {
      throw new Error(`no sandbox runs ${task.language} tests`);
    }
    let report: TestReport;
    try {
      report = await tools.runTests(dir, {
        check: false,
        timeoutMs: options.timeoutMs ?? 30_000,
        memoryMb: options.memoryMb ?? 128,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.pythonPool ? { pythonPool: options.pythonPool } : {}),
      });
    } catch (error) {
      options.signal?.throwIfAborted();
      // A sandbox that cannot take the files (or start) is a failed task
      // with its reason, not a crashed eval.
      return {
        passed: false,
        status: "error",
        testsPassed: 0,
        testsFailed: 0,
        reason: `the sandbox did not run the hidden tests: ${
          error instanceof Error ? error.message : error
        }`,
        durationMs: performance.now() - started,
      };
    }
    return {
      passed: report.status === "passed",
      status: report.status,
      testsPassed: report.passed,
      testsFailed: report.failed,
      ...omitUndefined({ reason: report.reason }),
      durationMs: performance.now() - started,
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
