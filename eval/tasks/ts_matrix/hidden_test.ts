import assert from "node:assert/strict";
import { transpose, multiply, identity } from "./matrix.ts";

Deno.test("transpose", () => {
assert.deepEqual(transpose([[1,2,3],[4,5,6]]), [[1,4],[2,5],[3,6]]);
});

Deno.test("multiply", () => {
assert.deepEqual(multiply([[1,2],[3,4]], [[5,6],[7,8]]), [[19,22],[43,50]]); assert.deepEqual(multiply([[1,2,3]], [[1],[2],[3]]), [[14]]);
});

Deno.test("identity", () => {
assert.deepEqual(identity(2), [[1,0],[0,1]]); assert.deepEqual(multiply([[2,3],[4,5]], identity(2)), [[2,3],[4,5]]);
});

Deno.test("mismatch", () => {
assert.throws(() => multiply([[1,2]], [[1,2]]));
});
