import assert from "node:assert/strict";
import { groupBy } from "./group_by.ts";

Deno.test("groups", () => {
assert.deepEqual(groupBy([1,2,3,4,5], (n) => n % 2 ? "odd" : "even"), { odd: [1,3,5], even: [2,4] });
});

Deno.test("strings", () => {
assert.deepEqual(groupBy(["apple","avocado","banana"], (s) => s[0]), { a: ["apple","avocado"], b: ["banana"] });
});

Deno.test("empty", () => {
assert.deepEqual(groupBy([], (x) => String(x)), {});
});
