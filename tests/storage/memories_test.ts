import { assert } from "../deps.ts";
import { listAuditLogs } from "../../storage/audit.ts";
import { ConstraintError, NotFoundError } from "../../storage/errors.ts";
import {
  deleteMemory,
  getMemory,
  listMemories,
  pruneExpiredMemories,
  setMemory,
} from "../../storage/memories.ts";
import { at, countRows, dbSuite, makeUser, T0 } from "./_db.ts";

dbSuite("memories repository", async (step) => {
  await step(
    "sets, replaces and reads a memory of any JSON value",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const m = await setMemory(db, user.id, "stack", ["deno", "postgres"], {
        now: T0,
      });
      assert.deepEqual(m.value, ["deno", "postgres"]);
      assert.equal(m.expiresAt, null);
      const replaced = await setMemory(db, user.id, "stack", { lang: "ts" }, {
        now: at(10),
      });
      assert.deepEqual(replaced.value, { lang: "ts" });
      assert.equal(replaced.createdAt.getTime(), T0.getTime());
      assert.equal(replaced.updatedAt.getTime(), at(10).getTime());
      assert.deepEqual((await getMemory(db, user.id, "stack", at(11)))?.value, {
        lang: "ts",
      });
      assert.equal(await countRows(db, "memories"), 1);
      for (const value of [null, 0, "s", true]) {
        await setMemory(db, user.id, "scalar", value);
        assert.deepEqual(
          (await getMemory(db, user.id, "scalar"))?.value,
          value,
        );
      }
    },
  );

  await step(
    "an expired memory is never returned, and prune deletes only expired ones",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      await setMemory(db, user.id, "short", 1, {
        now: T0,
        expiresAt: at(1000),
      });
      await setMemory(db, user.id, "long", 2, {
        now: T0,
        expiresAt: at(100_000),
      });
      await setMemory(db, user.id, "forever", 3, { now: T0 });
      assert.deepEqual(
        (await getMemory(db, user.id, "short", at(999)))?.value,
        1,
      );
      assert.equal(await getMemory(db, user.id, "short", at(1000)), undefined);
      assert.deepEqual(
        (await listMemories(db, user.id, at(1000))).map((m) => m.key),
        ["forever", "long"],
      );
      assert.deepEqual(
        (await listMemories(db, user.id, at(999))).map((m) => m.key),
        ["forever", "long", "short"],
      );
      // Deleting an expired memory reports it as already gone.
      assert.equal(
        await deleteMemory(db, user.id, "short", { now: at(2000) }),
        false,
      );
      await setMemory(db, user.id, "short", 1, {
        now: T0,
        expiresAt: at(1000),
      });
      assert.equal(await pruneExpiredMemories(db, at(5000)), 1);
      assert.equal(await pruneExpiredMemories(db, at(5000)), 0);
      assert.equal(await countRows(db, "memories"), 2);
      assert.equal(await pruneExpiredMemories(db, at(100_000)), 1);
      assert.deepEqual(
        (await listMemories(db, user.id, at(100_000))).map((m) => m.key),
        ["forever"],
      );
    },
  );

  await step(
    "an expired memory set again comes back to life",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      await setMemory(db, user.id, "k", "old", { now: T0, expiresAt: at(10) });
      assert.equal(await getMemory(db, user.id, "k", at(20)), undefined);
      await setMemory(db, user.id, "k", "new", { now: at(20) });
      assert.deepEqual(
        (await getMemory(db, user.id, "k", at(30)))?.value,
        "new",
      );
    },
  );

  await step(
    "lists by key prefix, treating % and _ literally",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      for (
        const key of ["pref:a", "pref:b", "prefix", "p%x", "p_y", "other"]
      ) await setMemory(db, user.id, key, key);
      assert.deepEqual(
        (await listMemories(db, user.id, undefined, { prefix: "pref:" })).map((
          m,
        ) => m.key),
        ["pref:a", "pref:b"],
      );
      assert.deepEqual(
        (await listMemories(db, user.id, undefined, { prefix: "p%" })).map((
          m,
        ) => m.key),
        ["p%x"],
      );
      assert.deepEqual(
        (await listMemories(db, user.id, undefined, { prefix: "p_" })).map((
          m,
        ) => m.key),
        ["p_y"],
      );
      assert.equal(
        (await listMemories(db, user.id, undefined, { limit: 2 })).length,
        2,
      );
    },
  );

  await step(
    "audited set and delete write their audit row; bad keys are refused",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const audit = { actorUserId: user.id, ip: "1.2.3.4" };
      await setMemory(db, user.id, "k", 1, { audit });
      assert.equal(await deleteMemory(db, user.id, "k", { audit }), true);
      assert.equal(await deleteMemory(db, user.id, "k", { audit }), false);
      assert.deepEqual(
        (await listAuditLogs(db, { actorUserId: user.id })).map((e) =>
          e.action
        ),
        ["memory.delete", "memory.set"],
      );
      await assert.rejects(
        setMemory(db, user.id, "", 1, { audit }),
        ConstraintError,
      );
      await assert.rejects(
        setMemory(db, user.id, "k".repeat(201), 1),
        ConstraintError,
      );
      await assert.rejects(setMemory(db, "nope", "k", 1), NotFoundError);
      assert.equal(await countRows(db, "memories"), 0);
      assert.equal(
        (await listAuditLogs(db, { actorUserId: user.id })).length,
        2,
      );
    },
  );
});
