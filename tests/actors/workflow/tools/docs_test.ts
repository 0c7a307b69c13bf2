import { assert, fc } from "../../../deps.ts";
import {
  extractModules,
  generateDocs,
  parseDocComment,
} from "../../../../actors/workflow/tools/docs.ts";

const MATH = `/**
 * Math helpers.
 *
 * @module
 */

/**
 * Adds two numbers.
 *
 * @param a - the first
 * @param b the second
 * @returns the sum
 * @example
 * \`\`\`ts
 * add(1, 2); // 3
 * \`\`\`
 */
export function add(
  a: number,
  b: number,
): number {
  return a + b;
}

function helper(): void {}

/** A counter. */
export class Counter extends Base {
  /** Current value. */
  value = 0;
  #secret = 1;
  private hidden = 2;
  /** Creates it. */
  constructor(readonly start: number) {
    super();
  }
  /** Increments. */
  inc(by = 1): number {
    if (by > 0) { return this.value += by; }
    return this.value;
  }
}

/** Options. */
export interface Options {
  name: string;
}

export type Mode = "a" | "b";

/** Doubles. */
export const double = async (x: number): Promise<number> => x * 2;

export { add as plus } from "./other.ts";
export type { Options as Opts };
`;

Deno.test("exported symbols are documented with signatures and JSDoc", async () => {
  const md = await generateDocs([{ path: "src/math.ts", content: MATH }], {
    title: "Calculator",
  });
  assert.match(md, /^# Calculator\n/);
  assert.match(md, /- \[src\/math\.ts\]\(#srcmathts\) — Math helpers\./);
  assert.match(
    md,
    /### function add\n\n```ts\nfunction add\(a: number, b: number\): number\n```\n\nAdds two numbers\./,
  );
  assert.match(md, /\| `a` \| the first \|/);
  assert.match(md, /\| `b` \| the second \|/);
  assert.match(md, /\*\*Returns:\*\* the sum/);
  assert.match(md, /```ts\nadd\(1, 2\); \/\/ 3\n```/);
  assert.match(
    md,
    /### class Counter\n\n```ts\nclass Counter extends Base\n```/,
  );
  assert.match(md, /#### property value\n[\s\S]*Current value\./);
  assert.match(
    md,
    /#### constructor constructor\n\n```ts\nconstructor\(readonly start: number\)\n```/,
  );
  assert.match(
    md,
    /#### method inc\n\n```ts\ninc\(by = 1\): number\n```\n\nIncrements\./,
  );
  assert.match(
    md,
    /### interface Options\n\n```ts\ninterface Options \{\n {2}name: string;\n\}\n```/,
  );
  assert.match(
    md,
    /### type Mode\n\n```ts\ntype Mode = "a" \| "b"\n```\n\n_Not documented\._/,
  );
  assert.match(
    md,
    /### function double\n\n```ts\nconst double = async \(x: number\): Promise<number> =>\n```/,
  );
  assert.match(md, /- `export \{ add as plus \} from "\.\/other\.ts"`/);
  assert.match(md, /- `export type \{ Options as Opts \}`/);
  assert.doesNotMatch(md, /function helper|secret|hidden/);
});

Deno.test("python modules use signatures and docstrings", async () => {
  const md = await generateDocs([{
    path: "lib/strings.py",
    content: `"""Tools for strings."""

def shout(text: str, times: int = 1) -> str:
    """Upper-cases text."""
    return text.upper() * times

def _private():
    pass

class Greeter:
    """Greets."""
    def greet(self) -> str:
        """Says hello."""
        return "hi"
`,
  }]);
  assert.match(
    md,
    /- \[lib\/strings\.py\]\(#libstringspy\) — Tools for strings\./,
  );
  assert.match(
    md,
    /### function shout\n\n```python\ndef shout\(text: str, times: int = 1\) -> str\n```\n\nUpper-cases text\./,
  );
  assert.match(
    md,
    /### class Greeter[\s\S]*#### method greet[\s\S]*Says hello\./,
  );
  assert.doesNotMatch(md, /_private/);
});

Deno.test("output is deterministic: file order does not matter and test files are left out", async () => {
  const files = [
    { path: "src/b.ts", content: "/** B. */\nexport const b = 2;\n" },
    { path: "src/a.ts", content: "/** A. */\nexport const a = 1;\n" },
    { path: "src/a_test.ts", content: "export const t = 1;\n" },
  ];
  const one = await generateDocs(files);
  const two = await generateDocs([...files].reverse());
  assert.equal(one, two);
  assert.ok(one.indexOf("## src/a.ts") < one.indexOf("## src/b.ts"));
  assert.doesNotMatch(one, /a_test/);
  assert.deepEqual((await extractModules(files)).map((m) => m.path), [
    "src/a.ts",
    "src/b.ts",
  ]);
});

Deno.test("doc comments are parsed into description and tags", () => {
  const doc = parseDocComment(`/**
   * Fetches a user.
   *
   * Uses {@linkcode Cache} first.
   *
   * @param {string} id - the user's id
   *   spanning two lines
   * @returns {Promise<User>} the user
   * @throws NotFoundError when missing
   * @deprecated use getUser
   */`);
  assert.equal(doc.description, "Fetches a user.\n\nUses `Cache` first.");
  assert.deepEqual(doc.params, [{
    name: "id",
    description: "the user's id spanning two lines",
  }]);
  assert.equal(doc.returns, "the user");
  assert.deepEqual(doc.throws, ["NotFoundError when missing"]);
  assert.equal(doc.deprecated, "use getUser");
});

Deno.test("modules without exports say so, and no input makes it throw", async () => {
  assert.match(
    await generateDocs([{ path: "x.ts", content: "const a = 1;\n" }]),
    /_No exported symbols\._/,
  );
  assert.match(await generateDocs([]), /_No modules\._/);
  await fc.assert(
    fc.asyncProperty(
      fc.string({ maxLength: 300 }),
      fc.constantFrom("a.ts", "b.py", "c.js"),
      async (content, path) => {
        const a = await generateDocs([{ path, content: "export " + content }]);
        const b = await generateDocs([{ path, content: "export " + content }]);
        return typeof a === "string" && a === b;
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("exported arrows, default exports, declared functions and namespaces are documented", async () => {
  const md = await generateDocs([{
    path: "src/api.ts",
    content: `/** Parses a number. */
export const parse = <T extends string>(text: T): number => Number(text);

/** The main entry. */
export default async function main(args: string[]): Promise<void> {}

/** Native helper. */
export declare function native(x: number): number;

/** Colours. */
export enum Colour { Red, Green }

/** Helpers. */
export namespace Util {
  export const x = 1;
}

export abstract class Shape {
  /** Area of the shape. */
  abstract area(): number;
  protected secret(): void {}
  static readonly sides: number = 0;
}
`,
  }]);
  assert.match(
    md,
    /### function parse\n\n```ts\nconst parse = <T extends string>\(text: T\): number =>\n```\n\nParses a number\./,
  );
  assert.match(
    md,
    /### function main\n\n```ts\nasync function main\(args: string\[\]\): Promise<void>\n```\n\nThe main entry\./,
  );
  assert.match(
    md,
    /### function native\n\n```ts\nfunction native\(x: number\): number\n```/,
  );
  assert.match(
    md,
    /### enum Colour\n\n```ts\nenum Colour \{ Red, Green \}\n```/,
  );
  assert.match(
    md,
    /### namespace Util\n\n```ts\nnamespace Util\n```\n\nHelpers\./,
  );
  assert.match(md, /### class Shape\n\n```ts\nabstract class Shape\n```/);
  assert.match(
    md,
    /#### method area\n\n```ts\nabstract area\(\): number\n```\n\nArea of the shape\./,
  );
  assert.match(
    md,
    /#### property sides\n\n```ts\nstatic readonly sides: number\n```/,
  );
  assert.doesNotMatch(md, /secret/);
});

Deno.test("python docs cover async and decorated functions, constructors and class docstrings", async () => {
  const md = await generateDocs([{
    path: "svc.py",
    content: `import functools

@functools.cache
def cached(n: int) -> int:
    """Cached work.

    Args:
        n: how much.
    """
    return n

async def fetch(url: str) -> bytes:
    '''Fetches url.'''
    return b""

class Client(Base):
    """Talks to the service."""

    def __init__(self, host: str):
        """Connects to host."""
        self.host = host

    @property
    def ready(self) -> bool:
        return True

    def _hidden(self):
        pass
`,
  }]);
  assert.match(
    md,
    /### function cached\n\n```python\ndef cached\(n: int\) -> int\n```\n\nCached work\./,
  );
  assert.match(
    md,
    /### function fetch\n\n```python\nasync def fetch\(url: str\) -> bytes\n```\n\nFetches url\./,
  );
  assert.match(
    md,
    /### class Client\n\n```python\nclass Client\(Base\)\n```\n\nTalks to the service\./,
  );
  assert.match(
    md,
    /#### constructor __init__\n\n```python\ndef __init__\(self, host: str\)\n```\n\nConnects to host\./,
  );
  assert.match(
    md,
    /#### method ready\n\n```python\ndef ready\(self\) -> bool\n```\n\n_Not documented\._/,
  );
  assert.doesNotMatch(md, /_hidden/);
});
