import assert from "node:assert/strict";
import { wordCount } from "./word_count.js";

Deno.test("counts", () => {
assert.deepEqual([...wordCount("the cat and the hat")], [["the",2],["and",1],["cat",1],["hat",1]]);
});

Deno.test("case and apostrophes", () => {
assert.deepEqual([...wordCount("Don't stop, don't!")], [["don't",2],["stop",1]]);
});

Deno.test("empty", () => {
assert.equal(wordCount("  ...  ").size, 0);
});
