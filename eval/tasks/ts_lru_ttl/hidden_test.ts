import assert from "node:assert/strict";
import { LruCache } from "./lru_ttl.ts";

Deno.test("evicts least recently used", () => {
const c = new LruCache<string, number>(2, 1000, () => 0); c.set("a", 1); c.set("b", 2); c.get("a"); c.set("c", 3); assert.equal(c.has("b"), false); assert.equal(c.get("a"), 1); assert.equal(c.get("c"), 3); assert.equal(c.size, 2);
});

Deno.test("expires", () => {
let t = 0; const c = new LruCache<string, number>(5, 100, () => t); c.set("a", 1); t = 99; assert.equal(c.get("a"), 1); t = 100; assert.equal(c.get("a"), undefined); assert.equal(c.size, 0);
});

Deno.test("set resets expiry", () => {
let t = 0; const c = new LruCache<string, number>(5, 100, () => t); c.set("a", 1); t = 80; c.set("a", 2); t = 150; assert.equal(c.get("a"), 2); t = 180; assert.equal(c.has("a"), false);
});

Deno.test("has does not refresh recency", () => {
const c = new LruCache<string, number>(2, 1000, () => 0); c.set("a", 1); c.set("b", 2); assert.equal(c.has("a"), true); c.set("c", 3); assert.equal(c.has("a"), false); assert.equal(c.has("b"), true);
});

Deno.test("expired entries do not count", () => {
let t = 0; const c = new LruCache<string, number>(2, 10, () => t); c.set("a", 1); t = 20; c.set("b", 2); c.set("c", 3); assert.equal(c.has("b"), true); assert.equal(c.has("c"), true); assert.equal(c.delete("b"), true); assert.equal(c.delete("b"), false); assert.equal(c.size, 1);
});
