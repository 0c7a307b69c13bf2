import assert from "node:assert/strict";
import { parseDuration } from "./parse_duration.js";

Deno.test("single", () => {
assert.equal(parseDuration("45s"), 45000); assert.equal(parseDuration("250ms"), 250); assert.equal(parseDuration("1.5h"), 5400000);
});

Deno.test("combined", () => {
assert.equal(parseDuration("1h30m"), 5400000); assert.equal(parseDuration("2d 4h"), 187200000);
});

Deno.test("errors", () => {
for (const bad of ["", "10", "5x", "1h1h", "h"]) assert.throws(() => parseDuration(bad), SyntaxError, bad);
});
