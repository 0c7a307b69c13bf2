import assert from "node:assert/strict";
import { debounce } from "./debounce.js";

Deno.test("fake clock", () => {
function fakeClock() {
  let now = 0, id = 0; const timers = new Map();
  return { setTimeout(cb, ms) { timers.set(++id, { at: now + ms, cb }); return id; }, clearTimeout(i) { timers.delete(i); },
    advance(ms) { now += ms; for (const [i, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) if (t.at <= now) { timers.delete(i); t.cb(); } } };
}
const clock = fakeClock(); const calls = [];
const d = debounce((x) => calls.push(x), 100, clock);
d(1); clock.advance(50); d(2); clock.advance(99);
assert.deepEqual(calls, []);
clock.advance(1);
assert.deepEqual(calls, [2]);
clock.advance(1000);
assert.deepEqual(calls, [2]);
});

Deno.test("cancel and flush", () => {
let id = 0; const timers = new Map();
const clock = { setTimeout(cb, ms) { timers.set(++id, cb); return id; }, clearTimeout(i) { timers.delete(i); } };
const calls = [];
const d = debounce((...a) => calls.push(a), 10, clock);
d(1, 2); d.cancel();
assert.equal(timers.size, 0);
d.flush();
assert.deepEqual(calls, []);
d(3, 4); d.flush();
assert.deepEqual(calls, [[3, 4]]);
assert.equal(timers.size, 0);
});

Deno.test("is function", () => {
assert.equal(typeof debounce(() => {}, 1, { setTimeout() { return 1; }, clearTimeout() {} }), "function");
});
