import { assert } from "../deps.ts";
import { VersionConflictError } from "../../runtime/errors.ts";
import { PostgresStateStore } from "../../storage/state_store.ts";
import { dbStep, openTestDatabase, T0 } from "./_db.ts";
import { storeConformance } from "../runtime/store_conformance.ts";

Deno.test("PostgresStateStore", async (t) => {
  await using tdb = await openTestDatabase();

  await dbStep(
    t,
    tdb,
    "load returns undefined for an actor that never saved",
    async (db) => {
      const store = new PostgresStateStore(db);
      assert.equal(await store.load("counter", "nobody"), undefined);
    },
  );

  await dbStep(
    t,
    tdb,
    "save then load round-trips state, version and lastSeq",
    async (db) => {
      const store = new PostgresStateStore(db, { now: () => T0 });
      const v1 = await store.save("counter", "a", {
        state: { n: 1, tags: ["x"] },
        lastSeq: 1,
        fence: 3,
      }, 0);
      assert.equal(v1, 1);
      const v2 = await store.save("counter", "a", {
        state: { n: 2, tags: [] },
        lastSeq: 2,
        fence: 3,
      }, 1);
      assert.equal(v2, 2);
      assert.deepEqual(await store.load("counter", "a"), {
        state: { n: 2, tags: [] },
        version: 2,
        lastSeq: 2,
      });
      // Same id, different kind: a different actor.
      assert.equal(await store.load("other", "a"), undefined);
      const row = await db.selectFrom("actor_state").select([
        "fence",
        "updated_at",
      ]).executeTakeFirstOrThrow();
      assert.equal(row.fence, 3);
      assert.equal(row.updated_at.getTime(), T0.getTime());
    },
  );

  await dbStep(
    t,
    tdb,
    "a save with a stale version throws VersionConflictError and changes nothing",
    async (db) => {
      const store = new PostgresStateStore(db);
      await store.save("k", "a", { state: "one", lastSeq: 1, fence: 1 }, 0);
      await store.save("k", "a", { state: "two", lastSeq: 2, fence: 1 }, 1);
      await assert.rejects(
        store.save("k", "a", { state: "stale", lastSeq: 9, fence: 1 }, 1),
        (e: unknown) =>
          e instanceof VersionConflictError && e.expected === 1 &&
          e.kind === "k" && e.id === "a",
      );
      await assert.rejects(
        store.save("k", "a", { state: "again", lastSeq: 9, fence: 1 }, 0),
        VersionConflictError,
      );
      await assert.rejects(
        store.save("k", "b", { state: "ghost", lastSeq: 1, fence: 1 }, 5),
        VersionConflictError,
      );
      assert.deepEqual(await store.load("k", "a"), {
        state: "two",
        version: 2,
        lastSeq: 2,
      });
      assert.equal(await store.load("k", "b"), undefined);
    },
  );

  await dbStep(
    t,
    tdb,
    "scalar, null and array states survive as JSON",
    async (db) => {
      const store = new PostgresStateStore(db);
      const cases: unknown[] = [null, 0, "text", [1, [2, "3"]], {
        nested: { deep: [true, null] },
      }];
      for (const [i, state] of cases.entries()) {
        await store.save("json", String(i), { state, lastSeq: i, fence: 0 }, 0);
        assert.deepEqual((await store.load("json", String(i)))?.state, state);
      }
    },
  );

  await dbStep(
    t,
    tdb,
    "50 concurrent writers per round: exactly one wins, no lost update",
    async (db) => {
      const store = new PostgresStateStore(db);
      const rounds = 5;
      const writers = 50;
      let version = 0;
      for (let round = 0; round < rounds; round++) {
        const results = await Promise.allSettled(
          Array.from({ length: writers }, (_, w) =>
            store.save(
              "contended",
              "one",
              {
                state: { round, writer: w, history: round },
                lastSeq: round + 1,
                fence: w,
              },
              version,
            )),
        );
        const won = results.flatMap((r, w) =>
          r.status === "fulfilled" ? [{ w, v: r.value }] : []
        );
        const lost = results.filter((r) => r.status === "rejected");
        assert.equal(won.length, 1, `round ${round}: ${won.length} winners`);
        assert.equal(lost.length, writers - 1);
        for (const r of lost) {
          assert.ok(
            r.status === "rejected" && r.reason instanceof VersionConflictError,
            String(r.status === "rejected" && r.reason),
          );
        }
        const winner = won[0]!;
        assert.equal(winner.v, version + 1);
        const loaded = await store.load("contended", "one");
        assert.deepEqual(loaded, {
          state: { round, writer: winner.w, history: round },
          version: version + 1,
          lastSeq: round + 1,
        });
        version = winner.v;
      }
      assert.equal(version, rounds);
    },
  );

  await dbStep(
    t,
    tdb,
    "read-modify-write retried on conflict loses no increment",
    async (db) => {
      const store = new PostgresStateStore(db);
      const workers = 20;
      const increments = 5;
      await Promise.all(Array.from({ length: workers }, async () => {
        for (let i = 0; i < increments; i++) {
          for (;;) {
            const current = await store.load("counter", "shared");
            const n = (current?.state as { n: number } | undefined)?.n ?? 0;
            try {
              await store.save("counter", "shared", {
                state: { n: n + 1 },
                lastSeq: n + 1,
                fence: 0,
              }, current?.version ?? 0);
              break;
            } catch (e) {
              if (!(e instanceof VersionConflictError)) throw e;
            }
          }
        }
      }));
      const final = await store.load("counter", "shared");
      assert.deepEqual(final, {
        state: { n: workers * increments },
        version: workers * increments,
        lastSeq: workers * increments,
      });
    },
  );

  await dbStep(
    t,
    tdb,
    "dead letters are kept oldest first and filtered by kind",
    async (db) => {
      const store = new PostgresStateStore(db);
      const at = T0.getTime();
      await store.deadLetter({
        kind: "build",
        id: "b1",
        seq: 3,
        message: { type: "start" },
        error: "boom",
        attempts: 5,
        at,
      });
      await store.deadLetter({
        kind: "chat",
        id: "c1",
        seq: 1,
        message: { type: "say", text: "hi" },
        error: "nope",
        attempts: 2,
        at: at + 1,
      });
      await store.deadLetter({
        kind: "build",
        id: "b2",
        seq: 9,
        message: [1, 2],
        error: "again",
        attempts: 1,
        at: at + 2,
      });
      const all = await store.deadLetters();
      assert.deepEqual(all.map((d) => d.id), ["b1", "c1", "b2"]);
      assert.deepEqual(all[0], {
        kind: "build",
        id: "b1",
        seq: 3,
        message: { type: "start" },
        error: "boom",
        attempts: 5,
        at,
      });
      assert.deepEqual(
        (await store.deadLetters({ kind: "build" })).map((d) => d.id),
        ["b1", "b2"],
      );
      assert.deepEqual(
        (await store.deadLetters({ limit: 1 })).map((d) => d.id),
        ["b1"],
      );
      assert.deepEqual(all[2]?.message, [1, 2]);
    },
  );
});

// The runtime's contract for every StateStore, on a fresh database per case.
storeConformance("PostgresStateStore", async () => {
  const tdb = await openTestDatabase();
  return { store: new PostgresStateStore(tdb.db), cleanup: () => tdb.close() };
});
