import assert from "node:assert/strict";
import { toRoman, fromRoman } from "./roman.ts";

Deno.test("to", () => {
assert.equal(toRoman(1994), "MCMXCIV"); assert.equal(toRoman(4), "IV"); assert.equal(toRoman(3999), "MMMCMXCIX");
});

Deno.test("from", () => {
assert.equal(fromRoman("MCMXCIV"), 1994); assert.equal(fromRoman("XLII"), 42);
});

Deno.test("round trip", () => {
for (let n = 1; n < 4000; n += 37) assert.equal(fromRoman(toRoman(n)), n);
});

Deno.test("errors", () => {
assert.throws(() => toRoman(0), RangeError); assert.throws(() => toRoman(4000), RangeError); assert.throws(() => fromRoman("IIII")); assert.throws(() => fromRoman("IC")); assert.throws(() => fromRoman(""));
});
