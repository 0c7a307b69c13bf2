import { assert } from "../deps.ts";
import { listAuditLogs } from "../../storage/audit.ts";
import {
  ConstraintError,
  DuplicateError,
  NotFoundError,
} from "../../storage/errors.ts";
import type { UserRole } from "../../storage/schema.ts";
import {
  countUsers,
  createUser,
  deleteUser,
  getUser,
  getUserByEmail,
  listUsers,
  updateUser,
} from "../../storage/users.ts";
import {
  at,
  countRows,
  dbSuite,
  makeBuild,
  makeUser,
  openTestDatabase,
  SYSTEM_AT_T0,
  T0,
} from "./_db.ts";

dbSuite("users repository", async (step) => {
  await step(
    "creates a user with defaults, email trimmed and lower-cased, audited",
    async (db) => {
      const user = await createUser(db, {
        email: "  Ada@Example.COM ",
        name: "Ada",
      }, { actorUserId: null, ip: "10.0.0.1", now: T0 });
      assert.equal(user.email, "ada@example.com");
      assert.equal(user.role, "user");
      assert.equal(user.dailyBuildQuota, 50);
      assert.equal(user.disabled, false);
      assert.equal(user.createdAt.getTime(), T0.getTime());
      assert.deepEqual(await getUser(db, user.id), user);
      assert.deepEqual(await getUserByEmail(db, "ADA@example.com"), user);
      const [entry, ...rest] = await listAuditLogs(db);
      assert.equal(rest.length, 0);
      assert.equal(entry?.action, "user.create");
      assert.equal(entry?.target, user.id);
      assert.equal(entry?.ip, "10.0.0.1");
      assert.equal(entry?.actorUserId, null);
      assert.deepEqual(entry?.details, {
        email: "ada@example.com",
        role: "user",
      });
    },
  );

  await step(
    "a duplicate email (in any case) is a DuplicateError and writes nothing",
    async (db) => {
      await makeUser(db, "ada@example.com");
      await assert.rejects(
        createUser(
          db,
          { email: "ADA@example.com", name: "Other Ada" },
          SYSTEM_AT_T0,
        ),
        (e: unknown) =>
          e instanceof DuplicateError &&
          e.constraint === "users_email_unique" && e.table === "users",
      );
      assert.equal(await countRows(db, "users"), 1);
      assert.equal(await countRows(db, "audit_logs"), 1);
    },
  );

  await step(
    "invalid role, email, name or quota is a ConstraintError and writes nothing",
    async (db) => {
      const bad: {
        input: Parameters<typeof createUser>[1];
        constraint: string;
      }[] = [
        {
          input: {
            email: "x@example.com",
            name: "X",
            role: "root" as UserRole,
          },
          constraint: "users_role_check",
        },
        {
          input: { email: "not-an-email", name: "X" },
          constraint: "users_email_check",
        },
        {
          input: { email: `${"a".repeat(320)}@example.com`, name: "X" },
          constraint: "users_email_check",
        },
        {
          input: { email: "x@example.com", name: "" },
          constraint: "users_name_check",
        },
        {
          input: { email: "x@example.com", name: "n".repeat(201) },
          constraint: "users_name_check",
        },
        {
          input: { email: "x@example.com", name: "X", dailyBuildQuota: -1 },
          constraint: "users_daily_build_quota_check",
        },
      ];
      for (const { input, constraint } of bad) {
        await assert.rejects(
          createUser(db, input, SYSTEM_AT_T0),
          (e: unknown) =>
            e instanceof ConstraintError && e.reason === "check" &&
            e.constraint === constraint,
          constraint,
        );
      }
      assert.equal(await countRows(db, "users"), 0);
      assert.equal(await countRows(db, "audit_logs"), 0);
    },
  );

  await step(
    "updates role, quota, name and disabled with an audit row naming the actor",
    async (db) => {
      const admin = await makeUser(db, "root@example.com", { role: "admin" });
      const user = await makeUser(db, "bob@example.com");
      const updated = await updateUser(db, user.id, {
        role: "admin",
        dailyBuildQuota: 5,
        disabled: true,
        name: "Robert",
      }, {
        actorUserId: admin.id,
        now: at(1000),
      });
      assert.equal(updated.role, "admin");
      assert.equal(updated.dailyBuildQuota, 5);
      assert.equal(updated.disabled, true);
      assert.equal(updated.name, "Robert");
      const [entry] = await listAuditLogs(db, { action: "user.update" });
      assert.equal(entry?.actorUserId, admin.id);
      assert.equal(entry?.target, user.id);
      assert.equal(entry?.createdAt.getTime(), at(1000).getTime());
      assert.deepEqual(entry?.details, {
        role: "admin",
        dailyBuildQuota: 5,
        disabled: true,
        name: "Robert",
      });
    },
  );

  await step(
    "a failed update changes nothing, not even the audit trail",
    async (db) => {
      const user = await makeUser(db, "bob@example.com");
      await assert.rejects(
        updateUser(db, user.id, { role: "god" as UserRole }, SYSTEM_AT_T0),
        ConstraintError,
      );
      await assert.rejects(
        updateUser(db, crypto.randomUUID(), { name: "x" }, SYSTEM_AT_T0),
        NotFoundError,
      );
      await assert.rejects(
        updateUser(db, "not-a-uuid", { name: "x" }, SYSTEM_AT_T0),
        NotFoundError,
      );
      assert.equal((await getUser(db, user.id))?.role, "user");
      assert.equal(await countRows(db, "audit_logs"), 1);
    },
  );

  await step(
    "deleting a user removes their builds and keeps the audit trail",
    async (db) => {
      const user = await makeUser(db, "bob@example.com");
      await makeBuild(db, user.id);
      await deleteUser(db, user.id, SYSTEM_AT_T0);
      assert.equal(await getUser(db, user.id), undefined);
      assert.equal(await countRows(db, "builds"), 0);
      const actions = (await listAuditLogs(db)).map((e) => e.action).sort();
      assert.deepEqual(actions, ["build.create", "user.create", "user.delete"]);
      // The build's audit row survives with a null actor (ON DELETE SET NULL).
      const buildEntry =
        (await listAuditLogs(db, { action: "build.create" }))[0];
      assert.equal(buildEntry?.actorUserId, null);
      await assert.rejects(
        deleteUser(db, user.id, SYSTEM_AT_T0),
        NotFoundError,
      );
    },
  );

  await step(
    "lists and counts users, oldest first, filtered by role",
    async (db) => {
      const a = await makeUser(db, "a@example.com");
      const b = await makeUser(db, "b@example.com", { role: "admin" });
      assert.equal(await countUsers(db), 2);
      const all = await listUsers(db);
      assert.deepEqual(new Set(all.map((u) => u.id)), new Set([a.id, b.id]));
      assert.deepEqual(
        (await listUsers(db, { role: "admin" })).map((u) => u.id),
        [b.id],
      );
      assert.equal((await listUsers(db, { limit: 1 })).length, 1);
      assert.equal(await getUser(db, "nope"), undefined);
    },
  );
});

Deno.test("text with a NUL character is refused as invalid, not as a server failure", async () => {
  await using tdb = await openTestDatabase();
  await assert.rejects(
    () =>
      createUser(tdb.db, { email: "nul@example.com", name: "a\u0000b" }, {
        actorUserId: null,
      }),
    (error: unknown) =>
      error instanceof ConstraintError && error.reason === "invalid_text",
  );
  assert.equal(await countRows(tdb.db, "users"), 0);
});
