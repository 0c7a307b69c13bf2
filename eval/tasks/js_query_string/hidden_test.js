import assert from "node:assert/strict";
import { parseQuery, stringifyQuery } from "./query_string.js";

Deno.test("basic", () => {
assert.deepEqual(parseQuery("?a=1&b=hello+world&c=%C3%A9"), { a: "1", b: "hello world", c: "é" });
});

Deno.test("repeats and bare keys", () => {
assert.deepEqual(parseQuery("t=1&t=2&&flag&t=3"), { t: ["1","2","3"], flag: "" });
});

Deno.test("stringify", () => {
assert.equal(stringifyQuery({ q: "a b&c", tag: ["x","y"] }), "q=a%20b%26c&tag=x&tag=y"); assert.deepEqual(parseQuery(stringifyQuery({ k: "v=1" })), { k: "v=1" });
});
