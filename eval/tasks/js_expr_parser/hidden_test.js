import assert from "node:assert/strict";
import { evaluate } from "./expr.js";

Deno.test("precedence", () => {
assert.equal(evaluate("1 + 2 * 3"), 7); assert.equal(evaluate("(1 + 2) * 3"), 9); assert.equal(evaluate("10 - 4 - 3"), 3); assert.equal(evaluate("20 / 4 / 5"), 1); assert.equal(evaluate("7 % 4 * 2"), 6);
});

Deno.test("power and unary", () => {
assert.equal(evaluate("2 ^ 3 ^ 2"), 512); assert.equal(evaluate("-2 ^ 2"), -4); assert.equal(evaluate("--3"), 3); assert.equal(evaluate("2 * -3"), -6);
});

Deno.test("variables", () => {
assert.equal(evaluate("rate * hours + 0.5", { rate: 10, hours: 2 }), 20.5); assert.throws(() => evaluate("a + b", { a: 1 }), (e) => e instanceof ReferenceError && e.message.includes("b"));
});

Deno.test("syntax errors", () => {
for (const bad of ["1 +", "(1 + 2", "1 + 2)", "2 $ 3", "", "3 4"]) assert.throws(() => evaluate(bad), SyntaxError, bad);
});

Deno.test("division by zero", () => {
assert.equal(evaluate("1 / 0"), Infinity);
});
