/**
 * A warm pool of Python sandbox processes. Loading Pyodide takes seconds, so
 * the pool keeps `size` processes that have loaded it and wait for a job on
 * stdin. Each process runs ONE job and is then replaced, so no state leaks
 * from one run into the next.
 *
 * @example
 * ```ts
 * import { PythonSandboxPool, runPythonTests } from "./mod.ts";
 * const pool = new PythonSandboxPool({ size: 1, startTimeoutMs: 180_000 });
 * const files = { "test_one.py": "def test_one():\n    assert 1 == 1\n" };
 * const report = await runPythonTests(files, { pool });
 * await pool.close();
 * if (report.status !== "passed") throw new Error(report.reason);
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { type ProcessSpec, SandboxProcess } from "./process.ts";
import { startupSnapshot } from "./snapshot.ts";

/** Options of {@linkcode PythonSandboxPool}. */
export interface PythonSandboxPoolOptions {
  /** Processes kept loaded and waiting. 0 starts one per run (cold). Default 1. */
  size?: number;
  /** V8 old-space cap of each process in MiB. Default 128. */
  memoryMb?: number;
  /** Most WebAssembly memory (Python's heap) in MiB; past it Python raises MemoryError. Default 256. */
  wasmMemoryMb?: number;
  /** Resident-memory cap in MiB while a job runs. Default `memoryMb + wasmMemoryMb + 384`. */
  rssLimitMb?: number;
  /** The deno binary. Default `Deno.execPath()`. */
  denoPath?: string;
  /** Pyodide's package folder. Default: resolved from the `pyodide` npm package. */
  pyodideDir?: string;
  /** Longest wait for a process to load Pyodide, in ms. Default 60 000. */
  startTimeoutMs?: number;
  /** Where the pool's private temp directory (the children's DENO_DIR) goes. Default the system temp dir. */
  tempRoot?: string;
  /**
   * Start processes from a snapshot of Pyodide's memory taken once Python
   * has booted (`snapshot.ts`): ready in a few hundred ms instead of
   * seconds. Making it costs about two cold starts, once. Default true.
   */
  snapshot?: boolean;
  /**
   * A directory to keep the snapshot in between pools and restarts (made
   * with mode 0700; used only if it is this user's and nobody else can
   * write to it). Default: the pool's temp dir, so each pool makes its own.
   */
  snapshotDir?: string;
}

/** The pool was closed; no more runs. */
export class PoolClosedError extends Error {
  /** The error's class name. */
  override name = "PoolClosedError";
  constructor() {
    super("the Python sandbox pool is closed");
  }
}

/** Pyodide's package folder, found through the resolved npm package. */
export function defaultPyodideDir(): string {
  return dirname(fileURLToPath(import.meta.resolve("pyodide")));
}

/** Keeps sandbox processes loaded; hands each out once. */
export class PythonSandboxPool {
  /** Processes kept loaded and waiting. */
  readonly size: number;
  readonly #options: PythonSandboxPoolOptions;
  readonly #idle: SandboxProcess[] = [];
  readonly #all = new Set<SandboxProcess>();
  #spec: Promise<ProcessSpec> | null = null;
  #tempDir: string | null = null;
  #snapshotFailure: string | null = null;
  #closed = false;

  /** Starts `size` processes loading Pyodide in the background. */
  constructor(options: PythonSandboxPoolOptions = {}) {
    this.size = Math.max(0, Math.floor(options.size ?? 1));
    this.#options = options;
    void this.#fill();
  }

  /** Why processes start without the snapshot although it was asked for, or null. */
  get snapshotFailure(): string | null {
    return this.#snapshotFailure;
  }

  /** Number of processes loaded or loading and not yet handed out. */
  get idle(): number {
    return this.#idle.length;
  }

  /**
   * Hands out a process that has loaded Pyodide (waiting for one if needed)
   * and starts its replacement. Throws an error naming the sandbox when a
   * process cannot start. Plumbing of {@linkcode runPythonTests}, which is
   * the way to run code in the sandbox.
   *
   * @internal
   */
  async acquire(signal?: AbortSignal): Promise<SandboxProcess> {
    if (this.#closed) throw new PoolClosedError();
    let process = this.#idle.shift();
    if (process === undefined) {
      const spec = await (this.#spec ??= this.#makeSpec());
      if (this.#closed) throw new PoolClosedError();
      process = this.#start(spec);
    }
    void this.#fill();
    const timeoutMs = this.#options.startTimeoutMs ?? 60_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort = () => {};
    try {
      await Promise.race([
        process.ready,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `the Python sandbox did not load Pyodide within ${timeoutMs} ms (machine overloaded?)`,
                ),
              ),
            timeoutMs,
          );
          onAbort = () => reject(signal?.reason);
          if (signal?.aborted) onAbort();
          signal?.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
    } catch (error) {
      await this.release(process);
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
    return process;
  }

  /** Resolves once every waiting process has loaded Pyodide (rejects if one cannot start). */
  async whenWarm(): Promise<void> {
    await this.#fill();
    await Promise.all(this.#idle.map((p) => p.ready));
  }

  /**
   * Disposes of a used process (waits until it has exited). Plumbing of
   * {@linkcode runPythonTests}, like {@linkcode PythonSandboxPool.acquire}.
   *
   * @internal
   */
  async release(process: SandboxProcess): Promise<void> {
    await process.dispose();
    this.#all.delete(process);
  }

  /** Stops refilling, kills the waiting processes, waits for running ones, removes the temp dir. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const idle = this.#idle.splice(0);
    await Promise.all(idle.map((p) => this.release(p)));
    // Runs in flight end on their own (their timeout bounds them).
    await Promise.all([...this.#all].map((p) => p.closed));
    this.#all.clear();
    if (this.#tempDir !== null) {
      await Deno.remove(this.#tempDir, { recursive: true }).catch(() => {});
    }
  }

  /** Same as {@linkcode PythonSandboxPool.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #fill(): Promise<void> {
    if (this.size === 0) return;
    let spec: ProcessSpec;
    try {
      spec = await (this.#spec ??= this.#makeSpec());
    } catch {
      return; // acquire() reports it
    }
    while (!this.#closed && this.#idle.length < this.size) {
      this.#idle.push(this.#start(spec));
    }
  }

  #start(spec: ProcessSpec): SandboxProcess {
    const process = new SandboxProcess(spec);
    this.#all.add(process);
    return process;
  }

  async #makeSpec(): Promise<ProcessSpec> {
    const options = this.#options;
    this.#tempDir = await Deno.makeTempDir({
      prefix: "troupe-pysandbox-",
      ...(options.tempRoot ? { dir: options.tempRoot } : {}),
    });
    const [runner, pytest] = await Promise.all([
      Deno.readTextFile(new URL("./_troupe_runner.py", import.meta.url)),
      Deno.readTextFile(new URL("./pytest.py", import.meta.url)),
    ]);
    const memoryMb = options.memoryMb ?? 128;
    const wasmMemoryMb = options.wasmMemoryMb ?? 256;
    const spec: ProcessSpec = {
      denoPath: options.denoPath ?? Deno.execPath(),
      pyodideDir: await Deno.realPath(
        options.pyodideDir ?? defaultPyodideDir(),
      ),
      memoryMb,
      wasmMemoryMb,
      rssLimitMb: options.rssLimitMb ?? memoryMb + wasmMemoryMb + 384,
      snapshotPath: null,
      denoDir: `${this.#tempDir}/deno_dir`,
      bootLine: JSON.stringify({ type: "boot", runner, pytest }),
    };
    if (options.snapshot === false) return spec;
    const found = await startupSnapshot(spec, {
      keepDir: options.snapshotDir,
      tempDir: this.#tempDir,
      timeoutMs: options.startTimeoutMs ?? 60_000,
    });
    if ("reason" in found) {
      this.#snapshotFailure = found.reason;
      return spec;
    }
    return { ...spec, snapshotPath: found.path };
  }
}
