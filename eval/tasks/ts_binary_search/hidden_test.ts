import assert from "node:assert/strict";
import { binarySearch, lowerBound } from "./binary_search.ts";

Deno.test("found", () => {
assert.equal(binarySearch([1,3,5,7,9], 7), 3); assert.equal(binarySearch([1,3,5,7,9], 1), 0);
});

Deno.test("missing", () => {
assert.equal(binarySearch([1,3,5], 4), -1); assert.equal(binarySearch([], 4), -1);
});

Deno.test("first of duplicates", () => {
assert.equal(binarySearch([1,2,2,2,3], 2), 1);
});

Deno.test("lower bound", () => {
assert.equal(lowerBound([1,3,5], 4), 2); assert.equal(lowerBound([1,3,5], 9), 3); assert.equal(lowerBound([1,3,5], 0), 0);
});
