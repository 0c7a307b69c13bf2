import assert from "node:assert/strict";
import { topoSort } from "./toposort.ts";

Deno.test("order", () => {
assert.deepEqual(topoSort({ app: ["lib", "config"], lib: ["util"], config: [] }), ["config", "util", "lib", "app"]);
});

Deno.test("deterministic ties", () => {
assert.deepEqual(topoSort({ c: [], b: [], a: [] }), ["a", "b", "c"]); assert.deepEqual(topoSort({}), []);
});

Deno.test("cycle", () => {
assert.throws(() => topoSort({ a: ["b"], b: ["c"], c: ["a"], d: [] }), (e: unknown) => e instanceof Error && ["a", "b", "c"].every((n) => e.message.includes(n)));
});
