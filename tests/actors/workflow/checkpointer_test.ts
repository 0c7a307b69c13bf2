import { assert } from "../../deps.ts";
import { emptyCheckpoint } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";
import type { Kysely } from "kysely";
import {
  createCheckpointer,
  kyselyPool,
} from "../../../actors/workflow/checkpointer.ts";
import { openTestDatabase } from "../../storage/_db.ts";

const config = (checkpointId?: string) => ({
  configurable: {
    thread_id: "build-1",
    checkpoint_ns: "",
    ...(checkpointId ? { checkpoint_id: checkpointId } : {}),
  },
});

Deno.test("the batching checkpointer writes rows LangGraph's own saver reads back", async () => {
  await using tdb = await openTestDatabase();
  const saver = await createCheckpointer(tdb.db);
  // LangGraph's saver, unchanged, over the same tables: the reference reader.
  const reference = new PostgresSaver(
    kyselyPool(tdb.db as unknown as Kysely<unknown>) as unknown as pg.Pool,
  );

  const first = {
    ...emptyCheckpoint(),
    id: "1f000000-0000-6000-8000-000000000001",
    channel_values: { files: [{ path: "a.ts" }], attempts: 1 },
    channel_versions: { files: 1, attempts: 1 },
  };
  const saved = await saver.put(config(), first, {
    source: "loop",
    step: 0,
    parents: {},
  }, { files: 1, attempts: 1 });
  assert.equal(saved.configurable?.checkpoint_id, first.id);

  // Ordinary writes: one statement, order kept, a repeat changes nothing.
  await saver.putWrites(saved, [["files", ["x"]], ["attempts", 2]], "task-a");
  await saver.putWrites(saved, [["files", ["changed"]]], "task-a");
  // Special-channel writes replace earlier ones, as LangGraph's saver does.
  await saver.putWrites(saved, [["__error__", "first"]], "task-b");
  await saver.putWrites(saved, [["__error__", "second"]], "task-b");
  await saver.putWrites(saved, [], "task-c");

  const tuple = await reference.getTuple(config(first.id));
  assert.deepEqual(tuple?.checkpoint.channel_values, {
    files: [{ path: "a.ts" }],
    attempts: 1,
  });
  assert.deepEqual(tuple?.metadata, { source: "loop", step: 0, parents: {} });
  assert.deepEqual(tuple?.pendingWrites, [
    ["task-a", "files", ["x"]],
    ["task-a", "attempts", 2],
    ["task-b", "__error__", "second"],
  ]);

  // A checkpoint without new blobs keeps reading the earlier versions; its parent is recorded.
  const second = {
    ...first,
    id: "1f000000-0000-6000-8000-000000000002",
  };
  await saver.put(saved, second, { source: "loop", step: 1, parents: {} }, {});
  const latest = await reference.getTuple(config());
  assert.equal(latest?.checkpoint.id, second.id);
  assert.equal(latest?.parentConfig?.configurable?.checkpoint_id, first.id);
  assert.deepEqual(latest?.checkpoint.channel_values, {
    files: [{ path: "a.ts" }],
    attempts: 1,
  });

  // Putting the same checkpoint again (a resumed run) updates it in place.
  await saver.put(config(), first, { source: "loop", step: 5, parents: {} }, {
    files: 1,
    attempts: 1,
  });
  const again = await reference.getTuple(config(first.id));
  assert.equal(again?.metadata?.step, 5);
  assert.equal((await Array.fromAsync(reference.list(config()))).length, 2);
});
