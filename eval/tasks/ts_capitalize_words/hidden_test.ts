import assert from "node:assert/strict";
import { capitalizeWords } from "./capitalize_words.ts";

Deno.test("simple", () => {
assert.equal(capitalizeWords("hello world"), "Hello World");
});

Deno.test("mixed case", () => {
assert.equal(capitalizeWords("hELLO wORLD"), "Hello World");
});

Deno.test("spacing kept", () => {
assert.equal(capitalizeWords("  two  spaces "), "  Two  Spaces ");
});

Deno.test("empty", () => {
assert.equal(capitalizeWords(""), "");
});
