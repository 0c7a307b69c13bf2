import assert from "node:assert/strict";
import { uniqueBy } from "./unique_by.js";

Deno.test("keeps first", () => {
assert.deepEqual(uniqueBy([{id:1,n:"a"},{id:2,n:"b"},{id:1,n:"c"}], (x) => x.id), [{id:1,n:"a"},{id:2,n:"b"}]);
});

Deno.test("order", () => {
assert.deepEqual(uniqueBy([3,1,3,2,1], (x) => x), [3,1,2]);
});

Deno.test("NaN", () => {
assert.deepEqual(uniqueBy([NaN, NaN, 1], (x) => x), [NaN, 1]);
});

Deno.test("empty", () => {
assert.deepEqual(uniqueBy([], (x) => x), []);
});
