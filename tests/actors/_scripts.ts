/**
 * Scripted model answers for workflow tests: a plan, code whose tests pass,
 * code whose tests fail, and output with no usable files. Served by the fake
 * Ollama of tests/fakes/ollama.ts.
 *
 * @module
 */
import type { FakeOllama, FakeReply, LoggedRequest } from "../fakes/ollama.ts";

/** A plan as the model would write it. */
export const PLAN_REPLY = JSON.stringify({
  phases: [
    { name: "core", tasks: ["write the Stack class", "push, pop, peek, size"] },
    { name: "tests", tasks: ["cover empty and non-empty stacks"] },
  ],
  estimateMinutes: 15,
});

const SOURCE = `/** A last-in, first-out stack. */
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
  /** The top item, left in place. */
  peek(): T | undefined {
    return this.#items[this.#items.length - 1];
  }
  get size(): number {
    return this.#items.length;
  }
}
`;

const BROKEN_SOURCE = SOURCE.replace(
  "return this.#items.pop();",
  "return this.#items.shift();",
);

const TESTS = `import { Stack } from "./stack.ts";

Deno.test("pop returns the last pushed item", () => {
  const s = new Stack<number>();
  s.push(1);
  s.push(2);
  const top = s.pop();
  if (top !== 2) throw new Error(\`expected 2, got \${top}\`);
});

Deno.test("size counts items", () => {
  const s = new Stack<string>();
  s.push("a");
  if (s.size !== 1) throw new Error("expected size 1");
});
`;

const README = "# Stack\n\nA typed LIFO stack with push, pop, peek and size.\n";

function reply(source: string, withDocs = true): string {
  return [
    "Here is the module.",
    "```ts file=stack.ts",
    source.trimEnd(),
    "```",
    "```ts file=stack_test.ts",
    TESTS.trimEnd(),
    "```",
    ...(withDocs ? ["```md file=README.md", README.trimEnd(), "```"] : []),
  ].join("\n");
}

/** Source, tests and docs; the tests pass. */
export const GOOD_CODE = reply(SOURCE);
/** Source and tests without docs; the tests pass. */
export const GOOD_CODE_NO_DOCS = reply(SOURCE, false);
/** Source whose pop is wrong, so a test fails. */
export const FAILING_CODE = reply(BROKEN_SOURCE);
/** An answer without any file. */
export const MALFORMED =
  "Sure! A stack is a LIFO structure. I would use an array.";

/** True for the plan request (its system prompt asks for a plan). */
export function isPlanRequest(request: LoggedRequest): boolean {
  const first = request.body?.messages?.[0]?.content;
  return typeof first === "string" && first.includes("planning");
}

/**
 * Answers plan requests with {@linkcode PLAN_REPLY} and generation requests
 * with `generations` in order (the last one repeats). `extra` is merged into
 * every generation reply (delays, chunking).
 */
export function scriptBuild(
  ollama: FakeOllama,
  generations: readonly string[],
  extra: Partial<FakeReply> = {},
): { generateCalls(): number } {
  let calls = 0;
  ollama.respond((request) => {
    if (request.endpoint !== "chat") return undefined;
    if (isPlanRequest(request)) return { content: PLAN_REPLY };
    const content = generations[Math.min(calls, generations.length - 1)] ?? "";
    calls++;
    return { ...extra, content };
  });
  return { generateCalls: () => calls };
}
