/**
 * `describe`/`it` with the API of Deno's standard `@std/testing/bdd`, for
 * generated tests that run in the sandbox (no network, no module cache).
 *
 * The sandbox's import map points `jsr:@std/testing/bdd`,
 * `@std/testing/bdd` and `https://deno.land/std@…/testing/bdd.ts` here.
 * A top-level `describe` becomes one `Deno.test`; the `it`s and `describe`s
 * inside it become `t.step`s, so the JUnit report lists each of them. A
 * top-level `it` is a `Deno.test` of its own. `beforeAll`/`afterAll` run once
 * around their suite, `beforeEach`/`afterEach` around every `it` below them
 * (outer hooks first, inner ones last; after-hooks in reverse). Hooks at the
 * top level apply to every test of the file.
 *
 * Registration is global by nature (like the original): the suite being
 * defined is the one piece of module state here.
 *
 * @example
 * ```ts ignore
 * // Not run as a doc test: a doc test is itself a test, and `describe`
 * // registers tests of its own (Deno allows no nested Deno.test).
 * // In the sandbox the imports read `jsr:@std/testing/bdd` and `jsr:@std/expect`.
 * import { describe, it } from "./bdd.ts";
 * import { expect } from "./expect.ts";
 * describe("add", () => {
 *   it("adds", () => expect(1 + 2).toBe(3));
 * });
 * ```
 *
 * @module
 */

/** What an `it` or a hook receives as `this`: shared with its suite's hooks. */
export type TestContext = Record<PropertyKey, unknown>;

/** The body of an `it`. */
export type ItFn = (
  this: TestContext,
  t: Deno.TestContext,
) => void | Promise<void>;

/** A `beforeAll`/`afterAll`/`beforeEach`/`afterEach` hook. */
export type HookFn = (this: TestContext) => void | Promise<void>;

/** Options shared by `describe` and `it` (those of `Deno.test`). */
export interface BddOptions {
  /** Skip it. */
  ignore?: boolean;
  /** Run only the tests marked `only` (the run then fails, as Deno does). */
  only?: boolean;
  /** Check for leaked async ops. */
  sanitizeOps?: boolean;
  /** Check for leaked resources. */
  sanitizeResources?: boolean;
  /** Check for `Deno.exit` calls. */
  sanitizeExit?: boolean;
  /** Permissions of the test (the sandbox still caps them). */
  permissions?: Deno.PermissionOptions;
}

/** A full `it` definition (`it({ name, fn })`). */
export interface ItDefinition extends BddOptions {
  /** The test's name. */
  name: string;
  /** The test's body. */
  fn: ItFn;
}

/** A full `describe` definition (`describe({ name, fn })`). */
export interface DescribeDefinition extends BddOptions {
  /** The suite's name. */
  name: string;
  /** Registers the suite's tests and hooks; runs at once. */
  fn?: () => void;
  /** Hooks can also be given here. */
  beforeAll?: HookFn | HookFn[];
  /** Run once after the suite's tests. */
  afterAll?: HookFn | HookFn[];
  /** Run before every test below. */
  beforeEach?: HookFn | HookFn[];
  /** Run after every test below. */
  afterEach?: HookFn | HookFn[];
}

interface TestNode {
  kind: "it";
  name: string;
  fn: ItFn;
  options: BddOptions;
}

interface SuiteNode {
  kind: "suite";
  name: string;
  parent: SuiteNode | null;
  options: BddOptions;
  children: (SuiteNode | TestNode)[];
  beforeAll: HookFn[];
  afterAll: HookFn[];
  beforeEach: HookFn[];
  afterEach: HookFn[];
  context: TestContext;
}

function newSuite(
  name: string,
  parent: SuiteNode | null,
  options: BddOptions,
): SuiteNode {
  return {
    kind: "suite",
    name,
    parent,
    options,
    children: [],
    beforeAll: [],
    afterAll: [],
    beforeEach: [],
    afterEach: [],
    context: Object.create(parent?.context ?? null),
  };
}

/** The suite being defined; the root holds the file's top-level hooks. */
const state: {
  current: SuiteNode;
  root: SuiteNode;
  topLevel: number;
  done: number;
  rootStarted: boolean;
} = (() => {
  const root = newSuite("", null, {});
  return { current: root, root, topLevel: 0, done: 0, rootStarted: false };
})();

function testOptions(
  options: BddOptions,
): Omit<Deno.TestDefinition, "name" | "fn"> {
  const out: Omit<Deno.TestDefinition, "name" | "fn"> = {};
  if (options.ignore !== undefined) out.ignore = options.ignore;
  if (options.only !== undefined) out.only = options.only;
  if (options.sanitizeOps !== undefined) out.sanitizeOps = options.sanitizeOps;
  if (options.sanitizeResources !== undefined) {
    out.sanitizeResources = options.sanitizeResources;
  }
  if (options.sanitizeExit !== undefined) {
    out.sanitizeExit = options.sanitizeExit;
  }
  if (options.permissions !== undefined) out.permissions = options.permissions;
  return out;
}

function hasOnly(node: SuiteNode | TestNode): boolean {
  if (node.options.only) return true;
  return node.kind === "suite" && node.children.some(hasOnly);
}

function ancestors(suite: SuiteNode): SuiteNode[] {
  const chain: SuiteNode[] = [];
  for (let s: SuiteNode | null = suite; s; s = s.parent) chain.unshift(s);
  return chain;
}

async function runHooks(hooks: HookFn[], context: TestContext): Promise<void> {
  for (const hook of hooks) await hook.call(context);
}

/** Root `beforeAll` runs before the first top-level test, `afterAll` after the last. */
async function startRoot(): Promise<void> {
  if (state.rootStarted) return;
  state.rootStarted = true;
  await runHooks(state.root.beforeAll, state.root.context);
}

async function finishRoot(): Promise<void> {
  state.done++;
  if (state.done === state.topLevel) {
    await runHooks(state.root.afterAll, state.root.context);
  }
}

async function runTest(
  test: TestNode,
  suite: SuiteNode,
  t: Deno.TestContext,
): Promise<void> {
  const chain = ancestors(suite);
  const context: TestContext = Object.create(suite.context);
  let ran = 0;
  try {
    for (const s of chain) {
      await runHooks(s.beforeEach, context);
      ran++;
    }
    await test.fn.call(context, t);
  } finally {
    for (const s of chain.slice(0, ran).reverse()) {
      await runHooks([...s.afterEach].reverse(), context);
    }
  }
}

async function runSuite(suite: SuiteNode, t: Deno.TestContext): Promise<void> {
  const focus = suite.children.some(hasOnly);
  await runHooks(suite.beforeAll, suite.context);
  try {
    for (const child of suite.children) {
      const ignore = child.options.ignore === true ||
        (focus && !hasOnly(child));
      await t.step({
        ...testOptions(child.options),
        name: child.name,
        ignore,
        fn: child.kind === "it"
          ? (inner) => runTest(child, suite, inner)
          : (inner) => runSuite(child, inner),
      });
    }
  } finally {
    await runHooks([...suite.afterAll].reverse(), suite.context);
  }
}

function register(node: SuiteNode | TestNode): void {
  const parent = state.current;
  if (parent !== state.root) {
    parent.children.push(node);
    return;
  }
  if (!node.options.ignore) state.topLevel++;
  Deno.test({
    ...testOptions(node.options),
    only: hasOnly(node),
    name: node.name,
    fn: async (t) => {
      await startRoot();
      try {
        if (node.kind === "it") await runTest(node, state.root, t);
        else await runSuite(node, t);
      } finally {
        await finishRoot();
      }
    },
  });
}

function itDefinition(
  args: [ItDefinition] | [string, ItFn] | [string, BddOptions, ItFn],
  extra: BddOptions,
): TestNode {
  if (args.length === 1) {
    const { name, fn, ...options } = args[0];
    return { kind: "it", name, fn, options: { ...options, ...extra } };
  }
  if (args.length === 2) {
    return { kind: "it", name: args[0], fn: args[1], options: { ...extra } };
  }
  return {
    kind: "it",
    name: args[0],
    fn: args[2],
    options: { ...args[1], ...extra },
  };
}

type ItArgs = [ItDefinition] | [string, ItFn] | [string, BddOptions, ItFn];

/** `it` and its `.only`, `.skip` and `.ignore` forms. */
export interface ItFunction {
  /** Registers a test. */
  (...args: ItArgs): void;
  /** Registers a test that runs alone (the run then fails, as Deno does). */
  only(...args: ItArgs): void;
  /** Registers a skipped test. */
  skip(...args: ItArgs): void;
  /** Registers a skipped test. */
  ignore(...args: ItArgs): void;
}

function makeIt(): ItFunction {
  const define = (extra: BddOptions) => (...args: ItArgs): void => {
    register(itDefinition(args, extra));
  };
  return Object.assign(define({}), {
    only: define({ only: true }),
    skip: define({ ignore: true }),
    ignore: define({ ignore: true }),
  });
}

/** Registers a test (a step when inside a `describe`). */
export const it: ItFunction = makeIt();
/** Alias of {@linkcode it}. */
export const test: ItFunction = it;

type DescribeArgs =
  | [DescribeDefinition]
  | [string, () => void]
  | [string, BddOptions, () => void];

/** `describe` and its `.only`, `.skip` and `.ignore` forms. */
export interface DescribeFunction {
  /** Defines a suite; its body runs at once to register tests and hooks. */
  (...args: DescribeArgs): void;
  /** Defines a suite that runs alone (the run then fails, as Deno does). */
  only(...args: DescribeArgs): void;
  /** Defines a skipped suite. */
  skip(...args: DescribeArgs): void;
  /** Defines a skipped suite. */
  ignore(...args: DescribeArgs): void;
}

const asList = (hooks: HookFn | HookFn[] | undefined): HookFn[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];

function makeDescribe(): DescribeFunction {
  const define = (extra: BddOptions) => (...args: DescribeArgs): void => {
    let name: string;
    let options: BddOptions;
    let body: (() => void) | undefined;
    const hooks: Partial<
      Record<"beforeAll" | "afterAll" | "beforeEach" | "afterEach", HookFn[]>
    > = {};
    if (args.length === 1) {
      const {
        name: n,
        fn,
        beforeAll: ba,
        afterAll: aa,
        beforeEach: be,
        afterEach: ae,
        ...rest
      } = args[0];
      name = n;
      options = rest;
      body = fn;
      hooks.beforeAll = asList(ba);
      hooks.afterAll = asList(aa);
      hooks.beforeEach = asList(be);
      hooks.afterEach = asList(ae);
    } else if (args.length === 2) {
      [name, body] = args;
      options = {};
    } else {
      [name, options, body] = args;
    }
    const suite = newSuite(name, state.current, { ...options, ...extra });
    suite.beforeAll.push(...(hooks.beforeAll ?? []));
    suite.afterAll.push(...(hooks.afterAll ?? []));
    suite.beforeEach.push(...(hooks.beforeEach ?? []));
    suite.afterEach.push(...(hooks.afterEach ?? []));
    const parent = state.current;
    state.current = suite;
    try {
      const result: unknown = body?.();
      if (result instanceof Promise) {
        throw new Error(
          `describe("${name}") got an async body: register tests synchronously and put async work in the it()s or hooks`,
        );
      }
    } finally {
      state.current = parent;
    }
    register(suite);
  };
  return Object.assign(define({}), {
    only: define({ only: true }),
    skip: define({ ignore: true }),
    ignore: define({ ignore: true }),
  });
}

/** Defines a suite of tests. */
export const describe: DescribeFunction = makeDescribe();

/** Runs `fn` once before the tests of the current suite (or file). */
export function beforeAll(fn: HookFn): void {
  state.current.beforeAll.push(fn);
}

/** Runs `fn` once after the tests of the current suite (or file). */
export function afterAll(fn: HookFn): void {
  state.current.afterAll.push(fn);
}

/** Runs `fn` before every test of the current suite (or file). */
export function beforeEach(fn: HookFn): void {
  state.current.beforeEach.push(fn);
}

/** Runs `fn` after every test of the current suite (or file). */
export function afterEach(fn: HookFn): void {
  state.current.afterEach.push(fn);
}
