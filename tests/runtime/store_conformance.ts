/**
 * The contract every {@linkcode StateStore} keeps. Run it from a `*_test.ts`
 * file with a factory for an empty store:
 *
 * ```ts
 * import { storeConformance } from "./store_conformance.ts";
 * storeConformance("MemoryStateStore", () => ({ store: new MemoryStateStore() }));
 * ```
 *
 * @module
 */
import { VersionConflictError } from "../../runtime/errors.ts";
import type { DeadLetter, StateStore } from "../../runtime/store.ts";
import { assert } from "../deps.ts";

/** An empty store for one test, and how to free it. */
export interface StoreEnv {
  store: StateStore;
  cleanup?: () => void | Promise<void>;
}

function isConflict(error: unknown): boolean {
  return error instanceof VersionConflictError ||
    (error instanceof Error && error.name === "VersionConflictError");
}

/** Registers the store conformance tests under `name`. */
export function storeConformance(
  name: string,
  makeStore: () => StoreEnv | Promise<StoreEnv>,
): void {
  function test(title: string, fn: (store: StateStore) => Promise<void>) {
    Deno.test(`${name}: ${title}`, async () => {
      const env = await makeStore();
      try {
        await fn(env.store);
      } finally {
        await env.cleanup?.();
      }
    });
  }

  test("load of an actor that never saved is undefined", async (store) => {
    assert.equal(await store.load("thing", "nobody"), undefined);
  });

  test("save then load round-trips state, version and lastSeq", async (store) => {
    const state = {
      name: "zoë ✓",
      count: 3,
      ratio: 0.25,
      ok: true,
      none: null,
      list: [1, "two", { three: [3] }],
      nested: { deep: { deeper: "yes" } },
    };
    const v1 = await store.save(
      "thing",
      "a",
      { state, lastSeq: 4, fence: 1 },
      0,
    );
    assert.equal(v1, 1);
    assert.deepEqual(await store.load("thing", "a"), {
      state,
      version: 1,
      lastSeq: 4,
    });
    const v2 = await store.save(
      "thing",
      "a",
      { state: { count: 4 }, lastSeq: 9, fence: 1 },
      v1,
    );
    assert.equal(v2, 2);
    assert.deepEqual(await store.load("thing", "a"), {
      state: { count: 4 },
      version: 2,
      lastSeq: 9,
    });
  });

  test("scalar states round-trip", async (store) => {
    for (const [i, state] of [0, "text", true, null, [1, 2]].entries()) {
      await store.save("scalar", `s${i}`, { state, lastSeq: 1, fence: 1 }, 0);
      assert.deepEqual((await store.load("scalar", `s${i}`))?.state, state);
    }
  });

  test("a save with a stale version throws VersionConflictError and changes nothing", async (store) => {
    await store.save("thing", "a", { state: "first", lastSeq: 1, fence: 1 }, 0);
    await store.save(
      "thing",
      "a",
      { state: "second", lastSeq: 2, fence: 1 },
      1,
    );
    await assert.rejects(
      store.save("thing", "a", { state: "stale", lastSeq: 3, fence: 2 }, 1),
      (error: unknown) => isConflict(error),
    );
    await assert.rejects(
      store.save("thing", "a", { state: "new?", lastSeq: 3, fence: 2 }, 0),
      (error: unknown) => isConflict(error),
    );
    await assert.rejects(
      store.save("thing", "b", { state: "ahead", lastSeq: 1, fence: 1 }, 5),
      (error: unknown) => isConflict(error),
    );
    assert.deepEqual(await store.load("thing", "a"), {
      state: "second",
      version: 2,
      lastSeq: 2,
    });
    assert.equal(await store.load("thing", "b"), undefined);
  });

  test("actors are keyed by kind and id together", async (store) => {
    await store.save("k1", "same", { state: "one", lastSeq: 1, fence: 1 }, 0);
    await store.save("k2", "same", { state: "two", lastSeq: 7, fence: 1 }, 0);
    await store.save(
      "k1",
      "other",
      { state: "three", lastSeq: 2, fence: 1 },
      0,
    );
    assert.equal((await store.load("k1", "same"))?.state, "one");
    assert.equal((await store.load("k2", "same"))?.lastSeq, 7);
    assert.equal((await store.load("k1", "other"))?.state, "three");
  });

  test("a committed snapshot does not change when the caller mutates its object", async (store) => {
    const state = { items: ["a"] };
    await store.save("thing", "a", { state, lastSeq: 1, fence: 1 }, 0);
    state.items.push("b");
    const loaded = await store.load("thing", "a");
    assert.deepEqual(loaded?.state, { items: ["a"] });
    (loaded?.state as { items: string[] }).items.push("c");
    assert.deepEqual((await store.load("thing", "a"))?.state, { items: ["a"] });
  });

  test("50 concurrent writers with the same expected version: exactly one wins each round", async (store) => {
    let version = 0;
    for (let round = 1; round <= 5; round++) {
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, writer) =>
          store.save(
            "contended",
            "x",
            { state: { round, writer }, lastSeq: round, fence: writer },
            version,
          )),
      );
      const won = results.flatMap((r, writer) =>
        r.status === "fulfilled" ? [{ writer, version: r.value }] : []
      );
      assert.equal(won.length, 1, `round ${round}: ${won.length} winners`);
      for (const r of results) {
        if (r.status === "rejected") {
          assert.ok(isConflict(r.reason), String(r.reason));
        }
      }
      assert.equal(won[0]!.version, version + 1);
      version = won[0]!.version;
      assert.deepEqual(await store.load("contended", "x"), {
        state: { round, writer: won[0]!.writer },
        version,
        lastSeq: round,
      });
    }
  });

  test("dead letters are kept oldest first, filtered by kind and limited", async (store) => {
    assert.deepEqual(await store.deadLetters(), []);
    const letter = (kind: string, seq: number): DeadLetter => ({
      kind,
      id: `id-${seq}`,
      seq,
      message: { type: "boom", payload: { seq } },
      error: `Error: failed ${seq}`,
      attempts: 3,
      at: 1_700_000_000_000 + seq,
    });
    const letters = [
      letter("a", 1),
      letter("b", 2),
      letter("a", 3),
      letter("a", 4),
    ];
    for (const l of letters) await store.deadLetter(l);
    assert.deepEqual(await store.deadLetters(), letters);
    assert.deepEqual(await store.deadLetters({ kind: "a" }), [
      letters[0],
      letters[2],
      letters[3],
    ]);
    assert.deepEqual(await store.deadLetters({ kind: "a", limit: 2 }), [
      letters[0],
      letters[2],
    ]);
    assert.deepEqual(await store.deadLetters({ limit: 1 }), [letters[0]]);
    assert.deepEqual(await store.deadLetters({ kind: "none" }), []);
  });
}
