/**
 * How real coder models answer, for the fake Ollama: a persona reads each
 * chat request the way a model would and answers in that model's habits.
 *
 * - A request with `format` (a JSON schema, Ollama >= 0.5) is answered with
 *   JSON valid for that schema when the server honours it, as Ollama's
 *   constrained decoding guarantees; an older server ignores `format` and the
 *   model writes what the prompt asked in its own style (a ```json fence,
 *   prose around the object, trailing commas).
 * - Any other request gets code: prose, then fenced blocks named the way the
 *   persona names files, with tests in the persona's style (node:assert,
 *   jsr:@std/assert, @std/testing/bdd, or an import the sandbox refuses).
 * - A prompt for Python gets ```python blocks with pytest-style or
 *   unittest-style tests (the latter with an `if __name__ == "__main__":`
 *   block), or a test importing numpy, which the sandbox refuses.
 * - qwen3 and deepseek-r1 reason in a `<think>` block first.
 *
 * What the model "knows" how to write is a small catalogue of modules picked
 * by the requirements' words (slugify, stack, otherwise clamp).
 *
 * @module
 */
import type { FakeReply, LoggedRequest } from "./ollama.ts";

/** A model's habits. */
export interface Persona {
  /** Whether the server honours `format` (Ollama >= 0.5) or ignores it. */
  readonly format: "honoured" | "ignored";
  /** How JSON is written when `format` is ignored. */
  readonly json?: "fenced" | "prose" | "trailing-commas" | "garbled";
  /** Where file names go. */
  readonly naming?: "info-string" | "before-fence" | "comment" | "unnamed";
  /** Test style. */
  readonly tests?:
    | "node-assert"
    | "std-assert"
    | "bdd"
    | "npm-import"
    | "esm-import";
  /** Test style when the prompt asks for Python. */
  readonly pythonTests?: "pytest" | "unittest" | "numpy-import";
  /** Reason in `<think>` first (qwen3, deepseek-r1). */
  readonly think?: boolean;
}

interface Module {
  readonly name: string;
  readonly source: string;
  /** Test bodies: `assertEqual(a, b)` lines turned into each style. */
  readonly cases: readonly {
    title: string;
    actual: string;
    expected: string;
  }[];
  readonly imports: string;
  /** The same module in Python, with its test cases as Python expressions. */
  readonly python: {
    readonly source: string;
    readonly cases: readonly {
      title: string;
      actual: string;
      expected: string;
    }[];
  };
}

const CATALOGUE: readonly { words: RegExp; module: Module }[] = [
  {
    words: /slug/i,
    module: {
      name: "slugify",
      imports: "slugify",
      source:
        `/** Turns a title into a URL slug: lower case, ASCII letters and digits joined by dashes. */
export function slugify(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\\u0300-\\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
`,
      cases: [
        {
          title: "lower-cases and joins words",
          actual: 'slugify("Hello World")',
          expected: '"hello-world"',
        },
        {
          title: "drops accents and symbols",
          actual: 'slugify("Crème Brûlée!")',
          expected: '"creme-brulee"',
        },
        {
          title: "trims dashes",
          actual: 'slugify("  --a--  ")',
          expected: '"a"',
        },
      ],
      python: {
        source: `"""Turns titles into URL slugs."""
import re
import unicodedata


def slugify(title: str) -> str:
    """Lower-cases the title and joins its ASCII words with dashes."""
    text = unicodedata.normalize("NFKD", title)
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")
`,
        cases: [
          {
            title: "lower cases and joins words",
            actual: 'slugify("Hello World")',
            expected: '"hello-world"',
          },
          {
            title: "drops accents and symbols",
            actual: 'slugify("Crème Brûlée!")',
            expected: '"creme-brulee"',
          },
          {
            title: "trims dashes",
            actual: 'slugify("  --a--  ")',
            expected: '"a"',
          },
        ],
      },
    },
  },
  {
    words: /stack|lifo/i,
    module: {
      name: "stack",
      imports: "Stack",
      source: `/** A last-in, first-out stack. */
export class Stack<T> {
  #items: T[] = [];
  /** Adds an item on top. */
  push(item: T): void {
    this.#items.push(item);
  }
  /** Removes and returns the top item. */
  pop(): T | undefined {
    return this.#items.pop();
  }
  /** The number of items. */
  get size(): number {
    return this.#items.length;
  }
}
`,
      cases: [
        {
          title: "pop returns the last pushed item",
          actual:
            "(() => { const s = new Stack<number>(); s.push(1); s.push(2); return s.pop(); })()",
          expected: "2",
        },
        {
          title: "size counts items",
          actual:
            '(() => { const s = new Stack<string>(); s.push("a"); return s.size; })()',
          expected: "1",
        },
      ],
      python: {
        source: `class Stack:
    """A last-in, first-out stack."""

    def __init__(self):
        self._items = []

    def push(self, item):
        """Adds an item on top."""
        self._items.append(item)

    def pop(self):
        """Removes and returns the top item."""
        return self._items.pop()

    def __len__(self):
        return len(self._items)
`,
        cases: [
          {
            title: "pop returns the last pushed item",
            actual: "_pushed(Stack(), 1, 2).pop()",
            expected: "2",
          },
          {
            title: "len counts items",
            actual: 'len(_pushed(Stack(), "a"))',
            expected: "1",
          },
        ],
      },
    },
  },
  {
    words: /./,
    module: {
      name: "clamp",
      imports: "clamp",
      source: `/** Limits a number to the range [min, max]. */
export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
`,
      cases: [
        {
          title: "keeps values inside",
          actual: "clamp(5, 0, 10)",
          expected: "5",
        },
        {
          title: "raises low values",
          actual: "clamp(-3, 0, 10)",
          expected: "0",
        },
        {
          title: "lowers high values",
          actual: "clamp(42, 0, 10)",
          expected: "10",
        },
      ],
      python: {
        source: `def clamp(value, low, high):
    """Limits a number to the range [low, high]."""
    return min(high, max(low, value))
`,
        cases: [
          {
            title: "keeps values inside",
            actual: "clamp(5, 0, 10)",
            expected: "5",
          },
          {
            title: "raises low values",
            actual: "clamp(-3, 0, 10)",
            expected: "0",
          },
          {
            title: "lowers high values",
            actual: "clamp(42, 0, 10)",
            expected: "10",
          },
        ],
      },
    },
  },
];

function lastUser(request: LoggedRequest): string {
  const messages: { role: string; content: string }[] =
    request.body?.messages ?? [];
  return messages.find((m) => m.role === "user")?.content ?? "";
}

function moduleFor(request: LoggedRequest): Module {
  const text = lastUser(request);
  return (CATALOGUE.find((c) => c.words.test(text)) ??
    CATALOGUE[CATALOGUE.length - 1]!).module;
}

/** A value valid for a JSON schema, its strings taken from `words`. */
// deno-lint-ignore no-explicit-any
export function valueForSchema(schema: any, words: string[]): unknown {
  if (!schema || typeof schema !== "object") return null;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (schema.enum) return schema.enum[0];
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        out[key] = valueForSchema(sub, words);
      }
      return out;
    }
    case "array": {
      const n = Math.max(schema.minItems ?? 0, 2);
      return Array.from(
        { length: n },
        () => valueForSchema(schema.items, words),
      );
    }
    case "string": {
      const word = words.shift() ?? "task";
      words.push(word);
      return word.length >= (schema.minLength ?? 0)
        ? word
        : word.padEnd(schema.minLength, "x");
    }
    case "integer":
    case "number": {
      const low = schema.minimum ??
        (schema.exclusiveMinimum !== undefined
          ? schema.exclusiveMinimum + 1
          : 1);
      return Math.max(low, 20);
    }
    case "boolean":
      return true;
    default:
      return null;
  }
}

/** The plan a model writes when nothing holds it to a schema (the prompt describes the shape). */
function freePlan(module: Module): string {
  return JSON.stringify(
    {
      phases: [
        {
          name: "Implementation",
          tasks: [`Write ${module.name}.ts`, "Document the exported API"],
        },
        { name: "Testing", tasks: module.cases.map((c) => c.title) },
      ],
      estimateMinutes: 20,
    },
    null,
    2,
  );
}

function testFile(
  module: Module,
  style: NonNullable<Persona["tests"]>,
): string {
  const from = `import { ${module.imports} } from "./${module.name}.ts";`;
  const check = (assertion: string) =>
    module.cases.map((c) =>
      `Deno.test("${c.title}", () => {\n  ${
        assertion.replace("{actual}", () => c.actual).replace(
          "{expected}",
          () => c.expected,
        )
      };\n});`
    ).join("\n\n");
  switch (style) {
    case "node-assert":
      return `import assert from "node:assert/strict";\n${from}\n\n${
        check("assert.equal({actual}, {expected})")
      }\n`;
    case "std-assert":
      return `import { assertEquals } from "jsr:@std/assert";\n${from}\n\n${
        check("assertEquals({actual}, {expected})")
      }\n`;
    case "bdd":
      return `import { describe, it } from "jsr:@std/testing/bdd";\nimport { expect } from "jsr:@std/expect";\n${from}\n\ndescribe("${module.name}", () => {\n${
        module.cases.map((c) =>
          `  it("${c.title}", () => {\n    expect(${c.actual}).toBe(${c.expected});\n  });`
        ).join("\n\n")
      }\n});\n`;
    case "npm-import":
      return `import assert from "node:assert/strict";\nimport _ from "npm:lodash";\n${from}\n\n${
        check("assert.equal(_.identity({actual}), {expected})")
      }\n`;
    case "esm-import":
      return `import assert from "node:assert/strict";\nimport { identity } from "https://esm.sh/x";\n${from}\n\n${
        check("assert.equal(identity({actual}), {expected})")
      }\n`;
  }
}

function fenced(
  path: string,
  lang: string,
  code: string,
  naming: NonNullable<Persona["naming"]>,
): string {
  const body = code.trimEnd();
  switch (naming) {
    case "info-string":
      return "```" + `${lang} file=${path}\n${body}\n` + "```";
    case "before-fence":
      return `**${path}**\n\n` + "```" + `${lang}\n${body}\n` + "```";
    case "comment":
      return "```" + `${lang}\n// ${path}\n${body}\n` + "```";
    case "unnamed":
      return "```" + `${lang}\n${body}\n` + "```";
  }
}

function codeAnswer(module: Module, persona: Persona): string {
  const naming = persona.naming ?? "info-string";
  const tests = persona.tests ?? "node-assert";
  return [
    `Here's an implementation of \`${module.name}\` along with tests.`,
    "",
    fenced(`${module.name}.ts`, "typescript", module.source, naming),
    "",
    "And the tests:",
    "",
    fenced(
      `${module.name}_test.ts`,
      "typescript",
      testFile(module, tests),
      naming,
    ),
    "",
    "Run them with `deno test`.",
    "",
    "```bash\ndeno test\n```",
  ].join("\n");
}

/** `"lower cases and joins words"` -> `lower_cases_and_joins_words`. */
function snake(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

/** A helper the stack cases use, written into the test file as models do. */
const PUSHED_HELPER = `def _pushed(stack, *items):
    for item in items:
        stack.push(item)
    return stack
`;

function pythonTestFile(
  module: Module,
  style: NonNullable<Persona["pythonTests"]>,
): string {
  const { cases } = module.python;
  const helper = cases.some((c) => c.actual.includes("_pushed("))
    ? `\n\n${PUSHED_HELPER}`
    : "";
  const from = `from ${module.name} import ${
    module.imports === "Stack" ? "Stack" : module.name
  }`;
  switch (style) {
    case "pytest":
    case "numpy-import":
      return `${
        style === "numpy-import" ? "import numpy as np\n" : ""
      }import pytest\n\n${from}${helper}\n\n${
        cases.map((c) =>
          `def test_${snake(c.title)}():\n    assert ${
            style === "numpy-import"
              ? `np.asarray(${c.actual}).item()`
              : c.actual
          } == ${c.expected}`
        ).join("\n\n\n")
      }\n`;
    case "unittest":
      return `import unittest\n\n${from}${helper}\n\nclass Test${
        module.imports[0]!.toUpperCase()
      }${module.imports.slice(1)}(unittest.TestCase):\n${
        cases.map((c) =>
          `    def test_${
            snake(c.title)
          }(self):\n        self.assertEqual(${c.actual}, ${c.expected})`
        ).join("\n\n")
      }\n\n\nif __name__ == "__main__":\n    unittest.main()\n`;
  }
}

function pythonFenced(
  path: string,
  code: string,
  naming: NonNullable<Persona["naming"]>,
): string {
  // Models comment a Python file's name with `#`, not `//`.
  return naming === "comment"
    ? "```python\n" + `# ${path}\n${code.trimEnd()}\n` + "```"
    : fenced(path, "python", code, naming);
}

function pythonAnswer(module: Module, persona: Persona): string {
  const naming = persona.naming ?? "info-string";
  const style = persona.pythonTests ?? "pytest";
  const runner = style === "unittest"
    ? "python -m unittest"
    : "python -m pytest -q";
  return [
    `Here's a Python implementation of \`${module.name}\`, with ${
      style === "unittest" ? "a unittest suite" : "pytest tests"
    }.`,
    "",
    pythonFenced(`${module.name}.py`, module.python.source, naming),
    "",
    "And the tests:",
    "",
    pythonFenced(
      `test_${module.name}.py`,
      pythonTestFile(module, style),
      naming,
    ),
    "",
    `Run them with \`${runner}\`:`,
    "",
    "```bash\n" + runner + "\n```",
  ].join("\n");
}

/**
 * The persona's answer to one request; undefined for non-chat requests.
 *
 * @example
 * ```ts ignore
 * ollama.respond((r) => answerAs({ format: "ignored", json: "fenced" }, r));
 * ```
 */
export function answerAs(
  persona: Persona,
  request: LoggedRequest,
): FakeReply | undefined {
  if (request.endpoint !== "chat") return undefined;
  const module = moduleFor(request);
  const think = persona.think
    ? `<think>\nThe user wants ${module.name}. I should plan it, then write the code and tests. Something like { "phases": [ ... ] } maybe.\n</think>\n\n`
    : "";
  const format = request.body?.format;
  const system: string = request.body?.messages?.[0]?.content ?? "";
  const wantsJson = format !== undefined || /\bJSON\b/.test(system);
  if (wantsJson) {
    if (persona.format === "honoured" && format && typeof format === "object") {
      const words = lastUser(request).split(/[\s.,;:]+/).filter((w) =>
        w.length > 3
      );
      return { content: think + JSON.stringify(valueForSchema(format, words)) };
    }
    const plan = freePlan(module);
    switch (persona.json ?? "fenced") {
      case "fenced":
        return {
          content:
            `${think}Here is the plan:\n\n\`\`\`json\n${plan}\n\`\`\`\n\nEach phase is an object like \`{ "name": ..., "tasks": [...] }\`.`,
        };
      case "prose":
        return {
          content:
            `${think}Sure! Here's a plan for the module:\n${plan}\nLet me know if you want changes.`,
        };
      case "trailing-commas":
        return {
          content: think +
            plan.replace(/"\n(\s*)\]/g, '",\n$1]').replace(
              /\]\n(\s*)\}/g,
              "],\n$1}",
            ),
        };
      case "garbled":
        return {
          content:
            `${think}Phases: implementation, then testing {about 20 minutes}.`,
        };
    }
  }
  return {
    content: think +
      (/\bPython\b/.test(system)
        ? pythonAnswer(module, persona)
        : codeAnswer(module, persona)),
  };
}
