import { assert } from "../deps.ts";
import {
  createApiKey,
  deleteApiKey,
  getApiKey,
  listApiKeys,
  revokeApiKey,
  verifyApiKey,
} from "../../storage/api_keys.ts";
import {
  appendBuildEvents,
  listUserBuildEvents,
} from "../../storage/build_events.ts";
import {
  cancelBuild,
  countBuildsSince,
  deleteBuild,
  getBuild,
  listBuilds,
  loadBuild,
} from "../../storage/builds.ts";
import {
  getBuildAnalysis,
  getCodeAnalysis,
  listCodeAnalyses,
  saveCodeAnalysis,
} from "../../storage/code_analyses.ts";
import { NotFoundError } from "../../storage/errors.ts";
import {
  deleteMemory,
  getMemory,
  listMemories,
  setMemory,
} from "../../storage/memories.ts";
import { dbStep, makeBuild, makeUser, openTestDatabase, T0 } from "./_db.ts";

Deno.test("user isolation", async (t) => {
  await using tdb = await openTestDatabase();

  await dbStep(
    t,
    tdb,
    "user A can neither read, cancel nor delete user B's builds",
    async (db) => {
      const a = await makeUser(db, "a@example.com");
      const b = await makeUser(db, "b@example.com");
      const build = await makeBuild(db, b.id);
      await appendBuildEvents(db, build.id, [{ type: "secret" }]);
      const asA = { actorUserId: a.id };
      assert.equal(await getBuild(db, a.id, build.id), undefined);
      assert.deepEqual(await listBuilds(db, a.id), []);
      assert.equal(await countBuildsSince(db, a.id, T0), 0);
      assert.deepEqual(await listUserBuildEvents(db, a.id, build.id), []);
      await assert.rejects(cancelBuild(db, a.id, build.id, asA), NotFoundError);
      await assert.rejects(deleteBuild(db, a.id, build.id, asA), NotFoundError);
      const after = await loadBuild(db, build.id);
      assert.equal(after?.status, "queued");
      assert.equal((await getBuild(db, b.id, build.id))?.id, build.id);
      assert.equal((await listUserBuildEvents(db, b.id, build.id)).length, 1);
    },
  );

  await dbStep(
    t,
    tdb,
    "user A can neither read, revoke nor delete user B's API keys",
    async (db) => {
      const a = await makeUser(db, "a@example.com");
      const b = await makeUser(db, "b@example.com");
      const { key, token } = await createApiKey(db, {
        userId: b.id,
        name: "b's",
      }, { actorUserId: b.id });
      const asA = { actorUserId: a.id };
      assert.deepEqual(await listApiKeys(db, a.id), []);
      assert.equal(await getApiKey(db, a.id, key.id), undefined);
      await assert.rejects(revokeApiKey(db, a.id, key.id, asA), NotFoundError);
      await assert.rejects(deleteApiKey(db, a.id, key.id, asA), NotFoundError);
      assert.equal((await verifyApiKey(db, token))?.user.id, b.id);
    },
  );

  await dbStep(
    t,
    tdb,
    "user A can neither read, overwrite nor delete user B's memories",
    async (db) => {
      const a = await makeUser(db, "a@example.com");
      const b = await makeUser(db, "b@example.com");
      await setMemory(db, b.id, "secret", "b's value");
      assert.equal(await getMemory(db, a.id, "secret"), undefined);
      assert.deepEqual(await listMemories(db, a.id), []);
      assert.equal(await deleteMemory(db, a.id, "secret"), false);
      // A's memory of the same key is A's own.
      await setMemory(db, a.id, "secret", "a's value");
      assert.deepEqual(
        (await getMemory(db, b.id, "secret"))?.value,
        "b's value",
      );
      assert.deepEqual(
        (await getMemory(db, a.id, "secret"))?.value,
        "a's value",
      );
    },
  );

  await dbStep(
    t,
    tdb,
    "user A cannot read user B's code analyses",
    async (db) => {
      const a = await makeUser(db, "a@example.com");
      const b = await makeUser(db, "b@example.com");
      const build = await makeBuild(db, b.id);
      const analysis = await saveCodeAnalysis(db, {
        userId: b.id,
        buildId: build.id,
        security: 1,
        quality: 2,
        maintainability: 3,
        findings: [],
      });
      assert.equal(await getCodeAnalysis(db, a.id, analysis.id), undefined);
      assert.equal(await getBuildAnalysis(db, a.id, build.id), undefined);
      assert.deepEqual(await listCodeAnalyses(db, a.id), []);
      assert.equal(
        (await getBuildAnalysis(db, b.id, build.id))?.id,
        analysis.id,
      );
    },
  );
});
