/**
 * Assertions with the API of Deno's standard `@std/assert`, for generated
 * tests that run in the sandbox (which has no network and no module cache).
 *
 * The sandbox's import map points `jsr:@std/assert`, `@std/assert`,
 * `https://deno.land/std@…/assert/*.ts` and `…/testing/asserts.ts` here.
 * Written on `node:assert`; every failure throws {@linkcode AssertionError}
 * whose message names the expected and the actual value.
 *
 * @example
 * ```ts
 * // In the sandbox the import reads `jsr:@std/assert`.
 * import { assertEquals, assertThrows } from "./assert.ts";
 * assertEquals(1 + 2, 3);
 * assertThrows(() => assertEquals(1 + 2, 4));
 * ```
 *
 * @module
 */

import nodeAssert from "node:assert";

/** Thrown by every assertion of this module when it fails. */
export class AssertionError extends Error {
  override name = "AssertionError";
  /** @param message what failed @param options the usual `cause` */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Any value that is false in a condition. */
export type Falsy = false | 0 | 0n | "" | null | undefined;

/** A class (or abstract class) whose instances an assertion expects. */
// deno-lint-ignore no-explicit-any
export type AnyConstructor = abstract new (...args: any[]) => any;

/** Formats a value on one line for a failure message. */
export function format(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  return Deno.inspect(value, {
    depth: 8,
    sorted: true,
    compact: true,
    breakLength: Infinity,
    iterableLimit: 200,
    getters: true,
    strAbbreviateSize: 1000,
  });
}

function suffix(msg: string | undefined): string {
  return msg ? `: ${msg}` : ".";
}

/**
 * Deep structural equality as `assertEquals` uses it: same prototypes, same
 * own enumerable keys, recursively; Dates by time, Maps and Sets by content.
 */
export function equal(a: unknown, b: unknown): boolean {
  try {
    nodeAssert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** The "+ actual - expected" diff that node:assert writes for two values. */
function diff(actual: unknown, expected: unknown): string {
  try {
    nodeAssert.deepStrictEqual(actual, expected);
  } catch (error) {
    if (error instanceof nodeAssert.AssertionError) {
      const lines = error.message.split("\n");
      // Drop node's own first line ("Expected values to be strictly …").
      return lines.slice(1).join("\n").trim();
    }
  }
  return `actual: ${format(actual)}\nexpected: ${format(expected)}`;
}

/** Fails unless `expr` is truthy. */
export function assert(expr: unknown, msg = ""): asserts expr {
  if (!expr) {
    throw new AssertionError(
      msg || `Expected the expression to be truthy, got ${format(expr)}`,
    );
  }
}

/** Fails unless `expr` is falsy. */
export function assertFalse(expr: unknown, msg = ""): asserts expr is Falsy {
  if (expr) {
    throw new AssertionError(
      msg || `Expected the expression to be falsy, got ${format(expr)}`,
    );
  }
}

/** The message of a failed equality: both values on a line each, then the diff. */
function notEqual(
  what: string,
  actual: unknown,
  expected: unknown,
  msg: string | undefined,
): string {
  return `${what}${suffix(msg)}\nexpected: ${format(expected)}\nactual:   ${
    format(actual)
  }\n\n${diff(actual, expected)}`;
}

/** Fails unless `actual` and `expected` are deeply equal. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (equal(actual, expected)) return;
  throw new AssertionError(
    notEqual("Values are not equal", actual, expected, msg),
  );
}

/** Fails when `actual` and `expected` are deeply equal. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!equal(actual, expected)) return;
  throw new AssertionError(
    `Expected actual: ${format(actual)} not to be equal to: ${
      format(expected)
    }${msg ? `: ${msg}` : ""}`,
  );
}

/** Fails unless `Object.is(actual, expected)`. */
export function assertStrictEquals<T>(
  actual: unknown,
  expected: T,
  msg?: string,
): asserts actual is T {
  if (Object.is(actual, expected)) return;
  const same = format(actual) === format(expected);
  throw new AssertionError(
    same
      ? `Values have the same structure but are not reference-equal${
        suffix(msg)
      }\n\n    ${format(actual)}`
      : notEqual("Values are not strictly equal", actual, expected, msg),
  );
}

/** Fails when `Object.is(actual, expected)`. */
export function assertNotStrictEquals<T>(
  actual: T,
  expected: T,
  msg?: string,
): void {
  if (!Object.is(actual, expected)) return;
  throw new AssertionError(
    `Expected "actual" to not be strictly equal to: ${format(expected)}${
      msg ? `: ${msg}` : ""
    }`,
  );
}

/** Fails when `actual` is `null` or `undefined`. */
export function assertExists<T>(
  actual: T,
  msg?: string,
): asserts actual is NonNullable<T> {
  if (actual === undefined || actual === null) {
    throw new AssertionError(
      msg ??
        `Expected actual: "${actual}" to not be null or undefined`,
    );
  }
}

/** Fails unless `actual` and `expected` differ by at most `tolerance`. */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance?: number,
  msg?: string,
): void {
  if (Object.is(actual, expected)) return;
  const delta = Math.abs(expected - actual);
  const limit = tolerance ?? Math.abs(expected) * 1e-7;
  if (delta <= limit) return;
  throw new AssertionError(
    `Expected actual: "${actual}" to be close to "${expected}": delta "${delta}" is greater than "${limit}"${
      msg ? `: ${msg}` : ""
    }`,
  );
}

/** Fails unless `actual` is an instance of `expectedType`. */
export function assertInstanceOf<T extends AnyConstructor>(
  actual: unknown,
  expectedType: T,
  msg = "",
): asserts actual is InstanceType<T> {
  if (actual instanceof expectedType) return;
  const got = actual === null
    ? "null"
    : typeof actual === "object"
    ? (actual.constructor?.name ?? "Object")
    : typeof actual;
  throw new AssertionError(
    msg ||
      `Expected object to be an instance of "${expectedType.name}" but was "${got}"`,
  );
}

/** Fails when `actual` is an instance of `unexpectedType`. */
export function assertNotInstanceOf<A, T>(
  actual: A,
  // deno-lint-ignore no-explicit-any
  unexpectedType: abstract new (...args: any[]) => T,
  msg?: string,
): asserts actual is Exclude<A, T> {
  if (!(actual instanceof unexpectedType)) return;
  throw new AssertionError(
    msg ??
      `Expected object to not be an instance of "${unexpectedType.name}"`,
  );
}

/** Fails unless `actual` matches `expected`. */
export function assertMatch(
  actual: string,
  expected: RegExp,
  msg?: string,
): void {
  if (expected.test(actual)) return;
  throw new AssertionError(
    msg ?? `Expected actual: "${actual}" to match: "${expected}"`,
  );
}

/** Fails when `actual` matches `expected`. */
export function assertNotMatch(
  actual: string,
  expected: RegExp,
  msg?: string,
): void {
  if (!expected.test(actual)) return;
  throw new AssertionError(
    msg ?? `Expected actual: "${actual}" to not match: "${expected}"`,
  );
}

/** Fails unless `actual` contains the text `expected`. */
export function assertStringIncludes(
  actual: string,
  expected: string,
  msg?: string,
): void {
  if (actual.includes(expected)) return;
  throw new AssertionError(
    msg ?? `Expected actual: "${actual}" to contain: "${expected}"`,
  );
}

/** Fails unless every item of `expected` is deeply equal to one in `actual`. */
export function assertArrayIncludes<T>(
  actual: ArrayLike<T>,
  expected: ArrayLike<T>,
  msg?: string,
): void {
  const have = Array.from(actual);
  const missing = Array.from(expected).filter((item) =>
    !have.some((candidate) => equal(candidate, item))
  );
  if (missing.length === 0) return;
  throw new AssertionError(
    msg ??
      `Expected actual: ${format(have)} to include: ${
        format(Array.from(expected))
      }\nmissing: ${format(missing)}`,
  );
}

/** Keeps only the keys of `actual` that `expected` names, recursively. */
function project(
  actual: unknown,
  expected: unknown,
  seen: WeakMap<object, unknown>,
): unknown {
  if (
    typeof actual !== "object" || actual === null ||
    typeof expected !== "object" || expected === null
  ) {
    return actual;
  }
  if (seen.has(actual)) return seen.get(actual);
  if (Array.isArray(actual) && Array.isArray(expected)) {
    const out: unknown[] = [];
    seen.set(actual, out);
    actual.forEach((item, i) => out.push(project(item, expected[i], seen)));
    return out;
  }
  if (
    actual instanceof Date || actual instanceof RegExp ||
    actual instanceof Map || actual instanceof Set || Array.isArray(actual)
  ) {
    return actual;
  }
  const out: Record<PropertyKey, unknown> = {};
  seen.set(actual, out);
  const source = actual as Record<PropertyKey, unknown>;
  for (const key of Reflect.ownKeys(expected)) {
    if (key in source) {
      out[key] = project(
        source[key],
        (expected as Record<PropertyKey, unknown>)[key],
        seen,
      );
    }
  }
  return out;
}

/** Plain copy of an object, for comparing it with a plain expected object. */
function plain(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(plain);
  if (
    value instanceof Date || value instanceof RegExp ||
    value instanceof Map || value instanceof Set
  ) {
    return value;
  }
  const out: Record<PropertyKey, unknown> = {};
  for (const key of Reflect.ownKeys(value)) {
    out[key] = plain((value as Record<PropertyKey, unknown>)[key]);
  }
  return out;
}

/** Fails unless `actual` has (at least) the properties of `expected`, deeply. */
export function assertObjectMatch(
  // deno-lint-ignore no-explicit-any
  actual: Record<PropertyKey, any>,
  expected: Record<PropertyKey, unknown>,
  msg?: string,
): void {
  const subset = plain(project(actual, expected, new WeakMap()));
  assertEquals(subset, plain(expected), msg);
}

function compare<T>(
  actual: T,
  expected: T,
  ok: boolean,
  relation: string,
  msg: string | undefined,
): void {
  if (ok) return;
  throw new AssertionError(
    msg ??
      `Expect ${format(actual)} ${relation} ${format(expected)}`,
  );
}

/** Fails unless `actual > expected`. */
export function assertGreater<T>(actual: T, expected: T, msg?: string): void {
  compare(actual, expected, actual > expected, ">", msg);
}

/** Fails unless `actual >= expected`. */
export function assertGreaterOrEqual<T>(
  actual: T,
  expected: T,
  msg?: string,
): void {
  compare(actual, expected, actual >= expected, ">=", msg);
}

/** Fails unless `actual < expected`. */
export function assertLess<T>(actual: T, expected: T, msg?: string): void {
  compare(actual, expected, actual < expected, "<", msg);
}

/** Fails unless `actual <= expected`. */
export function assertLessOrEqual<T>(
  actual: T,
  expected: T,
  msg?: string,
): void {
  compare(actual, expected, actual <= expected, "<=", msg);
}

/** Always fails. */
export function fail(msg?: string): never {
  throw new AssertionError(`Failed assertion${msg ? `: ${msg}` : "."}`);
}

/** Fails: marks code that must not be reached. */
export function unreachable(msg?: string): never {
  throw new AssertionError(msg ?? "Unreachable code was reached.");
}

/** Fails: marks code that is not written yet. */
export function unimplemented(msg?: string): never {
  throw new AssertionError(`Unimplemented${msg ? `: ${msg}` : "."}`);
}

function describeError(error: unknown): string {
  return error instanceof Error
    ? `${error.constructor.name}: ${error.message}`
    : format(error);
}

function matches(text: string, pattern: string | RegExp): boolean {
  return typeof pattern === "string"
    ? text.includes(pattern)
    : pattern.test(text);
}

/**
 * Fails unless `error` is an Error (of `ErrorClass`, when given) whose message
 * includes `msgMatches`.
 */
export function assertIsError<E extends Error = Error>(
  error: unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: abstract new (...args: any[]) => E,
  msgMatches?: string | RegExp,
  msg?: string,
): asserts error is E {
  const tail = msg ? `: ${msg}` : ".";
  if (!(error instanceof Error)) {
    throw new AssertionError(
      `Expected "error" to be an Error object, got ${format(error)}${tail}`,
    );
  }
  if (ErrorClass && !(error instanceof ErrorClass)) {
    throw new AssertionError(
      `Expected error to be instance of "${ErrorClass.name}", but was "${error.constructor.name}" (${error.message})${tail}`,
    );
  }
  if (msgMatches !== undefined && !matches(error.message, msgMatches)) {
    throw new AssertionError(
      `Expected error message to include ${
        msgMatches instanceof RegExp
          ? String(msgMatches)
          : JSON.stringify(msgMatches)
      }, but got ${JSON.stringify(error.message)}${tail}`,
    );
  }
}

/** Fails unless `fn` throws; returns what it threw. */
export function assertThrows(fn: () => unknown, msg?: string): unknown;
/** Fails unless `fn` throws an `ErrorClass` whose message includes `msgIncludes`. */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass: abstract new (...args: any[]) => E,
  msgIncludes?: string,
  msg?: string,
): E;
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  errorClassOrMsg?: (abstract new (...args: any[]) => E) | string,
  msgIncludesOrMsg?: string,
  msg?: string,
): E | unknown {
  const ErrorClass = typeof errorClassOrMsg === "function"
    ? errorClassOrMsg
    : undefined;
  const message = typeof errorClassOrMsg === "string" ? errorClassOrMsg : msg;
  let thrown: { error: unknown } | undefined;
  try {
    fn();
  } catch (error) {
    thrown = { error };
  }
  if (!thrown) {
    throw new AssertionError(
      `Expected function to throw${message ? `: ${message}` : "."}`,
    );
  }
  if (ErrorClass) {
    try {
      assertIsError(thrown.error, ErrorClass, msgIncludesOrMsg, message);
    } catch (error) {
      if (error instanceof AssertionError && !(thrown.error instanceof Error)) {
        throw new AssertionError(
          `A non-Error object was thrown: ${describeError(thrown.error)}`,
        );
      }
      throw error;
    }
  }
  return thrown.error;
}

/** Fails unless the promise `fn` returns rejects; returns the reason. */
export function assertRejects(
  fn: () => PromiseLike<unknown>,
  msg?: string,
): Promise<unknown>;
/** Fails unless `fn` rejects with an `ErrorClass` whose message includes `msgIncludes`. */
export function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  // deno-lint-ignore no-explicit-any
  ErrorClass: abstract new (...args: any[]) => E,
  msgIncludes?: string,
  msg?: string,
): Promise<E>;
export async function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  // deno-lint-ignore no-explicit-any
  errorClassOrMsg?: (abstract new (...args: any[]) => E) | string,
  msgIncludesOrMsg?: string,
  msg?: string,
): Promise<E | unknown> {
  const ErrorClass = typeof errorClassOrMsg === "function"
    ? errorClassOrMsg
    : undefined;
  const message = typeof errorClassOrMsg === "string" ? errorClassOrMsg : msg;
  let thrown: { error: unknown } | undefined;
  let returned: unknown;
  try {
    returned = fn();
  } catch (error) {
    throw new AssertionError(
      `Function throws when expected to reject: ${describeError(error)}${
        message ? `: ${message}` : ""
      }`,
    );
  }
  if (
    typeof returned !== "object" || returned === null ||
    typeof (returned as PromiseLike<unknown>).then !== "function"
  ) {
    throw new AssertionError(
      `Function throws when expected to reject: the function did not return a promise${
        message ? `: ${message}` : ""
      }`,
    );
  }
  try {
    await returned;
  } catch (error) {
    thrown = { error };
  }
  if (!thrown) {
    throw new AssertionError(
      `Expected function to reject${message ? `: ${message}` : "."}`,
    );
  }
  if (ErrorClass) {
    assertIsError(thrown.error, ErrorClass, msgIncludesOrMsg, message);
  }
  return thrown.error;
}
