import assert from "node:assert/strict";
import { levenshtein, closest } from "./levenshtein.ts";

Deno.test("distances", () => {
assert.equal(levenshtein("kitten", "sitting"), 3); assert.equal(levenshtein("", "abc"), 3); assert.equal(levenshtein("same", "same"), 0); assert.equal(levenshtein("flaw", "lawn"), 2);
});

Deno.test("closest", () => {
assert.equal(closest("helo", ["world", "hello", "help"]), "hello"); assert.equal(closest("x", []), undefined);
});

Deno.test("long strings", () => {
const a = "ab".repeat(1500); assert.equal(levenshtein(a, a + "c"), 1); assert.equal(levenshtein(a, "b" + a.slice(1)), 1);
});
