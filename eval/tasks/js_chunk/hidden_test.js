import assert from "node:assert/strict";
import { chunk } from "./chunk.js";

Deno.test("even split", () => {
  assert.deepEqual(chunk([1, 2, 3, 4], 2), [[1, 2], [3, 4]]);
});
Deno.test("last chunk shorter", () => {
  assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
});
Deno.test("empty input", () => {
  assert.deepEqual(chunk([], 3), []);
});
Deno.test("input untouched", () => {
  const input = [1, 2, 3];
  chunk(input, 1);
  assert.deepEqual(input, [1, 2, 3]);
});
Deno.test("bad sizes throw RangeError", () => {
  assert.throws(() => chunk([1], 0), RangeError);
  assert.throws(() => chunk([1], -1), RangeError);
  assert.throws(() => chunk([1], 1.5), RangeError);
});
