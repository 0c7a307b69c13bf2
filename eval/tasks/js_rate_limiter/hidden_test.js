import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limiter.js";

Deno.test("bucket empties and refills", () => {
let t = 0; const r = new RateLimiter({ capacity: 3, refillPerSecond: 1, now: () => t }); assert.equal(r.tryTake("a"), true); assert.equal(r.tryTake("a"), true); assert.equal(r.tryTake("a"), true); assert.equal(r.tryTake("a"), false); t = 1000; assert.equal(r.tryTake("a"), true); assert.equal(r.tryTake("a"), false);
});

Deno.test("keys are separate", () => {
const r = new RateLimiter({ capacity: 1, refillPerSecond: 1, now: () => 0 }); assert.equal(r.tryTake("a"), true); assert.equal(r.tryTake("b"), true); assert.equal(r.tryTake("a"), false);
});

Deno.test("fractional refill and cap", () => {
let t = 0; const r = new RateLimiter({ capacity: 2, refillPerSecond: 2, now: () => t }); r.tryTake("k", 2); t = 250; assert.ok(Math.abs(r.available("k") - 0.5) < 1e-9); t = 10000; assert.equal(r.available("k"), 2);
});

Deno.test("retry after", () => {
let t = 0; const r = new RateLimiter({ capacity: 4, refillPerSecond: 2, now: () => t }); r.tryTake("k", 4); assert.equal(r.retryAfterMs("k", 1), 500); assert.equal(r.tryTake("k", 1), false); t = 500; assert.equal(r.retryAfterMs("k", 1), 0); assert.equal(r.tryTake("k", 1), true);
});

Deno.test("cost above capacity", () => {
const r = new RateLimiter({ capacity: 2, refillPerSecond: 1, now: () => 0 }); assert.throws(() => r.tryTake("k", 3), RangeError); assert.equal(r.tryTake("k", 2), true);
});
