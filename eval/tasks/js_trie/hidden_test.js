import assert from "node:assert/strict";
import { Trie } from "./trie.js";

Deno.test("insert and has", () => {
const t = new Trie(); t.insert("car"); t.insert("cart"); t.insert("car"); assert.equal(t.has("car"), true); assert.equal(t.has("ca"), false); assert.equal(t.size, 2);
});

Deno.test("prefix", () => {
const t = new Trie(); for (const w of ["dog", "do", "cat", "dot", "doge"]) t.insert(w); assert.deepEqual(t.withPrefix("do"), ["do", "dog", "doge", "dot"]); assert.deepEqual(t.withPrefix("x"), []); assert.equal(t.withPrefix("").length, 5);
});

Deno.test("delete", () => {
const t = new Trie(); t.insert("a"); t.insert("ab"); assert.equal(t.delete("a"), true); assert.equal(t.delete("a"), false); assert.equal(t.has("ab"), true); assert.deepEqual(t.withPrefix("a"), ["ab"]); assert.equal(t.size, 1);
});
