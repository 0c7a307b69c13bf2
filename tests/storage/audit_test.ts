import { assert } from "../deps.ts";
import {
  listAuditLogs,
  pruneAuditLogs,
  writeAudit,
} from "../../storage/audit.ts";
import { createBuild } from "../../storage/builds.ts";
import { inTransaction } from "../../storage/_sql.ts";
import { ConstraintError } from "../../storage/errors.ts";
import { at, countRows, dbSuite, makeUser, T0 } from "./_db.ts";

dbSuite("audit log", async (step) => {
  await step(
    "filters by actor, action and target, newest first, with paging",
    async (db) => {
      const admin = await makeUser(db, "root@example.com", { role: "admin" });
      for (let i = 0; i < 5; i++) {
        await writeAudit(
          db,
          { actorUserId: admin.id, now: at(i * 1000), ip: "10.0.0.9" },
          i % 2 ? "odd" : "even",
          `t${i}`,
          { i },
        );
      }
      const all = await listAuditLogs(db, { actorUserId: admin.id });
      assert.deepEqual(all.map((e) => e.target), [
        "t4",
        "t3",
        "t2",
        "t1",
        "t0",
      ]);
      assert.deepEqual(
        (await listAuditLogs(db, { action: "odd" })).map((e) => e.target),
        ["t3", "t1"],
      );
      assert.deepEqual(
        (await listAuditLogs(db, { target: "t2" }))[0]?.details,
        { i: 2 },
      );
      assert.deepEqual(
        (await listAuditLogs(db, { actorUserId: admin.id, before: at(2000) }))
          .map((e) => e.target),
        ["t1", "t0"],
      );
      assert.deepEqual(
        (await listAuditLogs(db, { actorUserId: admin.id, limit: 2 })).map((
          e,
        ) => e.target),
        ["t4", "t3"],
      );
      assert.equal(await pruneAuditLogs(db, at(2000)), 3); // t0, t1 and the user's creation at T0
    },
  );

  await step(
    "a mutation and its audit row commit or roll back together",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const input = {
        userId: user.id,
        project: "p",
        language: "ts",
        requirements: "r",
        source: "api" as const,
      };
      // The audit row is invalid (action too long): the build must not exist either.
      await assert.rejects(
        inTransaction(db, async (trx) => {
          await createBuild(trx, input, { actorUserId: user.id, now: T0 });
          await writeAudit(
            trx,
            { actorUserId: user.id },
            "x".repeat(101),
            null,
          );
        }),
        ConstraintError,
      );
      assert.equal(await countRows(db, "builds"), 0);
      assert.equal(await countRows(db, "audit_logs"), 1);
      // An over-long IP fails the audit insert inside createBuild: no build.
      await assert.rejects(
        createBuild(db, input, { actorUserId: user.id, ip: "9".repeat(65) }),
        ConstraintError,
      );
      assert.equal(await countRows(db, "builds"), 0);
    },
  );
});
