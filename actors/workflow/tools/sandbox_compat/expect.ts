/**
 * `expect(…)` with the API of Deno's standard `@std/expect` (Jest's matchers),
 * for generated tests that run in the sandbox (no network, no npm cache).
 *
 * The sandbox's import map points `jsr:@std/expect`, `@std/expect` and
 * `https://deno.land/std@…/expect/*.ts` here. Failures throw the
 * {@linkcode AssertionError} of `./assert.ts`, with the expected and the
 * received value in the message.
 *
 * @example
 * ```ts
 * // In the sandbox the import reads `jsr:@std/expect`.
 * import { expect } from "./expect.ts";
 * expect(1 + 2).toBe(3);
 * expect(() => expect(1 + 2).toBe(4)).toThrow();
 * ```
 *
 * @module
 */

import { AssertionError, format } from "./assert.ts";

export { AssertionError };

/** A value that matches others by a rule (`expect.any(Number)`, …). */
export abstract class AsymmetricMatcher {
  /** True when `other` satisfies the rule. */
  abstract matches(other: unknown): boolean;
  /** How the rule prints in failure messages. */
  abstract toString(): string;
  /** Prints the rule in `Deno.inspect`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

class AnyMatcher extends AsymmetricMatcher {
  // deno-lint-ignore no-explicit-any
  constructor(readonly type: abstract new (...args: any[]) => unknown) {
    super();
  }
  matches(other: unknown): boolean {
    const t = this.type as unknown;
    if (t === Number) {
      return typeof other === "number" || other instanceof Number;
    }
    if (t === String) {
      return typeof other === "string" || other instanceof String;
    }
    if (t === Boolean) {
      return typeof other === "boolean" || other instanceof Boolean;
    }
    if (t === BigInt) return typeof other === "bigint";
    if (t === Symbol) return typeof other === "symbol";
    if (t === Function) return typeof other === "function";
    if (t === Object) return typeof other === "object" && other !== null;
    return other instanceof this.type;
  }
  toString(): string {
    return `Any<${this.type.name}>`;
  }
}

class AnythingMatcher extends AsymmetricMatcher {
  matches(other: unknown): boolean {
    return other !== null && other !== undefined;
  }
  toString(): string {
    return "Anything";
  }
}

class PredicateMatcher extends AsymmetricMatcher {
  constructor(
    readonly label: string,
    readonly test: (other: unknown) => boolean,
  ) {
    super();
  }
  matches(other: unknown): boolean {
    return this.test(other);
  }
  toString(): string {
    return this.label;
  }
}

/**
 * Jest's equality: `strict` (toStrictEqual) also compares prototypes and
 * `undefined`-valued keys; the loose form (toEqual) ignores both.
 */
export function equals(a: unknown, b: unknown, strict = false): boolean {
  return eq(a, b, strict, new Map());
}

function eq(
  a: unknown,
  b: unknown,
  strict: boolean,
  seen: Map<object, object>,
): boolean {
  if (a instanceof AsymmetricMatcher) return a.matches(b);
  if (b instanceof AsymmetricMatcher) return b.matches(a);
  if (Object.is(a, b)) return true;
  if (
    typeof a !== "object" || typeof b !== "object" || a === null ||
    b === null
  ) {
    return false;
  }
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    return false;
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date &&
      Object.is(a.getTime(), b.getTime());
  }
  if (a instanceof RegExp || b instanceof RegExp) {
    return a instanceof RegExp && b instanceof RegExp &&
      a.source === b.source && a.flags === b.flags;
  }
  if (a instanceof Error && b instanceof Error) {
    if (a.message !== b.message || a.name !== b.name) return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map) || a.size !== b.size) {
      return false;
    }
    for (const [key, value] of a) {
      if (!b.has(key) || !eq(value, b.get(key), strict, seen)) return false;
    }
    return true;
  }
  if (a instanceof Set || b instanceof Set) {
    if (!(a instanceof Set && b instanceof Set) || a.size !== b.size) {
      return false;
    }
    outer: for (const item of a) {
      if (b.has(item)) continue;
      for (const other of b) {
        if (eq(item, other, strict, seen)) continue outer;
      }
      return false;
    }
    return true;
  }
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!(ArrayBuffer.isView(a) && ArrayBuffer.isView(b))) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  const keys = (o: object) =>
    Reflect.ownKeys(o).filter((k) =>
      Object.prototype.propertyIsEnumerable.call(o, k) &&
      (strict || (o as Record<PropertyKey, unknown>)[k] !== undefined)
    );
  const ka = keys(a);
  const kb = keys(b);
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) {
    return false;
  }
  if (ka.length !== kb.length) return false;
  const ra = a as Record<PropertyKey, unknown>;
  const rb = b as Record<PropertyKey, unknown>;
  return ka.every((k) =>
    Object.prototype.hasOwnProperty.call(b, k) && eq(ra[k], rb[k], strict, seen)
  );
}

/** True when `actual` has every property of `expected` (recursively). */
function matchesObject(actual: unknown, expected: unknown): boolean {
  if (expected instanceof AsymmetricMatcher) return expected.matches(actual);
  if (
    typeof expected !== "object" || expected === null ||
    typeof actual !== "object" || actual === null
  ) {
    return equals(actual, expected);
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length &&
      expected.every((item, i) => matchesObject(actual[i], item));
  }
  if (
    expected instanceof Date || expected instanceof RegExp ||
    expected instanceof Map || expected instanceof Set
  ) {
    return equals(actual, expected);
  }
  const a = actual as Record<PropertyKey, unknown>;
  return Reflect.ownKeys(expected).every((k) =>
    k in a && matchesObject(a[k], (expected as Record<PropertyKey, unknown>)[k])
  );
}

/** One recorded call of a {@linkcode fn} mock. */
export interface MockCall {
  /** The arguments it got. */
  args: unknown[];
  /** What it returned, unless it threw. */
  result: { returned: unknown } | { threw: unknown };
}

const CALLS = Symbol("mock calls");

/**
 * A mock function that records its calls, as `fn` of `@std/expect`:
 * `const f = fn((x: number) => x * 2); f(2); expect(f).toHaveBeenCalledWith(2);`.
 */
// deno-lint-ignore no-explicit-any
export function fn<F extends (...args: any[]) => any>(
  ...implementations: F[]
): F {
  const calls: MockCall[] = [];
  const mock = function (this: unknown, ...args: unknown[]): unknown {
    const impl = implementations.length > 1
      ? implementations[Math.min(calls.length, implementations.length - 1)]
      : implementations[0];
    const call: MockCall = { args, result: { returned: undefined } };
    calls.push(call);
    try {
      const value = impl?.apply(this, args);
      call.result = { returned: value };
      return value;
    } catch (error) {
      call.result = { threw: error };
      throw error;
    }
  };
  Object.defineProperty(mock, CALLS, { value: calls });
  return mock as unknown as F;
}

function callsOf(actual: unknown, matcher: string): MockCall[] {
  const calls = typeof actual === "function"
    ? (actual as unknown as Record<symbol, MockCall[] | undefined>)[CALLS]
    : undefined;
  if (!calls) {
    throw new AssertionError(
      `expect(received).${matcher}: received value must be a mock function made with fn(), got ${
        show(actual)
      }`,
    );
  }
  return calls;
}

const returns = (calls: MockCall[]): unknown[] =>
  calls.flatMap((c) => "returned" in c.result ? [c.result.returned] : []);

/** A class of errors (`TypeError`, a custom class). */
// deno-lint-ignore no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => Error;

/** The matchers; each returns nothing or, after `.resolves`/`.rejects`, a promise. */
export interface Expected<R = void> {
  /** Inverts the next matcher. */
  not: Expected<R>;
  /** Waits for the promise and matches its value. */
  resolves: Expected<Promise<void>>;
  /** Waits for the promise to reject and matches the reason. */
  rejects: Expected<Promise<void>>;
  /** `Object.is` equality. */
  toBe(expected: unknown): R;
  /** Deep equality ignoring `undefined` properties and classes. */
  toEqual(expected: unknown): R;
  /** Deep equality including `undefined` properties and classes. */
  toStrictEqual(expected: unknown): R;
  /** Truthy. */
  toBeTruthy(): R;
  /** Falsy. */
  toBeFalsy(): R;
  /** `=== null`. */
  toBeNull(): R;
  /** `=== undefined`. */
  toBeUndefined(): R;
  /** `!== undefined`. */
  toBeDefined(): R;
  /** `NaN`. */
  toBeNaN(): R;
  /** `>`. */
  toBeGreaterThan(expected: number | bigint): R;
  /** `>=`. */
  toBeGreaterThanOrEqual(expected: number | bigint): R;
  /** `<`. */
  toBeLessThan(expected: number | bigint): R;
  /** `<=`. */
  toBeLessThanOrEqual(expected: number | bigint): R;
  /** Within `10 ** -numDigits / 2` (default 2 digits). */
  toBeCloseTo(expected: number, numDigits?: number): R;
  /** `instanceof`. */
  // deno-lint-ignore no-explicit-any
  toBeInstanceOf(expected: abstract new (...args: any[]) => unknown): R;
  /** Item of an array (by `===`) or substring of a string. */
  toContain(expected: unknown): R;
  /** Item of an array, by deep equality. */
  toContainEqual(expected: unknown): R;
  /** `.length`. */
  toHaveLength(expected: number): R;
  /** Has the property path (and, when given, that value). */
  toHaveProperty(path: string | readonly PropertyKey[], value?: unknown): R;
  /** String matches a RegExp or contains a string. */
  toMatch(expected: string | RegExp): R;
  /** Has at least the given properties, deeply. */
  toMatchObject(expected: object | readonly object[]): R;
  /** Throws (an error of the class, with the message, or equal to the error). */
  toThrow(
    expected?: string | RegExp | Error | ErrorClass,
  ): R;
  /** The {@linkcode fn} mock was called. */
  toHaveBeenCalled(): R;
  /** The mock was called `expected` times. */
  toHaveBeenCalledTimes(expected: number): R;
  /** Some call of the mock had these arguments. */
  toHaveBeenCalledWith(...expected: unknown[]): R;
  /** The last call of the mock had these arguments. */
  toHaveBeenLastCalledWith(...expected: unknown[]): R;
  /** The `nth` call (from 1) of the mock had these arguments. */
  toHaveBeenNthCalledWith(nth: number, ...expected: unknown[]): R;
  /** The mock returned (did not throw) at least once. */
  toHaveReturned(): R;
  /** The mock returned `expected` times. */
  toHaveReturnedTimes(expected: number): R;
  /** Some call of the mock returned `expected`. */
  toHaveReturnedWith(expected: unknown): R;
  /** The last call of the mock returned `expected`. */
  toHaveLastReturnedWith(expected: unknown): R;
  /** Alias of {@linkcode Expected.toThrow}. */
  toThrowError(
    expected?: string | RegExp | Error | ErrorClass,
  ): R;
}

interface Flags {
  not: boolean;
  mode: "value" | "resolves" | "rejects";
}

type Check = (actual: unknown, args: unknown[]) => {
  pass: boolean;
  message: (not: boolean) => string;
};

const show = (value: unknown): string => format(value);

function expectation(
  relation: string,
  expected: unknown,
  actual: unknown,
): (not: boolean) => string {
  return (not) =>
    `expect(received).${not ? "not." : ""}${relation}\n\nExpected: ${
      not ? "not " : ""
    }${show(expected)}\nReceived: ${show(actual)}`;
}

function numeric(actual: unknown, name: string): number | bigint {
  if (typeof actual !== "number" && typeof actual !== "bigint") {
    throw new AssertionError(
      `expect(received).${name}: received value must be a number or bigint, got ${
        show(actual)
      }`,
    );
  }
  return actual;
}

function errorMatches(error: unknown, expected: unknown): boolean {
  if (expected === undefined) return true;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof expected === "string") return message.includes(expected);
  if (expected instanceof RegExp) return expected.test(message);
  if (expected instanceof Error) {
    return error instanceof Error && message === expected.message;
  }
  if (typeof expected === "function") return error instanceof expected;
  return false;
}

function propertyPath(path: string | readonly PropertyKey[]): PropertyKey[] {
  if (typeof path !== "string") return [...path];
  return path.replace(/\[(\w+)\]/g, ".$1").split(".").filter((p) =>
    p.length > 0
  );
}

const CHECKS: Record<string, Check> = {
  toBe: (a, [e]) => ({
    pass: Object.is(a, e),
    message: expectation("toBe(expected) // Object.is equality", e, a),
  }),
  toEqual: (a, [e]) => ({
    pass: equals(a, e),
    message: expectation("toEqual(expected) // deep equality", e, a),
  }),
  toStrictEqual: (a, [e]) => ({
    pass: equals(a, e, true),
    message: expectation("toStrictEqual(expected)", e, a),
  }),
  toBeTruthy: (a) => ({
    pass: Boolean(a),
    message: expectation("toBeTruthy()", "a truthy value", a),
  }),
  toBeFalsy: (a) => ({
    pass: !a,
    message: expectation("toBeFalsy()", "a falsy value", a),
  }),
  toBeNull: (a) => ({
    pass: a === null,
    message: expectation("toBeNull()", null, a),
  }),
  toBeUndefined: (a) => ({
    pass: a === undefined,
    message: expectation("toBeUndefined()", undefined, a),
  }),
  toBeDefined: (a) => ({
    pass: a !== undefined,
    message: expectation("toBeDefined()", "a defined value", a),
  }),
  toBeNaN: (a) => ({
    pass: typeof a === "number" && Number.isNaN(a),
    message: expectation("toBeNaN()", NaN, a),
  }),
  toBeGreaterThan: (a, [e]) => ({
    pass: numeric(a, "toBeGreaterThan") > (e as number),
    message: expectation("toBeGreaterThan(expected)", `> ${show(e)}`, a),
  }),
  toBeGreaterThanOrEqual: (a, [e]) => ({
    pass: numeric(a, "toBeGreaterThanOrEqual") >= (e as number),
    message: expectation(
      "toBeGreaterThanOrEqual(expected)",
      `>= ${show(e)}`,
      a,
    ),
  }),
  toBeLessThan: (a, [e]) => ({
    pass: numeric(a, "toBeLessThan") < (e as number),
    message: expectation("toBeLessThan(expected)", `< ${show(e)}`, a),
  }),
  toBeLessThanOrEqual: (a, [e]) => ({
    pass: numeric(a, "toBeLessThanOrEqual") <= (e as number),
    message: expectation("toBeLessThanOrEqual(expected)", `<= ${show(e)}`, a),
  }),
  toBeCloseTo: (a, [e, digits]) => {
    const precision = typeof digits === "number" ? digits : 2;
    const expected = e as number;
    const pass = typeof a === "number" &&
      (a === expected ||
        Math.abs(expected - a) < 10 ** -precision / 2);
    return {
      pass,
      message: expectation(
        `toBeCloseTo(expected, ${precision})`,
        expected,
        a,
      ),
    };
  },
  toBeInstanceOf: (a, [e]) => ({
    // deno-lint-ignore no-explicit-any
    pass: a instanceof (e as abstract new (...args: any[]) => unknown),
    message: expectation(
      "toBeInstanceOf(expected)",
      `an instance of ${(e as { name?: string }).name}`,
      a,
    ),
  }),
  toContain: (a, [e]) => ({
    pass: typeof a === "string"
      ? typeof e === "string" && a.includes(e)
      : a !== null && typeof a === "object" && Symbol.iterator in a
      ? [...(a as Iterable<unknown>)].some((item) => Object.is(item, e))
      : false,
    message: expectation("toContain(expected)", e, a),
  }),
  toContainEqual: (a, [e]) => ({
    pass: a !== null && typeof a === "object" && Symbol.iterator in a &&
      [...(a as Iterable<unknown>)].some((item) => equals(item, e)),
    message: expectation("toContainEqual(expected)", e, a),
  }),
  toHaveLength: (a, [e]) => {
    const length = (a as { length?: unknown } | null | undefined)?.length;
    return {
      pass: length === e,
      message: (not) =>
        `expect(received).${
          not ? "not." : ""
        }toHaveLength(expected)\n\nExpected length: ${not ? "not " : ""}${
          show(e)
        }\nReceived length: ${show(length)}\nReceived: ${show(a)}`,
    };
  },
  toHaveProperty: (a, args) => {
    const path = propertyPath(args[0] as string | PropertyKey[]);
    let current: unknown = a;
    let found = true;
    for (const key of path) {
      if (
        current === null || current === undefined ||
        !(key in Object(current))
      ) {
        found = false;
        break;
      }
      current = (current as Record<PropertyKey, unknown>)[key];
    }
    const pass = found && (args.length < 2 || equals(current, args[1]));
    return {
      pass,
      message: expectation(
        `toHaveProperty(${path.map(String).join(".")}${
          args.length < 2 ? "" : ", value"
        })`,
        args.length < 2 ? `property ${path.map(String).join(".")}` : args[1],
        found ? current : a,
      ),
    };
  },
  toMatch: (a, [e]) => ({
    pass: typeof a === "string" &&
      (e instanceof RegExp ? e.test(a) : a.includes(String(e))),
    message: expectation("toMatch(expected)", e, a),
  }),
  toMatchObject: (a, [e]) => ({
    pass: matchesObject(a, e),
    message: expectation("toMatchObject(expected)", e, a),
  }),
  toHaveBeenCalled: (a) => {
    const calls = callsOf(a, "toHaveBeenCalled");
    return {
      pass: calls.length > 0,
      message: expectation(
        "toHaveBeenCalled()",
        "at least one call",
        `${calls.length} calls`,
      ),
    };
  },
  toHaveBeenCalledTimes: (a, [e]) => {
    const calls = callsOf(a, "toHaveBeenCalledTimes");
    return {
      pass: calls.length === e,
      message: expectation(
        "toHaveBeenCalledTimes(expected)",
        `${show(e)} calls`,
        `${calls.length} calls`,
      ),
    };
  },
  toHaveBeenCalledWith: (a, args) => {
    const calls = callsOf(a, "toHaveBeenCalledWith");
    return {
      pass: calls.some((c) => equals(c.args, args)),
      message: expectation(
        "toHaveBeenCalledWith(...expected)",
        args,
        calls.map((c) => c.args),
      ),
    };
  },
  toHaveBeenLastCalledWith: (a, args) => {
    const calls = callsOf(a, "toHaveBeenLastCalledWith");
    const last = calls.at(-1);
    return {
      pass: last !== undefined && equals(last.args, args),
      message: expectation(
        "toHaveBeenLastCalledWith(...expected)",
        args,
        last?.args,
      ),
    };
  },
  toHaveBeenNthCalledWith: (a, [n, ...args]) => {
    const calls = callsOf(a, "toHaveBeenNthCalledWith");
    const call = calls[(n as number) - 1];
    return {
      pass: call !== undefined && equals(call.args, args),
      message: expectation(
        `toHaveBeenNthCalledWith(${show(n)}, ...expected)`,
        args,
        call?.args,
      ),
    };
  },
  toHaveReturned: (a) => {
    const values = returns(callsOf(a, "toHaveReturned"));
    return {
      pass: values.length > 0,
      message: expectation(
        "toHaveReturned()",
        "at least one return",
        `${values.length} returns`,
      ),
    };
  },
  toHaveReturnedTimes: (a, [e]) => {
    const values = returns(callsOf(a, "toHaveReturnedTimes"));
    return {
      pass: values.length === e,
      message: expectation(
        "toHaveReturnedTimes(expected)",
        `${show(e)} returns`,
        `${values.length} returns`,
      ),
    };
  },
  toHaveReturnedWith: (a, [e]) => {
    const values = returns(callsOf(a, "toHaveReturnedWith"));
    return {
      pass: values.some((v) => equals(v, e)),
      message: expectation("toHaveReturnedWith(expected)", e, values),
    };
  },
  toHaveLastReturnedWith: (a, [e]) => {
    const last = callsOf(a, "toHaveLastReturnedWith").at(-1);
    const value = last && "returned" in last.result
      ? last.result.returned
      : undefined;
    return {
      pass: last !== undefined && "returned" in last.result && equals(value, e),
      message: expectation("toHaveLastReturnedWith(expected)", e, value),
    };
  },
  toThrow: () => {
    throw new Error("toThrow is handled on its own");
  },
};

function thrownBy(actual: unknown, flags: Flags): { error: unknown } | null {
  if (flags.mode === "rejects") return { error: actual };
  if (typeof actual !== "function") {
    throw new AssertionError(
      `expect(received).toThrow(): received value must be a function, got ${
        show(actual)
      }`,
    );
  }
  try {
    actual();
  } catch (error) {
    return { error };
  }
  return null;
}

function judge(
  name: string,
  actual: unknown,
  args: unknown[],
  flags: Flags,
): void {
  if (name === "toThrow" || name === "toThrowError") {
    const thrown = thrownBy(actual, flags);
    const expected = args[0];
    const pass = thrown !== null && errorMatches(thrown.error, expected);
    if (pass === flags.not) {
      const what = expected === undefined
        ? "a thrown error"
        : typeof expected === "function"
        ? `an error of class ${(expected as { name?: string }).name}`
        : show(expected instanceof Error ? expected.message : expected);
      throw new AssertionError(
        `expect(received).${flags.not ? "not." : ""}toThrow()\n\nExpected: ${
          flags.not ? "not " : ""
        }${what}\nReceived: ${
          thrown === null
            ? "the function did not throw"
            : `thrown ${
              thrown.error instanceof Error
                ? `${thrown.error.name}: ${thrown.error.message}`
                : show(thrown.error)
            }`
        }`,
      );
    }
    return;
  }
  const check = CHECKS[name];
  if (!check) throw new TypeError(`expect(…).${name} is not a matcher`);
  const result = check(actual, args);
  if (result.pass === flags.not) {
    throw new AssertionError(result.message(flags.not));
  }
}

function build(actual: unknown, flags: Flags): Expected<unknown> {
  return new Proxy({} as Expected<unknown>, {
    get(_target, property) {
      if (property === "not") {
        return build(actual, { ...flags, not: !flags.not });
      }
      if (property === "resolves" || property === "rejects") {
        return build(actual, { ...flags, mode: property });
      }
      if (property === "then") return undefined;
      if (typeof property !== "string") return undefined;
      return (...args: unknown[]) => {
        if (flags.mode === "value") return judge(property, actual, args, flags);
        const promise = typeof actual === "function" ? actual() : actual;
        return Promise.resolve(promise).then(
          (value) => {
            if (flags.mode === "rejects") {
              throw new AssertionError(
                `expect(received).rejects.${property}()\n\nReceived promise resolved instead of rejected\nResolved to value: ${
                  show(value)
                }`,
              );
            }
            judge(property, value, args, { ...flags, mode: "value" });
          },
          (reason) => {
            if (flags.mode === "resolves") {
              throw new AssertionError(
                `expect(received).resolves.${property}()\n\nReceived promise rejected instead of resolved\nRejected to value: ${
                  show(reason)
                }`,
              );
            }
            judge(property, reason, args, flags);
          },
        );
      };
    },
  });
}

/** The `expect` function with its asymmetric matchers. */
export interface ExpectStatic {
  /** Starts an expectation on `actual`; `msg` is accepted for compatibility. */
  <T = unknown>(actual: T, msg?: string): Expected;
  /** Matches any value made by `type` (or of that primitive type). */
  // deno-lint-ignore no-explicit-any
  any(type: abstract new (...args: any[]) => unknown): AsymmetricMatcher;
  /** Matches anything but `null` and `undefined`. */
  anything(): AsymmetricMatcher;
  /** Matches an array holding every item of `items`. */
  arrayContaining(items: readonly unknown[]): AsymmetricMatcher;
  /** Matches an object with at least these properties. */
  objectContaining(properties: object): AsymmetricMatcher;
  /** Matches a string containing `text`. */
  stringContaining(text: string): AsymmetricMatcher;
  /** Matches a string matching `pattern`. */
  stringMatching(pattern: string | RegExp): AsymmetricMatcher;
  /** Matches a number close to `expected`. */
  closeTo(expected: number, numDigits?: number): AsymmetricMatcher;
}

/**
 * Starts an expectation: `expect(value).toBe(…)`, `.not`, `.resolves`,
 * `.rejects`.
 */
export const expect: ExpectStatic = Object.assign(
  <T = unknown>(actual: T, _msg?: string): Expected =>
    build(actual, { not: false, mode: "value" }) as Expected,
  {
    // deno-lint-ignore no-explicit-any
    any: (type: abstract new (...args: any[]) => unknown) =>
      new AnyMatcher(type),
    anything: () => new AnythingMatcher(),
    arrayContaining: (items: readonly unknown[]) =>
      new PredicateMatcher(
        `ArrayContaining ${show(items)}`,
        (other) =>
          Array.isArray(other) &&
          items.every((item) => other.some((o) => equals(o, item))),
      ),
    objectContaining: (properties: object) =>
      new PredicateMatcher(
        `ObjectContaining ${show(properties)}`,
        (other) => matchesObject(other, properties),
      ),
    stringContaining: (text: string) =>
      new PredicateMatcher(
        `StringContaining ${show(text)}`,
        (other) => typeof other === "string" && other.includes(text),
      ),
    stringMatching: (pattern: string | RegExp) =>
      new PredicateMatcher(
        `StringMatching ${String(pattern)}`,
        (other) =>
          typeof other === "string" &&
          (typeof pattern === "string"
            ? other.includes(pattern)
            : pattern.test(other)),
      ),
    closeTo: (expected: number, numDigits = 2) =>
      new PredicateMatcher(
        `NumberCloseTo ${expected} (${numDigits} digits)`,
        (other) =>
          typeof other === "number" &&
          Math.abs(expected - other) < 10 ** -numDigits / 2,
      ),
  },
);
