import { assert } from "../deps.ts";
import {
  countDeadLetters,
  deleteDeadLetter,
  getDeadLetter,
  insertDeadLetter,
  listDeadLetters,
} from "../../storage/dead_letters.ts";
import { at, dbStep, openTestDatabase } from "./_db.ts";

Deno.test("dead letters repository", async (t) => {
  await using tdb = await openTestDatabase();

  await dbStep(
    t,
    tdb,
    "lists oldest first by kind and actor, pages, counts and deletes",
    async (db) => {
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) {
        ids.push(
          await insertDeadLetter(db, {
            kind: i % 2 ? "chat" : "build",
            actorId: `a${i % 3}`,
            seq: i,
            message: { type: "m", i },
            error: `e${i}`,
            attempts: i + 1,
            at: at(i),
          }),
        );
      }
      assert.deepEqual((await listDeadLetters(db)).map((d) => d.seq), [
        0,
        1,
        2,
        3,
      ]);
      assert.deepEqual(
        (await listDeadLetters(db, { kind: "build" })).map((d) => d.seq),
        [0, 2],
      );
      assert.deepEqual(
        (await listDeadLetters(db, { actorId: "a0" })).map((d) => d.seq),
        [0, 3],
      );
      assert.deepEqual(
        (await listDeadLetters(db, { afterId: ids[1], limit: 1 })).map((d) =>
          d.seq
        ),
        [2],
      );
      assert.equal(await countDeadLetters(db), 4);
      assert.equal(await countDeadLetters(db, "chat"), 2);
      const one = await getDeadLetter(db, ids[3]!);
      assert.deepEqual(one && { ...one, id: 0 }, {
        id: 0,
        kind: "chat",
        actorId: "a0",
        seq: 3,
        message: { type: "m", i: 3 },
        error: "e3",
        attempts: 4,
        createdAt: at(3),
      });
      assert.equal(await deleteDeadLetter(db, ids[3]!), true);
      assert.equal(await deleteDeadLetter(db, ids[3]!), false);
      assert.equal(await getDeadLetter(db, ids[3]!), undefined);
    },
  );
});
