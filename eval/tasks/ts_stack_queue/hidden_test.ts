import assert from "node:assert/strict";
import { Queue } from "./queue.ts";

Deno.test("fifo", () => {
const q = new Queue<number>(); q.enqueue(1); q.enqueue(2); q.enqueue(3); assert.equal(q.dequeue(), 1); q.enqueue(4); assert.deepEqual([q.dequeue(), q.dequeue(), q.dequeue()], [2,3,4]);
});

Deno.test("empty", () => {
const q = new Queue<string>(); assert.equal(q.dequeue(), undefined); assert.equal(q.peek(), undefined); assert.equal(q.isEmpty(), true);
});

Deno.test("size and peek", () => {
const q = new Queue<string>(); q.enqueue("a"); q.enqueue("b"); assert.equal(q.size, 2); assert.equal(q.peek(), "a"); assert.equal(q.size, 2); assert.equal(q.isEmpty(), false);
});

Deno.test("many", () => {
const q = new Queue<number>(); for (let i = 0; i < 100000; i++) q.enqueue(i); let sum = 0; while (!q.isEmpty()) sum += q.dequeue()!; assert.equal(sum, 4999950000);
});
