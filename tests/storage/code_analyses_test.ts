import { assert } from "../deps.ts";
import {
  getBuildAnalysis,
  getCodeAnalysis,
  listCodeAnalyses,
  saveCodeAnalysis,
} from "../../storage/code_analyses.ts";
import { deleteBuild } from "../../storage/builds.ts";
import { ConstraintError } from "../../storage/errors.ts";
import { at, countRows, dbSuite, makeBuild, makeUser, T0 } from "./_db.ts";

dbSuite("code analyses repository", async (step) => {
  await step(
    "a build has at most one analysis, replaced on re-run",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { id: buildId } = await makeBuild(db, user.id);
      const first = await saveCodeAnalysis(db, {
        userId: user.id,
        buildId,
        security: 70,
        quality: 80,
        maintainability: 90,
        findings: [{ rule: "no-eval", line: 3 }],
      }, T0);
      const second = await saveCodeAnalysis(db, {
        userId: user.id,
        buildId,
        security: 100,
        quality: 0,
        maintainability: 50,
        findings: [],
      }, at(1));
      assert.equal(second.id, first.id);
      assert.equal(await countRows(db, "code_analyses"), 1);
      const got = await getBuildAnalysis(db, user.id, buildId);
      assert.deepEqual([
        got?.security,
        got?.quality,
        got?.maintainability,
        got?.findings,
      ], [100, 0, 50, []]);
      await deleteBuild(db, user.id, buildId, { actorUserId: user.id });
      assert.equal(await countRows(db, "code_analyses"), 0);
    },
  );

  await step(
    "analyses without a build are kept side by side, newest first",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const a = await saveCodeAnalysis(db, {
        userId: user.id,
        security: 1,
        quality: 2,
        maintainability: 3,
        findings: [],
      }, T0);
      const b = await saveCodeAnalysis(db, {
        userId: user.id,
        security: 4,
        quality: 5,
        maintainability: 6,
        findings: [],
      }, at(1));
      assert.deepEqual((await listCodeAnalyses(db, user.id)).map((x) => x.id), [
        b.id,
        a.id,
      ]);
      assert.equal((await getCodeAnalysis(db, user.id, a.id))?.security, 1);
    },
  );

  await step("scores outside 0-100 are refused", async (db) => {
    const user = await makeUser(db, "ada@example.com");
    for (
      const bad of [{ security: 101 }, { quality: -1 }, {
        maintainability: 1000,
      }]
    ) {
      await assert.rejects(
        saveCodeAnalysis(db, {
          userId: user.id,
          security: 50,
          quality: 50,
          maintainability: 50,
          findings: [],
          ...bad,
        }),
        ConstraintError,
      );
    }
    await assert.rejects(
      saveCodeAnalysis(db, {
        userId: user.id,
        security: 50.5,
        quality: 50,
        maintainability: 50,
        findings: [],
      }),
      ConstraintError,
    );
    assert.equal(await countRows(db, "code_analyses"), 0);
  });
});
