import assert from "node:assert/strict";
import { toSnake, toCamel } from "./case_convert.js";

Deno.test("snake", () => {
assert.equal(toSnake("fooBarBaz"), "foo_bar_baz"); assert.equal(toSnake("parseHTTPResponse"), "parse_http_response"); assert.equal(toSnake("x"), "x");
});

Deno.test("camel", () => {
assert.equal(toCamel("foo_bar_baz"), "fooBarBaz"); assert.equal(toCamel("__foo__bar"), "fooBar");
});

Deno.test("round trip", () => {
assert.equal(toCamel(toSnake("someLongName")), "someLongName");
});
