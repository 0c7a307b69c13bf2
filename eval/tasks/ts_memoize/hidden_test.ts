import assert from "node:assert/strict";
import { memoize } from "./memoize.ts";

Deno.test("caches", () => {
let calls = 0; const sq = memoize((n: number) => { calls++; return n * n; }); assert.equal(sq(3), 9); assert.equal(sq(3), 9); assert.equal(sq(4), 16); assert.equal(calls, 2);
});

Deno.test("custom key and clear", () => {
let calls = 0; const f = memoize((o: { id: number; x: number }) => { calls++; return o.x; }, (o) => String(o.id)); f({ id: 1, x: 5 }); assert.equal(f({ id: 1, x: 9 }), 5); f.clear(); assert.equal(f({ id: 1, x: 9 }), 9); assert.equal(calls, 2);
});

Deno.test("errors not cached", () => {
let n = 0; const f = memoize(() => { if (n++ === 0) throw new Error("first"); return n; }); assert.throws(() => f()); assert.equal(f(), 2); assert.equal(f(), 2);
});
