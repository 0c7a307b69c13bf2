import assert from "node:assert/strict";
import { encode, decode } from "./run_length.js";

Deno.test("encode", () => {
assert.equal(encode("aaabcc"), "3a1b2c"); assert.equal(encode(""), ""); assert.equal(encode("zzzzzzzzzzzz"), "12z");
});

Deno.test("decode", () => {
assert.equal(decode("3a1b2c"), "aaabcc"); assert.equal(decode("12z1 "), "zzzzzzzzzzzz ");
});

Deno.test("round trip", () => {
const s = "wwwwaaadexxxxxx  !!"; assert.equal(decode(encode(s)), s);
});
