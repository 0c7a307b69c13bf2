import assert from "node:assert/strict";
import { groupAnagrams } from "./anagrams.ts";

Deno.test("groups", () => {
assert.deepEqual(groupAnagrams(["eat","tea","tan","ate","nat","bat"]), [["eat","tea","ate"],["tan","nat"],["bat"]]);
});

Deno.test("case", () => {
assert.deepEqual(groupAnagrams(["Listen","Silent","enlist"]), [["Listen","Silent","enlist"]]);
});

Deno.test("empty", () => {
assert.deepEqual(groupAnagrams([]), []);
});
