/**
 * The compat modules that stand in for `@std/assert` and `@std/expect` in
 * the sandbox fail where the real ones fail, with messages that say what was
 * expected and what came. `expect` is checked against Jest's own `expect`
 * (npm:expect, whose matchers `@std/expect` follows) on a table of cases.
 */
import { assert, expect as jestExpect } from "../../../deps.ts";
import * as std from "../../../../actors/workflow/tools/sandbox_compat/assert.ts";
import {
  expect,
  fn,
} from "../../../../actors/workflow/tools/sandbox_compat/expect.ts";

/** Runs `fn` and returns the AssertionError it threw (failing if none). */
function failure(fn: () => unknown): std.AssertionError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof std.AssertionError, String(error));
    return error;
  }
  assert.fail("expected an AssertionError");
}

Deno.test("assertEquals fails with a message naming expected and actual, and a diff", () => {
  const error = failure(() =>
    std.assertEquals({ sum: 3, items: [1, 2] }, { sum: 4, items: [1, 2] })
  );
  assert.equal(error.name, "AssertionError");
  assert.match(error.message, /^Values are not equal\./);
  assert.match(error.message, /expected: \{ items: \[ 1, 2 \], sum: 4 \}/);
  assert.match(error.message, /actual: {3}\{ items: \[ 1, 2 \], sum: 3 \}/);
  assert.match(error.message, /\+ {3}sum: 3\n- {3}sum: 4/);
  assert.match(
    failure(() => std.assertEquals(1, 2, "custom")).message,
    /^Values are not equal: custom/,
  );
});

Deno.test("assertEquals compares deeply and strictly; passes on equal values", () => {
  std.assertEquals({ a: [1, { b: new Date(5) }] }, {
    a: [1, { b: new Date(5) }],
  });
  std.assertEquals(new Map([[1, "a"]]), new Map([[1, "a"]]));
  std.assertEquals(new Set([1, 2]), new Set([2, 1]));
  failure(() => std.assertEquals<unknown>(1, "1"));
  failure(() => std.assertEquals([1, 2], [1, 2, 3]));
  failure(() => std.assertEquals(new Date(1), new Date(2)));
  std.assertNotEquals({ a: 1 }, { a: 2 });
  failure(() => std.assertNotEquals({ a: 1 }, { a: 1 }));
});

Deno.test("assertStrictEquals and assertNotStrictEquals use identity", () => {
  const o = { a: 1 };
  std.assertStrictEquals(o, o);
  assert.match(
    failure(() => std.assertStrictEquals({ a: 1 }, { a: 1 })).message,
    /same structure but are not reference-equal/,
  );
  assert.match(
    failure(() => std.assertStrictEquals(1, 2)).message,
    /expected: 2\nactual: {3}1/,
  );
  std.assertNotStrictEquals({ a: 1 }, { a: 1 });
  failure(() => std.assertNotStrictEquals(o, o));
});

Deno.test("assertThrows returns the error and checks its class and message", () => {
  const error = std.assertThrows(
    () => {
      throw new RangeError("out of range: 7");
    },
    RangeError,
    "range: 7",
  );
  assert.ok(error instanceof RangeError);
  assert.match(
    failure(() => std.assertThrows(() => {})).message,
    /Expected function to throw/,
  );
  assert.match(
    failure(() =>
      std.assertThrows(() => {
        throw new TypeError("x");
      }, RangeError)
    ).message,
    /instance of "RangeError", but was "TypeError"/,
  );
  assert.match(
    failure(() =>
      std.assertThrows(
        () => {
          throw new Error("abc");
        },
        Error,
        "xyz",
      )
    ).message,
    /include "xyz", but got "abc"/,
  );
});

Deno.test("assertRejects awaits and checks the rejection", async () => {
  const error = await std.assertRejects(
    () => Promise.reject(new TypeError("bad id")),
    TypeError,
    "bad",
  );
  assert.equal(error.message, "bad id");
  await assert.rejects(
    std.assertRejects(() => Promise.resolve(1)),
    (e: unknown) =>
      e instanceof std.AssertionError &&
      /Expected function to reject/.test(e.message),
  );
  await assert.rejects(
    std.assertRejects(() => Promise.reject(new Error("a")), TypeError),
    std.AssertionError,
  );
});

Deno.test("the other assertions pass and fail like std's", () => {
  std.assert(1);
  failure(() => std.assert(0));
  std.assertFalse("");
  failure(() => std.assertFalse("x"));
  std.assertExists(0);
  failure(() => std.assertExists(null));
  std.assertMatch("abc", /b/);
  failure(() => std.assertMatch("abc", /z/));
  std.assertNotMatch("abc", /z/);
  failure(() => std.assertNotMatch("abc", /b/));
  std.assertStringIncludes("hello world", "lo w");
  failure(() => std.assertStringIncludes("hello", "x"));
  std.assertArrayIncludes([1, { a: 2 }, 3], [{ a: 2 }, 3]);
  assert.match(
    failure(() => std.assertArrayIncludes([1, 2], [3])).message,
    /missing: \[ 3 \]/,
  );
  std.assertObjectMatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } });
  failure(() => std.assertObjectMatch({ a: 1, b: { c: 2 } }, { b: { c: 3 } }));
  std.assertAlmostEquals(0.1 + 0.2, 0.3);
  std.assertAlmostEquals(10, 10.4, 0.5);
  failure(() => std.assertAlmostEquals(1, 1.1));
  std.assertInstanceOf(new Map(), Map);
  assert.match(
    failure(() => std.assertInstanceOf([], Map)).message,
    /instance of "Map" but was "Array"/,
  );
  std.assertGreater(2, 1);
  failure(() => std.assertGreater(1, 1));
  std.assertGreaterOrEqual(1, 1);
  failure(() => std.assertGreaterOrEqual(0, 1));
  std.assertLess(1, 2);
  failure(() => std.assertLess(2, 2));
  std.assertLessOrEqual(2, 2);
  failure(() => std.assertLessOrEqual(3, 2));
  assert.match(
    failure(() => std.fail("nope")).message,
    /Failed assertion: nope/,
  );
  assert.match(failure(() => std.unreachable()).message, /Unreachable/);
  const custom = new std.AssertionError("mine");
  assert.ok(custom instanceof Error);
  assert.equal(custom.message, "mine");
});

/** One matcher call: the value, the matcher's name, its arguments. */
type Case = [unknown, string, unknown[]];

class Point {
  constructor(readonly x: number, readonly y?: number) {}
}

const CASES: Case[] = [
  [1, "toBe", [1]],
  [{ a: 1 }, "toBe", [{ a: 1 }]],
  [NaN, "toBe", [NaN]],
  [{ a: 1, b: undefined }, "toEqual", [{ a: 1 }]],
  [{ a: 1, b: undefined }, "toStrictEqual", [{ a: 1 }]],
  [new Point(1), "toEqual", [{ x: 1 }]],
  [new Point(1), "toStrictEqual", [{ x: 1 }]],
  [[1, [2, { c: 3 }]], "toEqual", [[1, [2, { c: 3 }]]]],
  [[1, 2], "toEqual", [[1, 2, 3]]],
  [new Map([["k", { v: 1 }]]), "toEqual", [new Map([["k", { v: 1 }]])]],
  [new Set([1, 2]), "toEqual", [new Set([2, 1])]],
  [new Date(1), "toEqual", [new Date(2)]],
  [0, "toBeTruthy", []],
  ["x", "toBeTruthy", []],
  ["", "toBeFalsy", []],
  [null, "toBeNull", []],
  [undefined, "toBeNull", []],
  [undefined, "toBeUndefined", []],
  [0, "toBeDefined", []],
  [undefined, "toBeDefined", []],
  [NaN, "toBeNaN", []],
  [3, "toBeGreaterThan", [2]],
  [2, "toBeGreaterThan", [2]],
  [2, "toBeGreaterThanOrEqual", [2]],
  [1, "toBeLessThan", [2]],
  [3, "toBeLessThanOrEqual", [2]],
  [0.1 + 0.2, "toBeCloseTo", [0.3]],
  [0.31, "toBeCloseTo", [0.3]],
  [0.31, "toBeCloseTo", [0.3, 1]],
  [new Point(1), "toBeInstanceOf", [Point]],
  [{}, "toBeInstanceOf", [Point]],
  [[1, 2, 3], "toContain", [2]],
  [[{ a: 1 }], "toContain", [{ a: 1 }]],
  [[{ a: 1 }], "toContainEqual", [{ a: 1 }]],
  ["hello", "toContain", ["ell"]],
  [[1, 2], "toHaveLength", [2]],
  ["abc", "toHaveLength", [2]],
  [{ a: { b: [1, 2] } }, "toHaveProperty", ["a.b"]],
  [{ a: { b: [1, 2] } }, "toHaveProperty", ["a.b", [1, 2]]],
  [{ a: { b: [1, 2] } }, "toHaveProperty", ["a.c"]],
  ["hello", "toMatch", [/ell/]],
  ["hello", "toMatch", ["xyz"]],
  [{ a: 1, b: { c: 2, d: 3 } }, "toMatchObject", [{ b: { c: 2 } }]],
  [{ a: 1, b: { c: 2 } }, "toMatchObject", [{ b: { c: 3 } }]],
  [[{ a: 1, b: 2 }], "toMatchObject", [[{ a: 1 }]]],
  [
    () => {
      throw new TypeError("bad input");
    },
    "toThrow",
    [],
  ],
  [
    () => {
      throw new TypeError("bad input");
    },
    "toThrow",
    ["bad"],
  ],
  [
    () => {
      throw new TypeError("bad input");
    },
    "toThrow",
    [/^bad/],
  ],
  [
    () => {
      throw new TypeError("bad input");
    },
    "toThrow",
    [TypeError],
  ],
  [
    () => {
      throw new TypeError("bad input");
    },
    "toThrow",
    [RangeError],
  ],
  [
    () => {
      throw new TypeError("bad input");
    },
    "toThrow",
    ["good"],
  ],
  [() => 1, "toThrow", []],
];

function outcome(fn: () => unknown): "pass" | "fail" {
  try {
    fn();
    return "pass";
  } catch {
    return "fail";
  }
}

Deno.test("expect agrees with Jest's expect on every case, with and without .not", () => {
  const disagreements: string[] = [];
  for (const [value, matcher, args] of CASES) {
    for (const not of [false, true]) {
      const call = (e: (v: unknown) => unknown) => () => {
        const base = e(value) as Record<string, unknown>;
        const target = (not ? base.not : base) as Record<
          string,
          (...a: unknown[]) => unknown
        >;
        return target[matcher]!(...args);
      };
      const ours = outcome(call(expect));
      const jest = outcome(call(jestExpect as (v: unknown) => unknown));
      if (ours !== jest) {
        disagreements.push(
          `${not ? "not." : ""}${matcher}(${Deno.inspect(args)}) on ${
            Deno.inspect(value)
          }: ours ${ours}, jest ${jest}`,
        );
      }
    }
  }
  assert.deepEqual(disagreements, []);
});

Deno.test("expect's failure messages show expected and received", () => {
  const error = failure(() => expect({ a: 1 }).toEqual({ a: 2 }));
  assert.match(error.message, /toEqual/);
  assert.match(error.message, /Expected: \{ a: 2 \}\nReceived: \{ a: 1 \}/);
  assert.match(
    failure(() => expect(1).not.toBe(1)).message,
    /expect\(received\)\.not\.toBe/,
  );
  assert.match(
    failure(() => expect(() => {}).toThrow("x")).message,
    /the function did not throw/,
  );
});

Deno.test("expect's resolves and rejects await the promise", async () => {
  await expect(Promise.resolve(3)).resolves.toBe(3);
  await expect(Promise.reject(new Error("no"))).rejects.toThrow("no");
  await expect(Promise.resolve(3)).resolves.not.toBe(4);
  await assert.rejects(
    expect(Promise.resolve(3)).rejects.toThrow() as Promise<void>,
    /resolved instead of rejected/,
  );
  await assert.rejects(
    expect(Promise.reject(new Error("x"))).resolves.toBe(1) as Promise<void>,
    /rejected instead of resolved/,
  );
  await assert.rejects(
    expect(Promise.resolve(3)).resolves.toBe(4) as Promise<void>,
    std.AssertionError,
  );
});

Deno.test("expect's asymmetric matchers work inside toEqual", () => {
  expect({ id: 7, name: "x", at: new Date() }).toEqual({
    id: expect.any(Number),
    name: expect.stringContaining("x"),
    at: expect.anything(),
  });
  expect([1, 2, 3]).toEqual(expect.arrayContaining([3, 1]));
  expect({ a: 1, b: 2 }).toEqual(expect.objectContaining({ a: 1 }));
  failure(() => expect({ id: "7" }).toEqual({ id: expect.any(Number) }));
});

Deno.test("fn mocks record calls for the toHaveBeenCalled family", () => {
  const double = fn((x: number) => x * 2);
  expect(double).not.toHaveBeenCalled();
  double(2);
  double(5);
  expect(double).toHaveBeenCalled();
  expect(double).toHaveBeenCalledTimes(2);
  expect(double).toHaveBeenCalledWith(2);
  expect(double).toHaveBeenLastCalledWith(5);
  expect(double).toHaveBeenNthCalledWith(1, 2);
  expect(double).toHaveReturnedWith(10);
  expect(double).toHaveLastReturnedWith(10);
  expect(double).toHaveReturnedTimes(2);
  assert.match(
    failure(() => expect(double).toHaveBeenCalledWith(3)).message,
    /Expected: \[ 3 \]\nReceived: \[ \[ 2 \], \[ 5 \] \]/,
  );
  failure(() => expect(double).toHaveBeenCalledTimes(1));
  failure(() => expect(() => {}).toHaveBeenCalled());
  const boom = fn(() => {
    throw new Error("x");
  });
  assert.throws(() => boom());
  expect(boom).toHaveBeenCalledTimes(1);
  expect(boom).not.toHaveReturned();
});
