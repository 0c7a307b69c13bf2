/**
 * Python test runner in WebAssembly (Pyodide): runs `unittest` test cases and
 * pytest-style `test_*` functions (with a small in-repo `pytest` module) in a
 * Deno subprocess that may only read Pyodide's own package files. The files
 * go in over stdin and live in Pyodide's in-memory file system; imports other
 * than the standard library and the workspace's modules are refused (checked
 * with `ast` first, then by an import hook), and Pyodide's bridges to
 * JavaScript are removed. The result is the same {@linkcode TestReport} as the
 * TypeScript sandbox's.
 *
 * @example
 * ```ts
 * const pool = new PythonSandboxPool({ size: 1, startTimeoutMs: 180_000 });
 * const report = await runPythonTests({
 *   "calc.py": "def add(a, b):\n    return a + b\n",
 *   "test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
 * }, { pool, timeoutMs: 60_000 });
 * await pool.close();
 * if (report.status !== "passed" || report.passed !== 1) throw new Error(report.reason);
 * ```
 *
 * @module
 */

import { python } from "../../../languages/python.ts";
import type { TestReport } from "../sandbox.ts";
import { checkFiles } from "./files.ts";
import { PythonSandboxPool, type PythonSandboxPoolOptions } from "./pool.ts";
import type { SandboxFile } from "./protocol.ts";
import { buildReport } from "./report.ts";

export {
  defaultPyodideDir,
  PoolClosedError,
  PythonSandboxPool,
  type PythonSandboxPoolOptions,
} from "./pool.ts";
export { SandboxFileError } from "./files.ts";
export { LazyPythonPool } from "./lazy.ts";
export type { SandboxFile } from "./protocol.ts";

/** Options of {@linkcode runPythonTests}. */
export interface RunPythonTestsOptions {
  /** A warm pool to take the process from. Default: a cold process for this run (seconds slower). */
  pool?: PythonSandboxPool;
  /** Options of the one-run pool when no `pool` is given. */
  poolOptions?: PythonSandboxPoolOptions;
  /** Wall-clock limit of the test run in ms, from the moment the files are sent. Default 30 000. */
  timeoutMs?: number;
  /** Most characters of output kept (head and tail). Default 64 000. */
  maxOutputChars?: number;
  /** Most tests collected; more makes the run fail. Default 10 000. */
  maxTests?: number;
  /** Cancels the run: the process is killed and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Install the Python-level import guard (refuses `js`, `pyodide`, non-stdlib
   * imports). Default true; false only to test that Deno's permissions alone
   * confine the process.
   */
  pythonGuard?: boolean;
  /** Test files among `files`. Default: those the Python test-file rule picks (`test_*.py`, `*_test.py`). */
  testFiles?: readonly string[];
}

/**
 * Runs the Python tests among `files` (`test_*.py`, `*_test.py`) in the
 * sandbox and returns a structured report.
 */
export async function runPythonTests(
  files: readonly SandboxFile[] | Readonly<Record<string, string>>,
  options: RunPythonTestsOptions = {},
): Promise<TestReport> {
  options.signal?.throwIfAborted();
  const list = checkFiles(files);
  const started = performance.now();
  const own = options.pool ? null : new PythonSandboxPool({
    // Making a snapshot for one run costs more than it saves, unless it is kept.
    snapshot: options.poolOptions?.snapshotDir !== undefined,
    ...options.poolOptions,
    size: 0,
  });
  const pool = options.pool ?? own!;
  try {
    const process = await pool.acquire(options.signal);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const maxOutputChars = options.maxOutputChars ?? 64_000;
    const maxTests = options.maxTests ?? 10_000;
    try {
      const outcome = await process.run({
        type: "job",
        files: list,
        testFiles: options.testFiles
          ? options.testFiles.map((f) => f.replace(/^\.\//, ""))
          : list.map((f) => f.path).filter(python.isTestFile),
        maxTests,
        maxOutputChars,
        guard: options.pythonGuard ?? true,
      }, {
        timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (outcome.aborted) {
        throw options.signal?.reason ??
          new DOMException("aborted", "AbortError");
      }
      return buildReport(outcome, {
        durationMs: Math.round(performance.now() - started),
        timeoutMs,
        rssLimitMb: process.spec.rssLimitMb,
        maxTests,
        maxOutputChars,
      });
    } finally {
      await pool.release(process);
    }
  } finally {
    await own?.close();
  }
}
export type {
  RefusedModule,
  TestFailure,
  TestReport,
  TestStatus,
} from "../sandbox.ts";
