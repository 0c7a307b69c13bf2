import { assert } from "../deps.ts";
import {
  countVectorMemories,
  deleteVectorMemories,
  listStaleVectorMemories,
  listVectorMemoriesForBuild,
  listVectorMemoriesForUser,
  recordVectorMemories,
} from "../../storage/vector_memories.ts";
import { deleteBuild } from "../../storage/builds.ts";
import { dbStep, makeBuild, makeUser, openTestDatabase } from "./_db.ts";

const doc = (chromaId: string, extra: Record<string, unknown> = {}) => ({
  collection: "code_snippets",
  chromaId,
  contentHash: `h-${chromaId}`,
  model: "nomic-embed-text",
  dimensions: 768,
  ...extra,
});

Deno.test("vector memories repository", async (t) => {
  await using tdb = await openTestDatabase();

  await dbStep(
    t,
    tdb,
    "records documents by build and user, upserting on (collection, chroma id)",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { id: buildId } = await makeBuild(db, user.id);
      await recordVectorMemories(db, [
        doc("a", { userId: user.id, buildId }),
        doc("b", { userId: user.id }),
      ]);
      await recordVectorMemories(db, [
        doc("a", { userId: user.id, buildId, contentHash: "changed" }),
      ]);
      await recordVectorMemories(db, [{
        ...doc("a"),
        collection: "documentation",
      }]);
      assert.deepEqual(
        (await listVectorMemoriesForBuild(db, buildId)).map((
          v,
        ) => [v.chromaId, v.contentHash]),
        [["a", "changed"]],
      );
      assert.deepEqual(
        (await listVectorMemoriesForUser(db, user.id)).map((v) => v.chromaId),
        ["a", "b"],
      );
      assert.deepEqual(await countVectorMemories(db), {
        code_snippets: 2,
        documentation: 1,
      });
      // The same document twice in one batch: the last one wins.
      const batch = await recordVectorMemories(db, [
        doc("x"),
        doc("x", { contentHash: "second" }),
      ]);
      assert.deepEqual(batch.map((v) => v.contentHash), ["second"]);
      await deleteBuild(db, user.id, buildId, { actorUserId: user.id });
      assert.deepEqual(
        (await listVectorMemoriesForUser(db, user.id)).map((v) => v.chromaId),
        ["b"],
      );
    },
  );

  await dbStep(
    t,
    tdb,
    "finds documents embedded with another model and forgets deleted ones",
    async (db) => {
      await recordVectorMemories(db, [
        doc("a"),
        doc("b", { model: "old-model" }),
        doc("c", { dimensions: 384 }),
      ]);
      const stale = await listStaleVectorMemories(db, "code_snippets", {
        model: "nomic-embed-text",
        dimensions: 768,
      });
      assert.deepEqual(stale.map((v) => v.chromaId).sort(), ["b", "c"]);
      assert.equal(
        await deleteVectorMemories(db, "code_snippets", ["b", "c", "zzz"]),
        2,
      );
      assert.equal(await deleteVectorMemories(db, "code_snippets", []), 0);
      assert.deepEqual(await countVectorMemories(db), { code_snippets: 1 });
    },
  );
});
