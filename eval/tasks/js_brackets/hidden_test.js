import assert from "node:assert/strict";
import { isBalanced } from "./brackets.js";

Deno.test("balanced", () => {
assert.equal(isBalanced("f(a[1], {b: 2})"), true); assert.equal(isBalanced("no brackets"), true);
});

Deno.test("unbalanced", () => {
assert.equal(isBalanced("(]"), false); assert.equal(isBalanced("(("), false); assert.equal(isBalanced("())"), false);
});

Deno.test("nesting", () => {
assert.equal(isBalanced("([)]"), false); assert.equal(isBalanced("{[()()]}"), true);
});
