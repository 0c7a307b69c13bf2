import assert from "node:assert/strict";
import { wrapText } from "./wrap_text.ts";

Deno.test("wraps", () => {
assert.deepEqual(wrapText("the quick brown fox jumps over the lazy dog", 10), ["the quick", "brown fox", "jumps over", "the lazy", "dog"]);
});

Deno.test("whitespace", () => {
assert.deepEqual(wrapText("  a   b\n\nc  ", 80), ["a b c"]); assert.deepEqual(wrapText("   ", 5), []);
});

Deno.test("long words", () => {
assert.deepEqual(wrapText("go abcdefghij x", 4), ["go", "abcd", "efgh", "ij x"]);
});
