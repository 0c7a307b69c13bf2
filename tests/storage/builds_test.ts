import { assert } from "../deps.ts";
import { listAuditLogs } from "../../storage/audit.ts";
import {
  cancelBuild,
  countBuildsByStatus,
  countBuildsSince,
  createBuild,
  getBuild,
  listBuilds,
  loadBuild,
  updateBuild,
} from "../../storage/builds.ts";
import {
  ConstraintError,
  MissingReferenceError,
  NotFoundError,
  StateError,
} from "../../storage/errors.ts";
import type { BuildStatus } from "../../storage/schema.ts";
import { at, countRows, dbSuite, makeBuild, makeUser, T0 } from "./_db.ts";

dbSuite("builds repository", async (step) => {
  await step(
    "creates a queued build, audited, readable by its owner",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const build = await createBuild(db, {
        userId: user.id,
        project: "todo-api",
        language: "typescript",
        requirements: "CRUD for todos",
        source: "telegram",
        telegramChatId: -1001234567890,
      }, { actorUserId: user.id, ip: "::1", now: T0 });
      assert.equal(build.status, "queued");
      assert.equal(build.attempts, 0);
      assert.equal(build.lastEventSeq, 0);
      assert.equal(build.telegramChatId, -1001234567890);
      assert.equal(build.createdAt.getTime(), T0.getTime());
      assert.equal(build.startedAt, null);
      assert.deepEqual(await getBuild(db, user.id, build.id), build);
      assert.deepEqual(await loadBuild(db, build.id), build);
      const [entry] = await listAuditLogs(db, { action: "build.create" });
      assert.equal(entry?.target, build.id);
      assert.equal(entry?.ip, "::1");
    },
  );

  await step(
    "walks the status machine, stamping started_at and finished_at, then freezes",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { id } = await makeBuild(db, user.id);
      const path: BuildStatus[] = [
        "analyzing",
        "planning",
        "generating",
        "testing",
        "generating",
        "testing",
        "finalizing",
      ];
      for (const [i, status] of path.entries()) {
        const b = await updateBuild(db, id, { status }, {
          now: at(1000 * (i + 1)),
        });
        assert.equal(b.status, status);
        assert.equal(b.startedAt?.getTime(), at(1000).getTime());
        assert.equal(b.finishedAt, null);
        assert.equal(b.updatedAt.getTime(), at(1000 * (i + 1)).getTime());
      }
      const done = await updateBuild(db, id, {
        status: "succeeded",
        result: { summary: "ok", tests: [1, 2] },
        files: [{ path: "mod.ts", content: "export {}" }],
        plan: { phases: ["a"] },
        attempts: 2,
      }, { now: at(60_000) });
      assert.equal(done.finishedAt?.getTime(), at(60_000).getTime());
      assert.deepEqual(done.files, [{ path: "mod.ts", content: "export {}" }]);
      assert.deepEqual(done.result, { summary: "ok", tests: [1, 2] });
      assert.equal(done.attempts, 2);
      await assert.rejects(
        updateBuild(db, id, { status: "failed" }),
        (e: unknown) =>
          e instanceof StateError && /already succeeded/.test(e.message),
      );
      assert.equal((await loadBuild(db, id))?.status, "succeeded");
    },
  );

  await step("expectedStatus guards a transition", async (db) => {
    const user = await makeUser(db, "ada@example.com");
    const { id } = await makeBuild(db, user.id);
    await assert.rejects(
      updateBuild(db, id, { status: "testing" }, {
        expectedStatus: "generating",
      }),
      StateError,
    );
    assert.equal(
      (await updateBuild(db, id, { status: "analyzing" }, {
        expectedStatus: "queued",
      })).status,
      "analyzing",
    );
    await assert.rejects(
      updateBuild(db, crypto.randomUUID(), { status: "failed" }),
      NotFoundError,
    );
  });

  await step(
    "invalid status or source, over-long fields and unknown users are typed errors with no partial rows",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const base = {
        userId: user.id,
        project: "p",
        language: "ts",
        requirements: "r",
        source: "api" as const,
      };
      const ctx = { actorUserId: user.id, now: T0 };
      const cases: [
        Parameters<typeof createBuild>[1],
        new (...a: never[]) => Error,
      ][] = [
        [{ ...base, project: "p".repeat(201) }, ConstraintError],
        [{ ...base, project: "" }, ConstraintError],
        [{ ...base, requirements: "r".repeat(20_001) }, ConstraintError],
        [{ ...base, language: "l".repeat(51) }, ConstraintError],
        [{ ...base, source: "email" as "api" }, ConstraintError],
        [{ ...base, userId: crypto.randomUUID() }, MissingReferenceError],
        [{ ...base, id: "not-a-uuid" }, ConstraintError],
      ];
      for (const [input, type] of cases) {
        await assert.rejects(
          createBuild(db, input, ctx),
          type,
        );
      }
      assert.equal(await countRows(db, "builds"), 0);
      assert.equal(await countRows(db, "audit_logs"), 1);
      // A requirement of exactly the limit is fine.
      await createBuild(db, { ...base, requirements: "r".repeat(20_000) }, ctx);
      const { id } = await makeBuild(db, user.id);
      await assert.rejects(
        updateBuild(db, id, { status: "exploded" as BuildStatus }),
        (e: unknown) =>
          e instanceof ConstraintError &&
          e.constraint === "builds_status_check",
      );
      await assert.rejects(
        updateBuild(db, id, { error: "e".repeat(10_001) }),
        ConstraintError,
      );
      assert.equal((await loadBuild(db, id))?.status, "queued");
    },
  );

  await step(
    "lists a user's builds newest first with keyset paging and a status filter",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const other = await makeUser(db, "bob@example.com");
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push(
          (await makeBuild(db, user.id, {
            now: at(i * 1000),
            project: `p${i}`,
          })).id,
        );
      }
      await makeBuild(db, other.id, { now: at(99_000) });
      const page1 = await listBuilds(db, user.id, { limit: 3 });
      assert.deepEqual(page1.map((b) => b.project), ["p6", "p5", "p4"]);
      assert.ok(!("files" in page1[0]!) && !("requirements" in page1[0]!));
      const last = page1.at(-1)!;
      const page2 = await listBuilds(db, user.id, {
        limit: 3,
        before: { createdAt: last.createdAt, id: last.id },
      });
      assert.deepEqual(page2.map((b) => b.project), ["p3", "p2", "p1"]);
      await updateBuild(db, ids[2]!, { status: "failed", error: "boom" });
      assert.deepEqual(
        (await listBuilds(db, user.id, { status: "failed" })).map((b) =>
          b.project
        ),
        ["p2"],
      );
      assert.equal((await listBuilds(db, user.id)).length, 7);
      assert.equal(await countBuildsSince(db, user.id, at(5000)), 2);
      const counts = await countBuildsByStatus(db);
      assert.equal(counts.queued, 7);
      assert.equal(counts.failed, 1);
      assert.equal(counts.succeeded, 0);
    },
  );

  await step(
    "builds with the same created_at page without gaps or repeats",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      for (let i = 0; i < 5; i++) await makeBuild(db, user.id, { now: T0 });
      const seen: string[] = [];
      let before: { createdAt: Date; id: string } | undefined;
      for (;;) {
        const page = await listBuilds(db, user.id, {
          limit: 2,
          ...(before ? { before } : {}),
        });
        if (page.length === 0) break;
        seen.push(...page.map((b) => b.id));
        const tail = page.at(-1)!;
        before = { createdAt: tail.createdAt, id: tail.id };
      }
      assert.equal(seen.length, 5);
      assert.equal(new Set(seen).size, 5);
    },
  );

  await step(
    "cancel is audited and refused for finished builds",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { id } = await makeBuild(db, user.id);
      await updateBuild(db, id, { status: "generating" }, { now: at(1) });
      const cancelled = await cancelBuild(db, user.id, id, {
        actorUserId: user.id,
        now: at(2),
      });
      assert.equal(cancelled.status, "cancelled");
      assert.equal(cancelled.finishedAt?.getTime(), at(2).getTime());
      const [entry] = await listAuditLogs(db, { action: "build.cancel" });
      assert.deepEqual(entry?.details, { from: "generating" });
      await assert.rejects(
        cancelBuild(db, user.id, id, { actorUserId: user.id }),
        StateError,
      );
      assert.equal(
        (await listAuditLogs(db, { action: "build.cancel" })).length,
        1,
      );
    },
  );
  await step(
    "an update made on someone's behalf is audited in the same transaction",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { id } = await makeBuild(db, user.id);
      await updateBuild(
        db,
        id,
        { status: "failed", error: "stopped by admin" },
        {
          audit: { actorUserId: null, ip: "10.1.1.1", now: at(5) },
        },
      );
      const [entry] = await listAuditLogs(db, { action: "build.update" });
      assert.deepEqual(entry?.details, { status: "failed" });
      assert.equal(entry?.target, id);
      // A refused update leaves no audit row behind.
      await assert.rejects(
        updateBuild(db, id, { status: "queued" }, {
          audit: { actorUserId: null },
        }),
        StateError,
      );
      assert.equal(
        (await listAuditLogs(db, { action: "build.update" })).length,
        1,
      );
    },
  );
});
