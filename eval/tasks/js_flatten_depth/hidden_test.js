import assert from "node:assert/strict";
import { flatten } from "./flatten_depth.js";

Deno.test("default depth", () => {
assert.deepEqual(flatten([1,[2,[3,[4]]]]), [1,2,[3,[4]]]);
});

Deno.test("depth 2", () => {
assert.deepEqual(flatten([1,[2,[3,[4]]]], 2), [1,2,3,[4]]);
});

Deno.test("infinity", () => {
assert.deepEqual(flatten([[1,[2,[3,[4,[5]]]]]], Infinity), [1,2,3,4,5]);
});

Deno.test("depth 0", () => {
assert.deepEqual(flatten([1,[2]], 0), [1,[2]]);
});
