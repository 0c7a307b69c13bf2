/**
 * Tests as models write them for Deno import the standard library's
 * assertion modules; the sandbox runs them offline on its compat modules.
 */
import { assert } from "../../../deps.ts";
import { FAST, sandboxed } from "./_sandbox_support.ts";

const SLUG = `export function slugify(text: string): string {
  if (text.trim() === "") throw new RangeError("empty title");
  return text.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}
export async function fetchTitle(id: number): Promise<string> {
  await Promise.resolve();
  if (id < 0) throw new TypeError("negative id: " + id);
  return "Title " + id;
}
`;

Deno.test("Deno.test with jsr:@std/assert, asserting throws and rejects, type-checked", async () => {
  const report = await sandboxed({
    "slug.ts": SLUG,
    "slug_test.ts": `import {
  assert,
  assertEquals,
  assertExists,
  assertMatch,
  assertNotEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "jsr:@std/assert";
import { slugify, fetchTitle } from "./slug.ts";

Deno.test("slugify lowercases and joins words", () => {
  assertEquals(slugify("Hello World"), "hello-world");
  assertStrictEquals(slugify("  A  "), "a");
  assertNotEquals(slugify("a b"), "a b");
  assertMatch(slugify("Deno 2.9!"), /^[a-z0-9-]+$/);
});

Deno.test("slugify rejects empty titles", () => {
  const error = assertThrows(() => slugify("   "), RangeError, "empty");
  assert(error instanceof RangeError);
  assertEquals(error.message, "empty title");
});

Deno.test("fetchTitle resolves and rejects", async () => {
  const title = await fetchTitle(3);
  assertExists(title);
  assertEquals(title.length, 7);
  await assertRejects(() => fetchTitle(-1), TypeError, "negative id");
});
`,
  }, { ...FAST, check: true, timeoutMs: 60_000 });
  assert.equal(report.status, "passed", report.reason + "\n" + report.output);
  assert.equal(report.passed, 3);
  assert.equal(report.reason, undefined);
});

Deno.test("describe/it from jsr:@std/testing/bdd with expect from jsr:@std/expect, type-checked", async () => {
  const report = await sandboxed({
    "stack.ts": `export class Stack<T> {
  #items: T[] = [];
  push(item: T): void { this.#items.push(item); }
  pop(): T {
    const item = this.#items.pop();
    if (item === undefined) throw new Error("stack is empty");
    return item;
  }
  get size(): number { return this.#items.length; }
  toArray(): T[] { return [...this.#items]; }
}
`,
    "stack_test.ts":
      `import { afterEach, beforeAll, beforeEach, describe, it } from "jsr:@std/testing/bdd";
import { expect } from "jsr:@std/expect";
import { Stack } from "./stack.ts";

describe("Stack", () => {
  let stack: Stack<number>;
  let created = 0;
  beforeAll(() => { created = 0; });
  beforeEach(() => { stack = new Stack(); created++; });
  afterEach(() => { expect(created).toBeGreaterThan(0); });

  it("starts empty", () => {
    expect(stack.size).toBe(0);
    expect(stack.toArray()).toEqual([]);
  });

  it("pops what was pushed", () => {
    stack.push(1);
    stack.push(2);
    expect(stack.pop()).toBe(2);
    expect(stack.toArray()).toContain(1);
    expect(stack.toArray()).toHaveLength(1);
  });

  describe("when empty", () => {
    it("throws on pop", () => {
      expect(() => stack.pop()).toThrow("stack is empty");
      expect(() => stack.pop()).toThrow(Error);
    });
  });

  it("resolves async work", async () => {
    await expect(Promise.resolve({ id: 1, tags: ["a"] })).resolves.toMatchObject({ id: 1 });
    await expect(Promise.reject(new Error("nope"))).rejects.toThrow("nope");
    expect(0.1 + 0.2).toBeCloseTo(0.3);
    expect(null).toBeNull();
    expect(undefined).toBeUndefined();
    expect(stack).toBeInstanceOf(Stack);
    expect("hello").toMatch(/ell/);
    expect(1).not.toBe(2);
  });

  it.skip("is not run", () => { throw new Error("skipped test ran"); });
});
`,
  }, { ...FAST, check: true, timeoutMs: 60_000 });
  assert.equal(report.status, "passed", report.reason + "\n" + report.output);
  assert.equal(report.passed, 4, report.output);
  assert.equal(report.ignored, 1);
});

Deno.test("deno.land/std URLs with versions, bare @std specifiers and jsr subpaths all map", async () => {
  const report = await sandboxed({
    "slug.ts": SLUG,
    "urls_test.ts":
      `import { assertEquals } from "https://deno.land/std@0.224.0/assert/mod.ts";
import { assertThrows } from "https://deno.land/std@0.224.0/assert/assert_throws.ts";
import { assertStringIncludes } from "https://deno.land/std@0.190.0/testing/asserts.ts";
import { describe, it } from "https://deno.land/std@0.224.0/testing/bdd.ts";
import { expect } from "https://deno.land/std@0.224.0/expect/mod.ts";
import { slugify } from "./slug.ts";

describe("slugify via deno.land", () => {
  it("joins", () => assertEquals(slugify("a b"), "a-b"));
  it("throws", () => { assertThrows(() => slugify("")); });
  it("includes", () => assertStringIncludes(slugify("a big cat"), "big"));
  it("expects", () => expect(slugify("X")).toBe("x"));
});
`,
    "bare_test.ts": `import { assertEquals } from "@std/assert";
import { assertAlmostEquals } from "jsr:@std/assert@1/almost-equals";
import { assertArrayIncludes } from "jsr:@std/assert@^1.0.0";
import { expect } from "@std/expect";
import { describe, it, test } from "@std/testing/bdd";
import { it as jsrIt } from "jsr:@std/testing@1.0.5/bdd";
import { expect as jsrExpect } from "jsr:@std/expect@1.0.0";

describe("bare", () => {
  it("equals", () => assertEquals({ a: [1, 2] }, { a: [1, 2] }));
  test("almost", () => assertAlmostEquals(0.1 + 0.2, 0.3));
  jsrIt("includes", () => assertArrayIncludes([1, 2, 3], [3, 1]));
});
Deno.test("mixed with Deno.test", () => {
  expect([1, 2]).toEqual([1, 2]);
  jsrExpect({ a: 1, b: undefined }).toEqual({ a: 1 });
});
`,
  });
  assert.equal(report.status, "passed", report.reason + "\n" + report.output);
  assert.equal(report.passed, 4 + 3 + 1);
});

Deno.test("a failing std assertion fails the run with the test's name and an expected/actual diff", async () => {
  const report = await sandboxed({
    "add.ts": "export const add = (a: number, b: number): number => a - b;\n",
    "add_test.ts": `import { assertEquals } from "jsr:@std/assert@1";
import { add } from "./add.ts";
Deno.test("adds small numbers", () => assertEquals(add(1, 2), 3));
Deno.test("adds objects", () => assertEquals({ sum: add(2, 2) }, { sum: 4 }));
Deno.test("zero", () => assertEquals(add(0, 0), 0));
`,
  });
  assert.equal(report.status, "failed");
  assert.equal(report.passed, 1);
  assert.equal(report.failed, 2);
  assert.match(
    report.reason ?? "",
    /^2 of 3 failed; first: adds small numbers: /,
  );
  assert.match(report.reason ?? "", /Values are not equal/);
  const message = report.failures[0]?.message ?? "";
  assert.match(message, /expected: 3/);
  assert.match(message, /actual: {3}-1/);
  assert.match(report.failures[1]?.message ?? "", /sum/);
});

Deno.test("a failing it inside describe is named suite > test", async () => {
  const report = await sandboxed({
    "bdd_test.ts": `import { describe, it } from "jsr:@std/testing/bdd";
import { expect } from "jsr:@std/expect";
describe("math", () => {
  it("works", () => expect(1 + 1).toBe(2));
  it("is broken", () => expect(1 + 1).toBe(3));
});
`,
  });
  assert.equal(report.status, "failed");
  assert.equal(report.passed, 1);
  assert.equal(report.failed, 1);
  assert.equal(report.failures[0]?.name, "math > is broken");
  assert.match(report.failures[0]?.message ?? "", /Expected: 3\nReceived: 2/);
  assert.match(report.reason ?? "", /1 of 2 failed; first: math > is broken/);
});

Deno.test("a deno.json or import map in the workspace cannot redirect the std modules", async () => {
  const lenient =
    `export function assertEquals(_a: unknown, _b: unknown): void {}\n`;
  const report = await sandboxed({
    "deno.json": JSON.stringify({
      imports: { "jsr:@std/assert": "./lenient.ts" },
    }),
    "import_map.json": JSON.stringify({
      imports: { "jsr:@std/assert": "./lenient.ts" },
    }),
    "lenient.ts": lenient,
    "math_test.ts": `import { assertEquals } from "jsr:@std/assert";
Deno.test("must fail", () => assertEquals(1, 2));
`,
  });
  assert.equal(report.status, "failed", report.output);
  assert.equal(report.failures[0]?.name, "must fail");
});

Deno.test("imports outside the mapped std modules are refused, naming the specifier and the file", async () => {
  const cases: [string, string][] = [
    ["npm:lodash", "npm:lodash"],
    ["https://esm.sh/lodash", "https://esm.sh/lodash"],
    ["jsr:@std/fs", "jsr:@std/fs"],
    ["jsr:@std/testing/mock", "jsr:@std/testing/mock"],
    ["../../etc/x", "../../etc/x"],
    [
      "https://deno.land/std@0.224.0/fs/mod.ts",
      "https://deno.land/std@0.224.0/fs/mod.ts",
    ],
  ];
  for (const [specifier, named] of cases) {
    const report = await sandboxed({
      "lib/math_test.ts": `import x from ${JSON.stringify(specifier)};
import { assertEquals } from "jsr:@std/assert";
Deno.test("x", () => assertEquals(typeof x, "object"));
`,
    });
    assert.equal(report.status, "refused", specifier);
    assert.equal(report.passed + report.failed, 0);
    assert.ok(
      report.reason?.startsWith(
        `refused import ${
          JSON.stringify(named)
        } in lib/math_test.ts: only workspace files, node:assert`,
      ),
      `${specifier}: ${report.reason}`,
    );
    assert.match(report.reason ?? "", /std assertion modules/);
    assert.equal(report.refusedModules?.[0]?.importedAs, named);
    assert.equal(report.refusedModules?.[0]?.from, "lib/math_test.ts");
  }
});

Deno.test("node:test runs in the sandbox", async () => {
  const report = await sandboxed({
    "node_test.ts": `import { test } from "node:test";
import assert from "node:assert";
test("node style", () => { assert.strictEqual(1 + 1, 2); });
`,
  });
  assert.equal(report.status, "passed", report.reason + "\n" + report.output);
  assert.equal(report.passed, 1);
});

Deno.test("bdd hooks run in std's order around nested suites, with this shared from beforeEach", async () => {
  const report = await sandboxed({
    "hooks_test.ts":
      `import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from "jsr:@std/testing/bdd";
import { assertEquals } from "jsr:@std/assert";

const log: string[] = [];
beforeEach(() => { log.push("top:each"); });

describe("outer", () => {
  beforeAll(() => { log.push("outer:all"); });
  afterAll(() => {
    log.push("outer:after-all");
    assertEquals(log, [
      "outer:all",
      "top:each", "outer:each", "outer:a", "outer:after-each",
      "inner:all",
      "top:each", "outer:each", "inner:each", "inner:b", "inner:after-each", "outer:after-each",
      "inner:after-all",
      "outer:after-all",
    ]);
  });
  beforeEach(function () { log.push("outer:each"); this.value = 42; });
  afterEach(() => { log.push("outer:after-each"); });

  it("a", function () {
    log.push("outer:a");
    assertEquals(this.value, 42);
  });

  describe("inner", () => {
    beforeAll(() => { log.push("inner:all"); });
    afterAll(() => { log.push("inner:after-all"); });
    beforeEach(() => { log.push("inner:each"); });
    afterEach(() => { log.push("inner:after-each"); });
    it("b", () => { log.push("inner:b"); });
    it.ignore("c", () => { log.push("inner:c"); });
  });
});

it("top-level it gets top-level hooks", () => {
  assertEquals(log.at(-1), "top:each");
});
`,
  });
  assert.equal(report.status, "passed", report.reason + "\n" + report.output);
  assert.equal(report.passed, 3);
  assert.equal(report.ignored, 1);
});

Deno.test("a hook that throws fails the test it wraps", async () => {
  const report = await sandboxed({
    "hook_test.ts":
      `import { beforeEach, describe, it } from "jsr:@std/testing/bdd";
describe("suite", () => {
  beforeEach(() => { throw new Error("setup broke"); });
  it("case", () => {});
});
`,
  });
  assert.equal(report.status, "failed");
  assert.equal(report.failures[0]?.name, "suite > case");
  assert.match(report.failures[0]?.message ?? "", /setup broke/);
});
