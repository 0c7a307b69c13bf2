import assert from "node:assert/strict";
import { PriorityQueue } from "./priority_queue.ts";

Deno.test("order", () => {
const q = new PriorityQueue<number>((a, b) => a - b); for (const n of [5, 1, 4, 2, 3]) q.push(n); assert.equal(q.peek(), 1); assert.deepEqual([q.pop(), q.pop(), q.pop(), q.pop(), q.pop(), q.pop()], [1, 2, 3, 4, 5, undefined]);
});

Deno.test("stable", () => {
const q = new PriorityQueue<{ p: number; n: string }>((a, b) => a.p - b.p); for (const [p, n] of [[2, "a"], [1, "b"], [2, "c"], [1, "d"]] as const) q.push({ p, n }); const out: string[] = []; while (q.size) out.push(q.pop()!.n); assert.deepEqual(out, ["b", "d", "a", "c"]);
});

Deno.test("heap sort", () => {
let seed = 3; const xs = Array.from({ length: 500 }, () => (seed = (seed * 48271) % 2147483647) % 1000); const q = new PriorityQueue<number>((a, b) => b - a); xs.forEach((x) => q.push(x)); const out: number[] = []; while (q.size) out.push(q.pop()!); assert.deepEqual(out, [...xs].sort((a, b) => b - a));
});
