import assert from "node:assert/strict";
import { slugify } from "./slugify.ts";

Deno.test("basic title", () => {
  assert.equal(slugify("Hello World"), "hello-world");
});
Deno.test("runs of symbols become one hyphen", () => {
  assert.equal(slugify("Deno  &  TypeScript -- 2024!"), "deno-typescript-2024");
});
Deno.test("ends are trimmed", () => {
  assert.equal(slugify("  ...Leading and trailing!!  "), "leading-and-trailing");
});
Deno.test("accents are removed", () => {
  assert.equal(slugify("Crème Brûlée à la carte"), "creme-brulee-a-la-carte");
});
Deno.test("empty results", () => {
  assert.equal(slugify(""), "");
  assert.equal(slugify("!!! ???"), "");
});
