import { assert } from "../deps.ts";
import { coalesce } from "../../storage/_coalesce.ts";

/** A batch read whose answers the test releases by hand. */
function manualLoad() {
  const calls: { keys: string[]; done: (error?: Error) => void }[] = [];
  const load = (keys: string[]) =>
    new Promise<Map<string, string>>((resolve, reject) => {
      calls.push({
        keys,
        done: (error) =>
          error
            ? reject(error)
            : resolve(new Map(keys.map((k) => [k, `v:${k}`]))),
      });
    });
  return { calls, load };
}

const turn = () => new Promise((r) => setTimeout(r, 0));

Deno.test("lookups made while every batch is out go together in the next one", async () => {
  const { calls, load } = manualLoad();
  const get = coalesce(load, { maxInFlight: 1, maxBatch: 100 });
  const first = get("a");
  await turn();
  assert.deepEqual(calls.map((c) => c.keys), [["a"]], "alone: sent at once");
  const waiting = ["b", "c", "b", "d"].map(get);
  await turn();
  assert.equal(calls.length, 1, "the slot is busy: they wait");
  calls[0]!.done();
  assert.equal(await first, "v:a");
  await turn();
  assert.deepEqual(calls[1]!.keys, ["b", "c", "d"], "one batch, keys once");
  calls[1]!.done();
  assert.deepEqual(await Promise.all(waiting), ["v:b", "v:c", "v:b", "v:d"]);
});

Deno.test("a lookup never joins a batch already sent", async () => {
  const { calls, load } = manualLoad();
  const get = coalesce(load, { maxInFlight: 2, maxBatch: 100 });
  const early = get("x");
  await turn();
  const late = get("x"); // made after the first read went out
  await turn();
  assert.deepEqual(calls.map((c) => c.keys), [["x"], ["x"]]);
  calls[1]!.done();
  assert.equal(await late, "v:x");
  calls[0]!.done();
  assert.equal(await early, "v:x");
});

Deno.test("batches respect maxBatch and maxInFlight; a failure reaches only its batch", async () => {
  const { calls, load } = manualLoad();
  const get = coalesce(load, { maxInFlight: 2, maxBatch: 2 });
  const results = ["a", "b", "c", "d", "e"].map((k) =>
    get(k).then((v) => v, (e: Error) => `error: ${e.message}`)
  );
  await turn();
  assert.deepEqual(calls.map((c) => c.keys), [["a", "b"], ["c", "d"]]);
  calls[0]!.done(new Error("down"));
  await turn();
  assert.deepEqual(calls[2]!.keys, ["e"]);
  calls[1]!.done();
  calls[2]!.done();
  assert.deepEqual(await Promise.all(results), [
    "error: down",
    "error: down",
    "v:c",
    "v:d",
    "v:e",
  ]);
});

Deno.test("a key the batch did not find is undefined", async () => {
  const get = coalesce(
    (keys) =>
      Promise.resolve(
        new Map(keys.filter((k) => k !== "gone").map((k) => [k, 1])),
      ),
    { maxInFlight: 1, maxBatch: 10 },
  );
  assert.deepEqual(await Promise.all([get("here"), get("gone")]), [
    1,
    undefined,
  ]);
});
