import assert from "node:assert/strict";
import { clamp, range } from "./clamp_range.ts";

Deno.test("clamp", () => {
assert.equal(clamp(5, 0, 3), 3); assert.equal(clamp(-1, 0, 3), 0); assert.equal(clamp(2, 0, 3), 2); assert.throws(() => clamp(1, 3, 0), RangeError);
});

Deno.test("range up", () => {
assert.deepEqual(range(0, 5), [0,1,2,3,4]); assert.deepEqual(range(1, 10, 3), [1,4,7]);
});

Deno.test("range down", () => {
assert.deepEqual(range(5, 0, -2), [5,3,1]); assert.deepEqual(range(0, 0), []); assert.throws(() => range(0, 1, 0), RangeError);
});
