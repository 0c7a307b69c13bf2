import { assert } from "./deps.ts";
import { ensureFirstAdmin, FIRST_ADMIN_EMAIL } from "../bootstrap.ts";
import { getUserByEmail } from "../storage/users.ts";
import { openTestDatabase } from "./storage/_db.ts";

Deno.test("the first admin gets the configured default daily quota, once", async () => {
  await using tdb = await openTestDatabase();
  const lines: string[] = [];
  const token = await ensureFirstAdmin(tdb.db, (line) => lines.push(line), {
    dailyBuildQuota: 9,
  });
  assert.ok(token);
  assert.match(lines.join("\n"), new RegExp(token));
  const admin = await getUserByEmail(tdb.db, FIRST_ADMIN_EMAIL);
  assert.equal(admin?.role, "admin");
  assert.equal(admin?.dailyBuildQuota, 9);
  assert.equal(
    await ensureFirstAdmin(tdb.db, () => {}, { dailyBuildQuota: 1 }),
    undefined,
  );
});
