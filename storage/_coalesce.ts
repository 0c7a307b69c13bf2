/**
 * Request coalescing for point reads: lookups that arrive while the reads
 * already sent are busy wait and go out together as one batch.
 *
 * @module
 */

/** How many batches may be out at once, and how big one may get. */
export interface CoalesceOptions {
  /** Batches sent at once; later lookups wait for one to return. */
  readonly maxInFlight: number;
  /** Most distinct keys in one batch. */
  readonly maxBatch: number;
}

interface Waiter<V> {
  readonly key: string;
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/**
 * Wraps a batch read so single lookups share round trips under load. A lookup
 * never joins a batch that was already sent, so it always sees what was
 * committed before it was made; with free capacity it goes out at once
 * (alone when alone), so it waits for nothing but its own read.
 *
 * @example
 * ```ts
 * import { coalesce } from "./_coalesce.ts";
 * const get = coalesce(
 *   (keys: string[]) => Promise.resolve(new Map(keys.map((k) => [k, k.length]))),
 *   { maxInFlight: 2, maxBatch: 100 },
 * );
 * console.assert((await get("abc")) === 3);
 * ```
 */
export function coalesce<V>(
  load: (keys: string[]) => Promise<ReadonlyMap<string, V>>,
  options: CoalesceOptions,
): (key: string) => Promise<V | undefined> {
  let waiting: Waiter<V>[] = [];
  let inFlight = 0;

  const send = () => {
    while (inFlight < options.maxInFlight && waiting.length > 0) {
      const batch: Waiter<V>[] = [];
      const keys = new Set<string>();
      let rest = 0;
      for (; rest < waiting.length; rest++) {
        const w = waiting[rest]!;
        if (!keys.has(w.key) && keys.size >= options.maxBatch) break;
        keys.add(w.key);
        batch.push(w);
      }
      waiting = waiting.slice(rest);
      inFlight++;
      load([...keys]).then(
        (found) => {
          for (const w of batch) w.resolve(found.get(w.key));
        },
        (error) => {
          for (const w of batch) w.reject(error);
        },
      ).finally(() => {
        inFlight--;
        send();
      });
    }
  };

  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      waiting.push({ key, resolve, reject });
      // Lookups made in the same turn share the first free batch.
      if (waiting.length === 1) queueMicrotask(send);
    });
}
