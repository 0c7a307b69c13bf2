/**
 * Watches the free space of the filesystem under `DATA_DIR` and says when it
 * falls below `DATA_DIR_MIN_FREE_MB`, before the embedded stores fill it up.
 *
 * A full disk is a fault the node must survive: Deno KV's queue aborts the
 * process when it cannot record a dequeue, PGlite cannot write its WAL, and a
 * half-written file is worse than a refused request. So the guard trips early
 * (while there is still room for what is in flight), the node stops taking KV
 * queue deliveries, refuses writes with 503 `storage_unavailable` and turns
 * `/readyz` 503; when space comes back above the floor plus a margin, the
 * guard clears and everything resumes by itself.
 *
 * @module
 */
import { statfs as nodeStatfs } from "node:fs/promises";
import { type Clock, realClock } from "../runtime/clock.ts";
import type { Logger } from "../runtime/logger.ts";
import { StorageWriteError } from "./errors.ts";

/** What the guard needs from a `statfs(2)`: free blocks for unprivileged users and the block size. */
export interface FsStats {
  readonly bavail: number | bigint;
  readonly bsize: number | bigint;
}

/** Reads the filesystem statistics of a path (default: `node:fs/promises` `statfs`). */
export type StatFs = (path: string) => Promise<FsStats>;

/** The guard's view of the disk after its last check. */
export interface DiskState {
  /** `false` while free space is below the floor (or the disk cannot be read). */
  readonly ok: boolean;
  /** The directory watched. */
  readonly path: string;
  /** Free bytes at the last check (`undefined` before the first, or when statfs failed). */
  readonly freeBytes: number | undefined;
  /** The floor. */
  readonly minFreeBytes: number;
  /** When the last check ran (clock milliseconds). */
  readonly checkedAt: number | undefined;
  /** Why `ok` is false, in words for `/readyz`, logs and 503 bodies. */
  readonly reason?: string;
}

/** Options of {@linkcode DiskGuard}. */
export interface DiskGuardOptions {
  /** The directory whose filesystem is watched (`DATA_DIR`). */
  readonly path: string;
  /** Below this many free bytes the guard trips. */
  readonly minFreeBytes: number;
  /**
   * Extra free bytes needed above the floor before a tripped guard clears, so
   * that a disk hovering at the floor does not flap. Default: a tenth of the
   * floor, at least 1 MiB.
   */
  readonly resumeMarginBytes?: number;
  /** How often free space is checked (default 1000 ms). */
  readonly intervalMs?: number;
  /** Default: `statfs` of `node:fs/promises`. */
  readonly statfs?: StatFs;
  /** Runs the checks (default: the wall clock). */
  readonly clock?: Clock;
  /** Where trips and recoveries are logged (default: nowhere). */
  readonly logger?: Logger & { info?(message: string, fields?: object): void };
}

/** Called when the guard trips (`ok` false) or clears (`ok` true). */
export type DiskListener = (state: DiskState) => void | Promise<void>;

const MIB = 1024 * 1024;

/**
 * Formats a byte count as whole MiB ("12 MB" reads better in a 503 body).
 *
 * @example
 * ```ts
 * import { formatMb } from "./disk_guard.ts";
 * formatMb(5 * 1024 * 1024); // "5 MB"
 * ```
 */
export function formatMb(bytes: number): string {
  return `${Math.floor(bytes / MIB)} MB`;
}

/**
 * Free-space watch over `DATA_DIR`.
 *
 * @example
 * ```ts
 * import { DiskGuard } from "./disk_guard.ts";
 * const guard = new DiskGuard({
 *   path: ".",
 *   minFreeBytes: 1,
 *   statfs: () => Promise.resolve({ bavail: 1000, bsize: 4096 }),
 * });
 * const state = await guard.check();
 * state.ok; // true
 * guard.stop();
 * ```
 */
export class DiskGuard {
  readonly path: string;
  readonly minFreeBytes: number;
  #resumeAt: number;
  #intervalMs: number;
  #statfs: StatFs;
  #clock: Clock;
  #logger: DiskGuardOptions["logger"];
  #state: DiskState;
  #listeners = new Set<DiskListener>();
  #timer: ReturnType<Clock["setTimeout"]> | undefined;
  #running = false;
  #checking: Promise<DiskState> | undefined;

  constructor(options: DiskGuardOptions) {
    if (!(options.minFreeBytes >= 0)) {
      throw new RangeError(
        `minFreeBytes must be >= 0 (got ${options.minFreeBytes})`,
      );
    }
    this.path = options.path;
    this.minFreeBytes = options.minFreeBytes;
    this.#resumeAt = options.minFreeBytes +
      (options.resumeMarginBytes ??
        Math.max(MIB, Math.floor(options.minFreeBytes / 10)));
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#statfs = options.statfs ?? ((path) => nodeStatfs(path));
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger;
    this.#state = {
      ok: true,
      path: this.path,
      freeBytes: undefined,
      minFreeBytes: this.minFreeBytes,
      checkedAt: undefined,
    };
  }

  /** The state after the last check (ok until a check says otherwise). */
  get state(): DiskState {
    return this.#state;
  }

  /** `true` while writes and queue deliveries should stop. */
  get low(): boolean {
    return !this.#state.ok;
  }

  /** Calls `listener` on every trip and every recovery. Returns an unsubscribe function. */
  onChange(listener: DiskListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Checks now (also between the periodic checks, e.g. after a failed write). Concurrent calls share one check. */
  check(): Promise<DiskState> {
    return this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
    });
  }

  /** Checks at once, then every `intervalMs` until {@linkcode stop}. */
  async start(): Promise<DiskState> {
    this.#running = true;
    const state = await this.check();
    this.#schedule();
    return state;
  }

  /** Stops the periodic checks. Idempotent. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * The error a refused write answers while the guard is tripped, or
   * `undefined` when writes may go ahead.
   */
  writeError(): StorageWriteError | undefined {
    const state = this.#state;
    return state.ok ? undefined : new StorageWriteError("disk", state.reason!);
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.check().finally(() => this.#schedule());
    }, this.#intervalMs);
  }

  async #check(): Promise<DiskState> {
    const checkedAt = this.#clock.now();
    let freeBytes: number | undefined;
    let failure: string | undefined;
    try {
      const stats = await this.#statfs(this.path);
      freeBytes = Number(stats.bavail) * Number(stats.bsize);
      if (!Number.isFinite(freeBytes)) {
        failure = `statfs of ${this.path} gave no free-space figure`;
        freeBytes = undefined;
      }
    } catch (error) {
      failure = `cannot read free space of ${this.path}: ${
        error instanceof Error ? error.message : String(error)
      }`;
    }
    const wasOk = this.#state.ok;
    // A tripped guard clears only above floor + margin; a clear one trips below the floor.
    const ok = failure === undefined &&
      freeBytes! >= (wasOk ? this.minFreeBytes : this.#resumeAt);
    const base = {
      path: this.path,
      freeBytes,
      minFreeBytes: this.minFreeBytes,
      checkedAt,
    };
    this.#state = ok ? { ok, ...base } : {
      ok,
      ...base,
      reason: failure ??
        `the disk under DATA_DIR (${this.path}) has ${
          formatMb(freeBytes!)
        } free, below DATA_DIR_MIN_FREE_MB (${
          formatMb(this.minFreeBytes)
        }); writes and KV queue deliveries resume when space is freed`,
    };
    if (ok !== wasOk) await this.#changed(this.#state);
    return this.#state;
  }

  async #changed(state: DiskState): Promise<void> {
    const fields = {
      path: state.path,
      freeMb: state.freeBytes === undefined
        ? null
        : Math.floor(state.freeBytes / MIB),
      minFreeMb: Math.floor(state.minFreeBytes / MIB),
    };
    if (state.ok) {
      (this.#logger?.info ?? this.#logger?.warn)?.call(
        this.#logger,
        "disk space is back: writes and KV queue deliveries resume",
        fields,
      );
    } else {
      this.#logger?.error("disk under DATA_DIR is low: writes stopped", {
        ...fields,
        reason: state.reason,
      });
    }
    for (const listener of [...this.#listeners]) {
      try {
        await listener(state);
      } catch (error) {
        this.#logger?.error("disk guard listener failed", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}
