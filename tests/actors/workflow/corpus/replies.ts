/**
 * A corpus of model answers in the shapes real coder models write them
 * (qwen2.5-coder, deepseek-coder, codellama, llama3, qwen3 and deepseek-r1
 * with `<think>`), good and broken, TypeScript and JavaScript (Python
 * answers are in ./python_replies.ts). Each entry
 * says which files the parser must find (or which named reason it must
 * give) and whether its code can run in the sandbox now (`node:assert`,
 * plain Deno.test) or needs the sandbox's std mapping (`jsr:@std/...`).
 *
 * @module
 */
import type { AnswerProblem } from "../../../../actors/workflow/prompts.ts";

/** One recorded-style answer. */
export interface CorpusEntry {
  readonly id: string;
  /** The model family whose habits it follows. */
  readonly model: string;
  readonly language: "typescript" | "javascript" | "python";
  readonly reply: string;
  /** Files and kinds the parser must return, or the reason it must give. */
  readonly expect:
    | { readonly files: Readonly<Record<string, "source" | "test" | "doc">> }
    | { readonly problem: AnswerProblem };
  /** "now": the tests run in today's sandbox; "needs-std": only once std imports are mapped. */
  readonly run?: "now" | "needs-std";
}

const F = "```";

const SLUG_TS = `/** Turns a title into a URL slug. */
export function slugify(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\\u0300-\\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}`;

const SLUG_JS = `/** Turns a title into a URL slug. */
export function slugify(title) {
  return title
    .normalize("NFKD")
    .replace(/[\\u0300-\\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}`;

const slugTest = (ext: string) =>
  `import assert from "node:assert/strict";
import { slugify } from "./slugify.${ext}";

Deno.test("joins words with dashes", () => {
  assert.equal(slugify("Hello World"), "hello-world");
});

Deno.test("drops accents", () => {
  assert.equal(slugify("Crème Brûlée"), "creme-brulee");
});`;

const SLUG_STD_TEST = `import { assertEquals } from "jsr:@std/assert";
import { slugify } from "./slugify.ts";

Deno.test("slugify joins words", () => {
  assertEquals(slugify("Hello World"), "hello-world");
});`;

const SLUG_BDD_TEST = `import { describe, it } from "jsr:@std/testing/bdd";
import { expect } from "jsr:@std/expect";
import { slugify } from "./slugify.ts";

describe("slugify", () => {
  it("joins words with dashes", () => {
    expect(slugify("Hello World")).toBe("hello-world");
  });
});`;

const SLUG_DENO_LAND_TEST =
  `import { assertEquals } from "https://deno.land/std@0.224.0/assert/mod.ts";
import { slugify } from "./slugify.ts";

Deno.test("slugify", () => {
  assertEquals(slugify("A B"), "a-b");
});`;

const STACK_TS = `export class Stack<T> {
  private items: T[] = [];

  push(item: T): void {
    this.items.push(item);
  }

  pop(): T | undefined {
    return this.items.pop();
  }

  peek(): T | undefined {
    return this.items[this.items.length - 1];
  }

  get size(): number {
    return this.items.length;
  }
}`;

const STACK_TEST = `import assert from "node:assert/strict";
import { Stack } from "./stack.ts";

Deno.test("pop returns the last pushed item", () => {
  const s = new Stack<number>();
  s.push(1);
  s.push(2);
  assert.equal(s.pop(), 2);
  assert.equal(s.size, 1);
});`;

const CLAMP_JS = `export function clamp(value, min, max) {
  return Math.min(max, Math.max(min, value));
}`;

const CLAMP_TEST_JS = `import assert from "node:assert";
import { clamp } from "./clamp.js";

Deno.test("clamp keeps values in range", () => {
  assert.strictEqual(clamp(5, 0, 10), 5);
  assert.strictEqual(clamp(-1, 0, 10), 0);
  assert.strictEqual(clamp(11, 0, 10), 10);
});`;

const THINK =
  "<think>\nOkay, the user wants a slugify function. I need to lower-case it, strip accents with normalize('NFKD'), and join words with dashes. Then tests with Deno.test. Let me write `{ slugify }` in slugify.ts.\n</think>\n\n";

const SLUG_FILES = {
  "slugify.ts": "source",
  "slugify_test.ts": "test",
} as const;
const SLUG_JS_FILES = {
  "slugify.js": "source",
  "slugify_test.js": "test",
} as const;

/** Code answers. */
export const CODE_CORPUS: readonly CorpusEntry[] = [
  {
    id: "info-file-eq",
    model: "qwen2.5-coder",
    language: "typescript",
    reply:
      `Here's the implementation:\n\n${F}ts file=slugify.ts\n${SLUG_TS}\n${F}\n\nAnd the tests:\n\n${F}ts file=slugify_test.ts\n${
        slugTest("ts")
      }\n${F}\n`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "info-colon",
    model: "qwen2.5-coder",
    language: "typescript",
    reply: `${F}ts:slugify.ts\n${SLUG_TS}\n${F}\n\n${F}ts:slugify_test.ts\n${
      slugTest("ts")
    }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "info-title-quoted",
    model: "deepseek-coder",
    language: "typescript",
    reply:
      `${F}typescript title="slugify.ts"\n${SLUG_TS}\n${F}\n\n${F}typescript title="slugify_test.ts"\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "info-bare-path",
    model: "codellama",
    language: "typescript",
    reply: `${F}ts slugify.ts\n${SLUG_TS}\n${F}\n${F}ts slugify_test.ts\n${
      slugTest("ts")
    }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "info-path-subdir",
    model: "qwen2.5-coder",
    language: "typescript",
    reply:
      `${F}ts file=src/stack.ts\n${STACK_TS}\n${F}\n${F}ts file=src/stack_test.ts\n${STACK_TEST}\n${F}`,
    expect: {
      files: { "src/stack.ts": "source", "src/stack_test.ts": "test" },
    },
    run: "now",
  },
  {
    id: "bold-before-fence",
    model: "llama3",
    language: "typescript",
    reply:
      `Sure! Below are the two files.\n\n**slugify.ts**\n${F}typescript\n${SLUG_TS}\n${F}\n\n**slugify_test.ts**\n${F}typescript\n${
        slugTest("ts")
      }\n${F}\n\nLet me know if you need anything else!`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "heading-before-fence",
    model: "deepseek-coder",
    language: "typescript",
    reply:
      `## Implementation\n\n### slugify.ts\n\n${F}ts\n${SLUG_TS}\n${F}\n\n### slugify_test.ts\n\n${F}ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "file-label-before-fence",
    model: "codellama",
    language: "typescript",
    reply:
      `File: slugify.ts\n${F}\n${SLUG_TS}\n${F}\nFile: slugify_test.ts\n${F}\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "backtick-colon-before-fence",
    model: "llama3",
    language: "typescript",
    reply:
      `\`slugify.ts\`:\n${F}ts\n${SLUG_TS}\n${F}\n\`slugify_test.ts\`:\n${F}ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "sentence-naming-file",
    model: "qwen2.5-coder",
    language: "typescript",
    reply:
      `First, create \`slugify.ts\`:\n\n${F}ts\n${SLUG_TS}\n${F}\n\nThen add the tests in \`slugify_test.ts\`:\n\n${F}ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "numbered-list-bold",
    model: "llama3",
    language: "typescript",
    reply: `1. **slugify.ts**\n\n   ${F}ts\n   ${
      SLUG_TS.replaceAll("\n", "\n   ")
    }\n   ${F}\n\n2. **slugify_test.ts**\n\n   ${F}ts\n   ${
      slugTest("ts").replaceAll("\n", "\n   ")
    }\n   ${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "comment-first-line",
    model: "deepseek-coder",
    language: "typescript",
    reply:
      `${F}typescript\n// slugify.ts\n${SLUG_TS}\n${F}\n\n${F}typescript\n// slugify_test.ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "comment-file-label",
    model: "codellama",
    language: "typescript",
    reply:
      `${F}ts\n// File: slugify.ts\n${SLUG_TS}\n${F}\n${F}ts\n// File: slugify_test.ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "comment-block-style",
    model: "codellama",
    language: "javascript",
    reply:
      `${F}javascript\n/* clamp.js */\n${CLAMP_JS}\n${F}\n${F}javascript\n/* clamp_test.js */\n${CLAMP_TEST_JS}\n${F}`,
    expect: { files: { "clamp.js": "source", "clamp_test.js": "test" } },
    run: "now",
  },
  {
    id: "unnamed-infer-from-import",
    model: "qwen2.5-coder",
    language: "typescript",
    reply:
      `Here is the function:\n\n${F}typescript\n${SLUG_TS}\n${F}\n\nAnd some tests:\n\n${F}typescript\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "unnamed-tests-first",
    model: "llama3",
    language: "typescript",
    reply:
      `Tests:\n${F}ts\n${STACK_TEST}\n${F}\nImplementation:\n${F}ts\n${STACK_TS}\n${F}`,
    expect: { files: { "stack.ts": "source", "stack_test.ts": "test" } },
    run: "now",
  },
  {
    id: "unnamed-js",
    model: "codellama",
    language: "javascript",
    reply: `${F}js\n${CLAMP_JS}\n${F}\n\n${F}js\n${CLAMP_TEST_JS}\n${F}`,
    expect: { files: { "clamp.js": "source", "clamp_test.js": "test" } },
    run: "now",
  },
  {
    id: "unnamed-no-lang",
    model: "codellama",
    language: "typescript",
    reply: `${F}\n${SLUG_TS}\n${F}\n${F}\n${slugTest("ts")}\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "think-then-code",
    model: "qwen3",
    language: "typescript",
    reply:
      `${THINK}${F}ts file=slugify.ts\n${SLUG_TS}\n${F}\n${F}ts file=slugify_test.ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "think-with-fence-inside",
    model: "deepseek-r1",
    language: "typescript",
    reply:
      `<think>\nMaybe:\n${F}ts file=wrong.ts\nexport const draft = 1;\n${F}\nNo, better to use normalize.\n</think>\n\n**slugify.ts**\n${F}ts\n${SLUG_TS}\n${F}\n**slugify_test.ts**\n${F}ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "stray-think-close",
    model: "deepseek-r1",
    language: "typescript",
    reply:
      `The user wants slugify with \`{ slugify }\` exported.\n</think>\n\n${F}ts file=slugify.ts\n${SLUG_TS}\n${F}\n${F}ts file=slugify_test.ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "crlf",
    model: "llama3",
    language: "typescript",
    reply:
      `${F}ts file=slugify.ts\n${SLUG_TS}\n${F}\n${F}ts file=slugify_test.ts\n${
        slugTest("ts")
      }\n${F}\n`.replaceAll("\n", "\r\n"),
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "unterminated-last-fence",
    model: "qwen2.5-coder",
    language: "typescript",
    reply:
      `${F}ts file=slugify.ts\n${SLUG_TS}\n${F}\n${F}ts file=slugify_test.ts\n${
        slugTest("ts")
      }\n`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "last-block-wins",
    model: "deepseek-coder",
    language: "typescript",
    reply:
      `${F}ts file=slugify.ts\nexport function slugify(t: string) { return t; }\n${F}\nWait, that ignores accents. Corrected version:\n${F}ts file=slugify.ts\n${SLUG_TS}\n${F}\n${F}ts file=slugify_test.ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "prose-shell-and-readme",
    model: "llama3",
    language: "typescript",
    reply:
      `I'll create the module, tests and a README.\n\n${F}ts file=slugify.ts\n${SLUG_TS}\n${F}\n\nThe tests cover the edge cases:\n\n${F}ts file=slugify_test.ts\n${
        slugTest("ts")
      }\n${F}\n\nRun them:\n\n${F}bash\ndeno test\n${F}\n\n${F}markdown file=README.md\n# slugify\n\nTurns titles into slugs.\n${F}`,
    expect: { files: { ...SLUG_FILES, "README.md": "doc" } },
    run: "now",
  },
  {
    id: "usage-example-unnamed",
    model: "qwen2.5-coder",
    language: "typescript",
    reply:
      `${F}ts file=stack.ts\n${STACK_TS}\n${F}\n${F}ts file=stack_test.ts\n${STACK_TEST}\n${F}\nUsage:\n${F}ts\nconst s = new Stack<number>();\ns.push(1);\n${F}`,
    expect: {
      files: {
        "stack.ts": "source",
        "stack_test.ts": "test",
        "mod.ts": "source",
      },
    },
    run: "now",
  },
  {
    id: "js-info-title",
    model: "deepseek-coder",
    language: "javascript",
    reply:
      `${F}javascript title="slugify.js"\n${SLUG_JS}\n${F}\n${F}javascript title="slugify_test.js"\n${
        slugTest("js")
      }\n${F}`,
    expect: { files: SLUG_JS_FILES },
    run: "now",
  },
  {
    id: "dot-slash-path",
    model: "llama3",
    language: "typescript",
    reply:
      `${F}ts file=./slugify.ts\n${SLUG_TS}\n${F}\n${F}ts file=./slugify_test.ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "tilde-fences",
    model: "codellama",
    language: "typescript",
    reply:
      `~~~ts file=slugify.ts\n${SLUG_TS}\n~~~\n~~~ts file=slugify_test.ts\n${
        slugTest("ts")
      }\n~~~`,
    expect: { files: SLUG_FILES },
    run: "now",
  },
  {
    id: "std-assert",
    model: "qwen2.5-coder",
    language: "typescript",
    reply:
      `${F}ts file=slugify.ts\n${SLUG_TS}\n${F}\n${F}ts file=slugify_test.ts\n${SLUG_STD_TEST}\n${F}`,
    expect: { files: SLUG_FILES },
    run: "needs-std",
  },
  {
    id: "bdd",
    model: "qwen3",
    language: "typescript",
    reply:
      `${THINK}**slugify.ts**\n${F}ts\n${SLUG_TS}\n${F}\n**slugify_test.ts**\n${F}ts\n${SLUG_BDD_TEST}\n${F}`,
    expect: { files: SLUG_FILES },
    run: "needs-std",
  },
  {
    id: "bdd-unnamed",
    model: "deepseek-coder",
    language: "typescript",
    reply:
      `${F}typescript\n${SLUG_TS}\n${F}\n\n${F}typescript\n${SLUG_BDD_TEST}\n${F}`,
    expect: { files: SLUG_FILES },
    run: "needs-std",
  },
  {
    id: "deno-land-std",
    model: "codellama",
    language: "typescript",
    reply:
      `${F}ts file=slugify.ts\n${SLUG_TS}\n${F}\n${F}ts file=slugify_test.ts\n${SLUG_DENO_LAND_TEST}\n${F}`,
    expect: { files: SLUG_FILES },
    run: "needs-std",
  },
  // Broken answers.
  {
    id: "prose-only",
    model: "llama3",
    language: "typescript",
    reply:
      "A slug is a URL-friendly version of a title. You can lower-case the string and replace spaces with dashes.",
    expect: { problem: "no_code_blocks" },
  },
  {
    id: "empty",
    model: "qwen3",
    language: "typescript",
    reply: "<think>\nHmm.\n</think>\n",
    expect: { problem: "empty_answer" },
  },
  {
    id: "think-cut-off",
    model: "deepseek-r1",
    language: "typescript",
    reply: "<think>\nLet me think about slugify. First I'll write\n" +
      `${F}ts\n${SLUG_TS}\n`,
    expect: { problem: "empty_answer" },
  },
  {
    id: "only-tests",
    model: "codellama",
    language: "typescript",
    reply: `${F}ts file=slugify_test.ts\n${slugTest("ts")}\n${F}`,
    expect: { problem: "no_source" },
  },
  {
    id: "only-source",
    model: "qwen2.5-coder",
    language: "typescript",
    reply: `${F}ts file=slugify.ts\n${SLUG_TS}\n${F}`,
    expect: { problem: "no_tests" },
  },
  {
    id: "path-traversal",
    model: "llama3",
    language: "typescript",
    reply:
      `${F}ts file=../../etc/slugify.ts\n${SLUG_TS}\n${F}\n${F}ts file=slugify_test.ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { problem: "unsafe_path" },
  },
  {
    id: "absolute-path",
    model: "deepseek-coder",
    language: "typescript",
    reply:
      `**/tmp/slugify.ts**\n${F}ts\n${SLUG_TS}\n${F}\n${F}ts file=slugify_test.ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { problem: "unsafe_path" },
  },
  {
    id: "windows-path",
    model: "codellama",
    language: "typescript",
    reply:
      `${F}ts file=C:\\\\src\\\\slugify.ts\n${SLUG_TS}\n${F}\n${F}ts file=slugify_test.ts\n${
        slugTest("ts")
      }\n${F}`,
    expect: { problem: "unsafe_path" },
  },
  {
    id: "shell-only",
    model: "llama3",
    language: "typescript",
    reply: `Install it:\n${F}bash\nnpm install slugify\n${F}`,
    expect: { problem: "no_code_blocks" },
  },
];

/** Plan answers: true when a plan must be read, else the reason. */
export const PLAN_CORPUS: readonly {
  readonly id: string;
  readonly model: string;
  readonly reply: string;
  readonly expect: true | AnswerProblem;
}[] = [
  {
    id: "bare",
    model: "qwen2.5-coder (format honoured)",
    reply:
      '{"phases":[{"name":"core","tasks":["slugify"]}],"estimateMinutes":10}',
    expect: true,
  },
  {
    id: "fenced",
    model: "llama3",
    reply:
      `Here is the plan:\n\n${F}json\n{\n  "phases": [{ "name": "core", "tasks": ["slugify"] }],\n  "estimateMinutes": 10\n}\n${F}\n\nEach phase is \`{ name, tasks }\`.`,
    expect: true,
  },
  {
    id: "prose-after",
    model: "codellama",
    reply:
      '{"phases":[{"name":"core","tasks":["a"]}],"estimateMinutes":5}\n\nThis plan covers {everything}.',
    expect: true,
  },
  {
    id: "think",
    model: "qwen3",
    reply:
      '<think>\nphases... {"name": maybe}\n</think>\n{"phases":[{"name":"core","tasks":["a"]}],"estimateMinutes":5}',
    expect: true,
  },
  {
    id: "trailing-commas",
    model: "deepseek-coder",
    reply:
      '{\n  "phases": [\n    {"name": "core", "tasks": ["a", "b",],},\n  ],\n  "estimateMinutes": 5,\n}',
    expect: true,
  },
  {
    id: "prose-only",
    model: "llama3",
    reply: "First write the function, then test it. About 10 minutes.",
    expect: "no_json",
  },
  {
    id: "wrong-shape",
    model: "codellama",
    reply: '{"steps":["write","test"]}',
    expect: "schema_mismatch",
  },
  {
    id: "cut-off",
    model: "qwen2.5-coder",
    reply: '{"phases":[{"name":"core","tasks":["a"',
    expect: "invalid_json",
  },
];
