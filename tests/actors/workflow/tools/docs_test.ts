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
