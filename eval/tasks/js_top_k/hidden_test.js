import assert from "node:assert/strict";
import { topK } from "./top_k.js";

Deno.test("basic", () => {
assert.deepEqual(topK(["a","b","a","c","b","a"], 2), ["a","b"]);
});

Deno.test("ties by first appearance", () => {
assert.deepEqual(topK([3,1,2,1,2,3], 3), [3,1,2]);
});

Deno.test("k larger than distinct", () => {
assert.deepEqual(topK([1,1], 5), [1]); assert.deepEqual(topK([], 3), []);
});
