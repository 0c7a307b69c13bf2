/**
 * A {@linkcode StateStore} in memory: for tests, local development and
 * benchmarks. Snapshots are structured-cloned on the way in and out, so an
 * actor that mutates its state in place cannot change what was committed.
 *
 * @module
 */
import { VersionConflictError } from "./errors.ts";
import type { DeadLetter, StateStore, StoredState } from "./store.ts";

/**
 * Actor state and dead letters in memory, with optimistic versions.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from "./memory_store.ts";
 * const store = new MemoryStateStore();
 * const v1 = await store.save("counter", "a", { state: 1, lastSeq: 1, fence: 1 }, 0);
 * console.assert((await store.load("counter", "a"))?.version === v1);
 * ```
 */
export class MemoryStateStore implements StateStore {
  #states = new Map<string, StoredState & { fence: number }>();
  #dead: DeadLetter[] = [];

  load(kind: string, id: string): Promise<StoredState | undefined> {
    const found = this.#states.get(key(kind, id));
    return Promise.resolve(
      found && {
        state: structuredClone(found.state),
        version: found.version,
        lastSeq: found.lastSeq,
      },
    );
  }

  save(
    kind: string,
    id: string,
    snapshot: { state: unknown; lastSeq: number; fence: number },
    expectedVersion: number,
  ): Promise<number> {
    const k = key(kind, id);
    const current = this.#states.get(k)?.version ?? 0;
    if (current !== expectedVersion) {
      return Promise.reject(
        new VersionConflictError(kind, id, expectedVersion),
      );
    }
    const version = current + 1;
    this.#states.set(k, {
      state: structuredClone(snapshot.state),
      lastSeq: snapshot.lastSeq,
      fence: snapshot.fence,
      version,
    });
    return Promise.resolve(version);
  }

  deadLetter(letter: DeadLetter): Promise<void> {
    this.#dead.push(structuredClone(letter));
    return Promise.resolve();
  }

  deadLetters(
    filter: { kind?: string; limit?: number } = {},
  ): Promise<DeadLetter[]> {
    const matching = this.#dead.filter((d) =>
      filter.kind === undefined || d.kind === filter.kind
    );
    return Promise.resolve(
      structuredClone(matching.slice(0, filter.limit ?? matching.length)),
    );
  }
}

function key(kind: string, id: string): string {
  return `${kind}\u0000${id}`;
}
