/**
 * SQLite-backed KV answers "database is locked" when another connection to
 * the same file (another process, or another `Deno.openKv` in this one) is
 * writing. The operation did not happen, so it is safe to try again.
 * Internal to runtime/kv.ts.
 *
 * @module
 */

import { retry } from "./retry.ts";

const MAX_ATTEMPTS = 400;

/** True for KV's transient lock errors. */
export function isLockedError(error: unknown): boolean {
  return error instanceof Error &&
    /database is locked|database table is locked|SQLITE_BUSY/i.test(
      error.message,
    );
}

/** True when the KV handle was closed under an operation (Deno answers `BadResource`). */
export function isClosedError(error: unknown): boolean {
  return error instanceof Error &&
    (error.name === "BadResource" || /closed/i.test(error.message));
}

/** Runs `fn`, trying again with a short random backoff while the KV file is locked. */
export function retryLocked<T>(fn: () => Promise<T>): Promise<T> {
  return retry(fn, {
    retries: MAX_ATTEMPTS,
    shouldRetry: isLockedError,
    delay: (n) => 1 + Math.random() * Math.min(25, 1 + n),
  });
}

/** Collects a listing, retrying the whole listing while the file is locked. */
export function listAll<T>(
  kv: Deno.Kv,
  selector: Deno.KvListSelector,
  options: Deno.KvListOptions = {},
): Promise<Deno.KvEntry<T>[]> {
  return retryLocked(async () => {
    const out: Deno.KvEntry<T>[] = [];
    for await (const entry of kv.list<T>(selector, options)) out.push(entry);
    return out;
  });
}
