import assert from "node:assert/strict";
import { IntervalTree } from "./interval_tree.ts";

Deno.test("overlaps", () => {
const t = new IntervalTree(); t.insert(1, 5, "a"); t.insert(10, 15, "b"); t.insert(4, 12, "c"); t.insert(20, 25, "d"); assert.deepEqual(t.overlapping(5, 10), ["a", "c", "b"]); assert.deepEqual(t.overlapping(16, 19), []); assert.deepEqual(t.overlapping(25, 30), ["d"]);
});

Deno.test("stab and size", () => {
const t = new IntervalTree(); t.insert(0, 0, "p"); t.insert(-5, 5, "q"); assert.deepEqual(t.stab(0), ["q", "p"]); assert.deepEqual(t.stab(6), []); assert.equal(t.size, 2);
});

Deno.test("remove", () => {
const t = new IntervalTree(); t.insert(1, 3, "a"); t.insert(2, 4, "b"); assert.equal(t.remove("a"), true); assert.equal(t.remove("a"), false); assert.deepEqual(t.stab(2), ["b"]); assert.equal(t.size, 1);
});

Deno.test("bad interval", () => {
const t = new IntervalTree(); assert.throws(() => t.insert(3, 1, "x"), RangeError);
});

Deno.test("matches brute force", () => {
let seed = 7; const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
const t = new IntervalTree(); const all = new Map<string, [number, number]>();
for (let i = 0; i < 400; i++) { const s = rnd(1000); const e = s + rnd(50); const id = `i${i}`; t.insert(s, e, id); all.set(id, [s, e]); if (i % 3 === 0) { const victim = `i${rnd(i + 1)}`; assert.equal(t.remove(victim), all.delete(victim)); } }
for (let q = 0; q < 100; q++) { const s = rnd(1000); const e = s + rnd(30);
  const expected = [...all].filter(([, [a, b]]) => a <= e && b >= s).sort((x, y) => x[1][0] - y[1][0] || (x[0] < y[0] ? -1 : 1)).map(([id]) => id);
  assert.deepEqual(t.overlapping(s, e), expected); }
assert.equal(t.size, all.size);
});
