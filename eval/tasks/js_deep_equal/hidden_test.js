import assert from "node:assert/strict";
import { deepEqual } from "./deep_equal.js";

Deno.test("primitives", () => {
assert.equal(deepEqual(1, 1), true); assert.equal(deepEqual(NaN, NaN), true); assert.equal(deepEqual(1, "1"), false); assert.equal(deepEqual(null, undefined), false);
});

Deno.test("nested", () => {
assert.equal(deepEqual({a:[1,{b:2}], c:"x"}, {c:"x", a:[1,{b:2}]}), true); assert.equal(deepEqual({a:[1,{b:2}]}, {a:[1,{b:3}]}), false);
});

Deno.test("array vs object", () => {
assert.equal(deepEqual([1], {0: 1}), false); assert.equal(deepEqual([1,2], [1]), false);
});

Deno.test("dates maps sets", () => {
assert.equal(deepEqual(new Date(5), new Date(5)), true); assert.equal(deepEqual(new Map([[1,{a:1}]]), new Map([[1,{a:1}]])), true); assert.equal(deepEqual(new Set([1,2]), new Set([2,1])), true); assert.equal(deepEqual(new Set([1]), new Set([2])), false);
});
