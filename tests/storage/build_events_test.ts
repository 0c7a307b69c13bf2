import { assert } from "../deps.ts";
import {
  appendBuildEvents,
  listBuildEvents,
  listUserBuildEvents,
  pruneBuildEvents,
} from "../../storage/build_events.ts";
import { deleteBuild, loadBuild, updateBuild } from "../../storage/builds.ts";
import { ConstraintError, NotFoundError } from "../../storage/errors.ts";
import { at, countRows, dbSuite, makeBuild, makeUser, T0 } from "./_db.ts";

dbSuite("build events repository", async (step) => {
  await step(
    "appends with consecutive sequence numbers and reads after a given seq",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { id } = await makeBuild(db, user.id);
      const first = await appendBuildEvents(db, id, [
        { type: "status", data: { status: "analyzing" } },
        {
          type: "log",
          data: ["an", "array", { with: 'quotes " and \\ backslashes' }],
        },
      ], T0);
      assert.deepEqual(first.map((e) => e.seq), [1, 2]);
      assert.deepEqual(first[1]?.data, ["an", "array", {
        with: 'quotes " and \\ backslashes',
      }]);
      assert.equal(first[0]?.createdAt.getTime(), T0.getTime());
      const second = await appendBuildEvents(
        db,
        id,
        [{ type: "status" }],
        at(1),
      );
      assert.deepEqual(second.map((e) => [e.seq, e.data]), [[3, {}]]);
      assert.deepEqual((await listBuildEvents(db, id)).map((e) => e.seq), [
        1,
        2,
        3,
      ]);
      assert.deepEqual((await listBuildEvents(db, id, 1)).map((e) => e.seq), [
        2,
        3,
      ]);
      assert.deepEqual(
        (await listBuildEvents(db, id, 0, { limit: 2 })).map((e) => e.seq),
        [1, 2],
      );
      assert.deepEqual(await listBuildEvents(db, id, 3), []);
      assert.equal((await loadBuild(db, id))?.lastEventSeq, 3);
      assert.deepEqual(await appendBuildEvents(db, id, []), []);
    },
  );

  await step(
    "concurrent appenders never share or skip a sequence number",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { id } = await makeBuild(db, user.id);
      await Promise.all(Array.from({ length: 20 }, (_, w) =>
        appendBuildEvents(
          db,
          id,
          Array.from(
            { length: 5 },
            (_, i) => ({ type: "tick", data: { w, i } }),
          ),
        )));
      const events = await listBuildEvents(db, id);
      assert.deepEqual(
        events.map((e) => e.seq),
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      // Each writer's batch is contiguous and in order.
      for (let w = 0; w < 20; w++) {
        const seqs = events.filter((e) => (e.data as { w: number }).w === w)
          .map((e) => e.seq);
        assert.equal(seqs.length, 5);
        assert.equal(seqs.at(-1)! - seqs[0]!, 4);
      }
    },
  );

  await step(
    "a bulk insert of 1,000 events is one statement and keeps order",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { id } = await makeBuild(db, user.id);
      const events = Array.from(
        { length: 1000 },
        (_, i) => ({ type: "log", data: { line: i } }),
      );
      const stored = await appendBuildEvents(db, id, events, T0);
      assert.equal(stored.length, 1000);
      const read = await listBuildEvents(db, id, 0, { limit: 5000 });
      assert.deepEqual(
        read.map((e) => (e.data as { line: number }).line),
        events.map((_, i) => i),
      );
    },
  );

  await step(
    "a bad event rejects the whole batch and leaves the sequence untouched",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { id } = await makeBuild(db, user.id);
      await assert.rejects(
        appendBuildEvents(db, id, [{ type: "ok" }, { type: "t".repeat(101) }]),
        ConstraintError,
      );
      await assert.rejects(
        appendBuildEvents(db, id, [{ type: "" }]),
        ConstraintError,
      );
      await assert.rejects(
        appendBuildEvents(db, id, [{ type: "x", data: "nul \u0000 char" }]),
        ConstraintError,
      );
      assert.equal(await countRows(db, "build_events"), 0);
      assert.equal((await loadBuild(db, id))?.lastEventSeq, 0);
      await assert.rejects(
        appendBuildEvents(db, crypto.randomUUID(), [{ type: "x" }]),
        NotFoundError,
      );
      await assert.rejects(
        appendBuildEvents(db, "nope", [{ type: "x" }]),
        NotFoundError,
      );
      assert.deepEqual(
        (await appendBuildEvents(db, id, [{ type: "ok" }])).map((e) => e.seq),
        [1],
      );
    },
  );

  await step(
    "a user reads only their own builds' events",
    async (db) => {
      const ada = await makeUser(db, "ada@example.com");
      const bob = await makeUser(db, "bob@example.com");
      const { id } = await makeBuild(db, ada.id);
      await appendBuildEvents(db, id, [{ type: "a" }, { type: "b" }]);
      assert.deepEqual(
        (await listUserBuildEvents(db, ada.id, id, 1)).map((e) => e.type),
        ["b"],
      );
      assert.deepEqual(await listUserBuildEvents(db, bob.id, id), []);
    },
  );

  await step(
    "events go with their build and are pruned only for finished builds",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const running = await makeBuild(db, user.id);
      const done = await makeBuild(db, user.id);
      await appendBuildEvents(db, running.id, [{ type: "old" }], T0);
      await appendBuildEvents(db, done.id, [{ type: "old" }], T0);
      await appendBuildEvents(db, done.id, [{ type: "new" }], at(10_000));
      await updateBuild(db, done.id, { status: "failed" });
      assert.equal(await pruneBuildEvents(db, at(5000)), 1);
      assert.deepEqual(
        (await listBuildEvents(db, done.id)).map((e) => e.type),
        ["new"],
      );
      assert.equal((await listBuildEvents(db, running.id)).length, 1);
      await deleteBuild(db, user.id, running.id, { actorUserId: user.id });
      assert.equal(await countRows(db, "build_events"), 1);
    },
  );
});
