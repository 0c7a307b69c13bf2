import assert from "node:assert/strict";
import { isPalindrome } from "./palindrome.ts";

Deno.test("classic", () => {
assert.equal(isPalindrome("A man, a plan, a canal: Panama"), true);
});

Deno.test("not one", () => {
assert.equal(isPalindrome("Hello"), false);
});

Deno.test("digits", () => {
assert.equal(isPalindrome("12 3 21"), true); assert.equal(isPalindrome("123"), false);
});

Deno.test("empty", () => {
assert.equal(isPalindrome(""), true);
});
