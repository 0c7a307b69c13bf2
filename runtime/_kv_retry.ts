/**
 * SQLite-backed KV answers "database is locked" when another connection to
 * the same file (another process, or another `Deno.openKv` in this one) is
 * writing. The operation did not happen, so it is safe to try again.
 * Internal to runtime/kv.ts.
 *
 * @module
 */

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
export async function retryLocked<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isLockedError(error) || attempt >= MAX_ATTEMPTS) throw error;
      const ms = 1 + Math.random() * Math.min(25, 2 + attempt);
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  }
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
