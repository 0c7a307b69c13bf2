import assert from "node:assert/strict";
import { retry } from "./backoff.ts";

Deno.test("succeeds after failures", async () => {
const waits: number[] = [];
const result = await retry(async (n) => { if (n < 4) throw new Error(`fail ${n}`); return "ok"; }, { attempts: 5, baseMs: 100, maxMs: 300, sleep: async (ms) => { waits.push(ms); } });
assert.equal(result, "ok"); assert.deepEqual(waits, [100, 200, 300]);
});

Deno.test("gives up", async () => {
let calls = 0;
await assert.rejects(retry(async () => { calls++; throw new Error(`e${calls}`); }, { attempts: 3, baseMs: 1, maxMs: 10, sleep: async () => {} }), /e3/);
assert.equal(calls, 3);
});

Deno.test("retryIf", async () => {
let calls = 0;
await assert.rejects(retry(async () => { calls++; throw new TypeError("fatal"); }, { attempts: 5, baseMs: 1, maxMs: 1, sleep: async () => {}, retryIf: (e) => !(e instanceof TypeError) }), TypeError);
assert.equal(calls, 1);
});
