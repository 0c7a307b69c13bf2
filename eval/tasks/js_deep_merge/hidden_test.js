import assert from "node:assert/strict";
import { deepMerge } from "./deep_merge.js";

Deno.test("nested", () => {
assert.deepEqual(deepMerge({ a: 1, n: { x: 1, y: 2 } }, { n: { y: 3, z: 4 } }, { b: 2 }), { a: 1, n: { x: 1, y: 3, z: 4 }, b: 2 });
});

Deno.test("arrays replaced, undefined skipped", () => {
assert.deepEqual(deepMerge({ list: [1, 2], keep: "k" }, { list: [3], keep: undefined }), { list: [3], keep: "k" });
});

Deno.test("no mutation", () => {
const t = { n: { x: 1 } }; const s = { n: { y: 2 } }; const r = deepMerge(t, s); assert.deepEqual(t, { n: { x: 1 } }); assert.deepEqual(s, { n: { y: 2 } }); r.n.y = 9; assert.equal(s.n.y, 2);
});
