import { assert } from "../deps.ts";
import {
  buildOverviewReader,
  getBuildOverviews,
} from "../../storage/build_overviews.ts";
import { createBuild, getBuild, updateBuild } from "../../storage/builds.ts";
import type { Db } from "../../storage/schema.ts";
import { dbSuite, makeUser } from "./_db.ts";

async function newBuild(db: Db, userId: string, project = "p") {
  return await createBuild(db, {
    userId,
    project,
    language: "typescript",
    requirements: "r",
    source: "api",
  }, { actorUserId: userId });
}

dbSuite("build overviews", async (step) => {
  await step(
    "an overview is the build without files, counting the well-formed ones",
    async (db) => {
      const ann = await makeUser(db, "ann@example.com");
      const build = await newBuild(db, ann.id);
      await updateBuild(db, build.id, {
        status: "analyzing",
        plan: { steps: ["a"] },
        files: [
          { path: "mod.ts", kind: "source", content: "export {}" },
          { path: "mod_test.ts", content: "" },
          { path: 7, content: "not a file" },
          "junk",
        ],
      });
      const full = await getBuild(db, ann.id, build.id);
      const found = await getBuildOverviews(db, [
        { userId: ann.id, buildId: build.id },
      ]);
      const overview = found.get(`${ann.id}/${build.id}`);
      assert.ok(full && overview);
      const { files: _files, ...rest } = full;
      assert.deepEqual(overview, { ...rest, fileCount: 2 });
    },
  );

  await step("a build with no files array counts none", async (db) => {
    const ann = await makeUser(db, "ann@example.com");
    const build = await newBuild(db, ann.id);
    await updateBuild(db, build.id, { files: { not: "an array" } });
    const found = await getBuildOverviews(db, [
      { userId: ann.id, buildId: build.id },
    ]);
    assert.equal(found.get(`${ann.id}/${build.id}`)?.fileCount, 0);
  });

  await step(
    "only builds of the user named with each id come back",
    async (db) => {
      const ann = await makeUser(db, "ann@example.com");
      const bob = await makeUser(db, "bob@example.com");
      const a = await newBuild(db, ann.id);
      const b = await newBuild(db, bob.id);
      const found = await getBuildOverviews(db, [
        { userId: ann.id, buildId: a.id },
        { userId: ann.id, buildId: b.id }, // bob's
        { userId: bob.id, buildId: crypto.randomUUID() }, // missing
        { userId: bob.id, buildId: "not-a-uuid" },
      ]);
      assert.deepEqual([...found.keys()], [`${ann.id}/${a.id}`]);
      assert.deepEqual(await getBuildOverviews(db, []), new Map());
    },
  );

  await step(
    "concurrent reads through the reader each get their own answer",
    async (db) => {
      const users = await Promise.all(
        ["a", "b", "c"].map((n) => makeUser(db, `${n}@example.com`)),
      );
      const builds = [];
      for (const u of users) {
        for (let i = 0; i < 5; i++) {
          builds.push({
            userId: u.id,
            build: await newBuild(db, u.id, `p${i}`),
          });
        }
      }
      const read = buildOverviewReader(db, { maxInFlight: 1, maxBatch: 4 });
      const answers = await Promise.all(builds.flatMap(({ userId, build }) => [
        read(userId, build.id),
        read(users.find((u) => u.id !== userId)!.id, build.id), // not theirs
      ]));
      builds.forEach(({ build }, i) => {
        assert.equal(answers[2 * i]?.id, build.id);
        assert.equal(answers[2 * i]?.project, build.project);
        assert.equal(answers[2 * i + 1], undefined);
      });
      assert.equal(await read(users[0]!.id, "nope"), undefined);
    },
  );

  await step("a read made after a change sees it", async (db) => {
    const ann = await makeUser(db, "ann@example.com");
    const build = await newBuild(db, ann.id);
    const read = buildOverviewReader(db);
    const before = read(ann.id, build.id);
    await updateBuild(db, build.id, { status: "analyzing" });
    const after = await read(ann.id, build.id);
    assert.equal(after?.status, "analyzing");
    assert.ok((await before)?.status);
  });
});
