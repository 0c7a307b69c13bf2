import assert from "node:assert/strict";
import { parseCsv } from "./csv.js";

Deno.test("simple", () => {
assert.deepEqual(parseCsv("a,b\n1,2\n"), [["a","b"],["1","2"]]);
});

Deno.test("quotes", () => {
assert.deepEqual(parseCsv('name,quote\r\n"Smith, J","He said ""hi"""\r\n'), [["name","quote"],["Smith, J",'He said "hi"']]);
});

Deno.test("newline inside quotes and empty fields", () => {
assert.deepEqual(parseCsv('a,,"x\ny"'), [["a","","x\ny"]]);
});

Deno.test("unterminated", () => {
assert.throws(() => parseCsv('a,"b'), SyntaxError);
});
