/**
 * A Python sandbox pool that starts on first use: the platform owns one, so
 * a node that never builds Python never loads Pyodide (seconds of CPU at
 * boot), and the first Python build starts the warm pool that later builds
 * reuse. `close()` stops it on shutdown.
 *
 * @example
 * ```ts
 * const python = new LazyPythonPool({ size: 1 });
 * console.log(python.started); // false: nothing loaded yet
 * await python.close();
 * ```
 *
 * @module
 */
import {
  PoolClosedError,
  PythonSandboxPool,
  type PythonSandboxPoolOptions,
} from "./pool.ts";

/** Creates its {@linkcode PythonSandboxPool} on the first {@linkcode LazyPythonPool.get}. */
export class LazyPythonPool {
  readonly #options: PythonSandboxPoolOptions;
  #pool: PythonSandboxPool | null = null;
  #closed = false;

  /**
   * A pool that starts no process until {@linkcode LazyPythonPool.get} is first
   * called.
   */
  constructor(options: PythonSandboxPoolOptions = {}) {
    this.#options = options;
  }

  /** Whether the pool has been created (a Python run was asked for). */
  get started(): boolean {
    return this.#pool !== null;
  }

  /** The pool, created now if this is the first call. Throws {@linkcode PoolClosedError} after close. */
  get(): PythonSandboxPool {
    if (this.#closed) throw new PoolClosedError();
    return this.#pool ??= new PythonSandboxPool(this.#options);
  }

  /** Closes the pool if it was started; later {@linkcode get} calls throw. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#pool?.close();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
