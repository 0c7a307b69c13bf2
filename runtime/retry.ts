/**
 * The one retry helper: try an operation again after a delay while the error
 * says it may pass, on `p-retry`, with abortable waits
 * (`node:timers/promises`). The caller decides which errors are worth
 * another attempt and how long to wait before each; every thrown value
 * (`TypeError`s and non-errors too) reaches that decision unchanged, and the
 * last error is what the caller finally sees.
 *
 * Loops that retry on a failed compare-and-set rather than on an error wait
 * with {@linkcode sleep}; reconnect schedules use {@linkcode exponentialDelay}.
 *
 * @module
 */
import pRetry, { AbortError } from "p-retry";
import { setTimeout as timerSleep } from "node:timers/promises";

/** How {@linkcode retry} decides and waits. */
export interface RetryOptions {
  /** Retries after the first attempt (`Infinity` for no limit). */
  readonly retries: number;
  /** Milliseconds to wait before retry number `retry` (1 for the first retry). */
  delay(retry: number): number;
  /** Whether `error` (thrown by attempt number `attempt`, from 1) may pass on another try. Default: always. */
  shouldRetry?(error: unknown, attempt: number): boolean;
  /** Told about every failed attempt that will be retried, before the wait. */
  onRetry?(error: unknown, attempt: number): void;
  /**
   * Ends the waits between attempts: the call then rejects with the
   * signal's reason. An attempt under way is not interrupted (pass the
   * signal to the operation too).
   */
  readonly signal?: AbortSignal | undefined;
}

/** Carries an attempt's thrown value through p-retry unchanged. */
class Failed extends Error {
  constructor(readonly thrown: unknown) {
    super("attempt failed");
  }
}

/**
 * Runs `fn` (given the attempt number, from 1) until it resolves, an error
 * is not worth retrying, or the retries are spent; rejects with the last
 * error as thrown.
 *
 * @example
 * ```ts
 * import { retry } from "./retry.ts";
 * let calls = 0;
 * const value = await retry(async () => {
 *   if (++calls < 3) throw new Error("busy");
 *   return calls;
 * }, { retries: 5, delay: () => 1 });
 * console.assert(value === 3);
 * ```
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { signal } = options;
  try {
    return await pRetry(async (attempt) => {
      try {
        return await fn(attempt);
      } catch (error) {
        const again = attempt <= options.retries &&
          (options.shouldRetry?.(error, attempt) ?? true);
        if (!again) throw new AbortError(new Failed(error));
        throw new Failed(error);
      }
    }, {
      retries: options.retries,
      // The waits are ours (abortable, any schedule), not p-retry's.
      minTimeout: 0,
      onFailedAttempt: async ({ error, attemptNumber }) => {
        const thrown = error instanceof Failed ? error.thrown : error;
        options.onRetry?.(thrown, attemptNumber);
        await sleep(options.delay(attemptNumber), signal);
      },
    });
  } catch (error) {
    throw error instanceof Failed ? error.thrown : error;
  }
}

/**
 * Waits `ms`; with a signal, rejects with the signal's reason as soon as it
 * is aborted (already aborted: at once).
 *
 * @example
 * ```ts
 * import { sleep } from "./retry.ts";
 * await sleep(1);
 * const stop = new AbortController();
 * stop.abort(new Error("stopped"));
 * await sleep(10_000, stop.signal).catch((e) => console.assert(e.message === "stopped"));
 * ```
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal === undefined) return await timerSleep(ms);
  try {
    await timerSleep(ms, undefined, { signal });
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  }
}

/**
 * `initialMs * factor^(n-1)`, capped at `maxMs`: the wait before retry `n`
 * (from 1) of an exponential schedule.
 *
 * @example
 * ```ts
 * import { exponentialDelay } from "./retry.ts";
 * const schedule = { initialMs: 100, maxMs: 1_000 };
 * console.assert(exponentialDelay(1, schedule) === 100);
 * console.assert(exponentialDelay(3, schedule) === 400);
 * console.assert(exponentialDelay(9, schedule) === 1_000);
 * ```
 */
export function exponentialDelay(
  n: number,
  schedule: { initialMs: number; maxMs: number; factor?: number },
): number {
  const factor = schedule.factor ?? 2;
  return Math.min(schedule.maxMs, schedule.initialMs * factor ** (n - 1));
}
