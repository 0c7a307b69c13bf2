import assert from "node:assert/strict";
import { tokenize } from "./tokenizer.ts";

Deno.test("kinds", () => {
assert.deepEqual(tokenize("let x = 3.14;").map((t) => [t.type, t.value]), [["keyword","let"],["ident","x"],["op","="],["number","3.14"],["op",";"]]);
});

Deno.test("longest operator", () => {
assert.deepEqual(tokenize("a<=b==c!d&&e").map((t) => t.value), ["a","<=","b","==","c","!","d","&&","e"]);
});

Deno.test("strings", () => {
assert.deepEqual(tokenize('"a\\"b\\\\c\\nd"'), [{ type: "string", value: 'a"b\\c\nd', line: 1, column: 1 }]);
});

Deno.test("positions and comments", () => {
const t = tokenize("if (x) // note\n  return y_1;"); assert.deepEqual(t.map((k) => [k.value, k.line, k.column]), [["if",1,1],["(",1,4],["x",1,5],[")",1,6],["return",2,3],["y_1",2,10],[";",2,13]]);
});

Deno.test("errors", () => {
assert.throws(() => tokenize("let a = @;"), (e: unknown) => e instanceof SyntaxError && e.message.includes("1:9")); assert.throws(() => tokenize("x\n \"abc"), (e: unknown) => e instanceof SyntaxError && e.message.includes("2:2"));
});
