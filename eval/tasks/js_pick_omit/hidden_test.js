import assert from "node:assert/strict";
import { pick, omit } from "./pick_omit.js";

Deno.test("pick", () => {
assert.deepEqual(pick({ a: 1, b: 2, c: 3 }, ["a", "c", "z"]), { a: 1, c: 3 });
});

Deno.test("omit", () => {
assert.deepEqual(omit({ a: 1, b: 2, c: 3 }, ["b"]), { a: 1, c: 3 });
});

Deno.test("no mutation", () => {
const o = { a: 1, b: undefined }; const p = pick(o, ["b"]); assert.deepEqual(p, { b: undefined }); assert.ok("b" in p); omit(o, ["a"]); assert.deepEqual(o, { a: 1, b: undefined }); assert.notEqual(omit(o, []), o);
});
