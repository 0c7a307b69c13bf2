/**
 * What the graph says to the model, and how it reads the answers. The model
 * writes every file as a fenced block whose info string names the file
 * (```ts file=src/mod.ts); plans come back as one JSON object.
 *
 * @module
 */
import { type ChatMessage, extractCodeBlocks } from "./llm.ts";
import type { Analysis, GeneratedFile, TestReport } from "./graph.ts";

export type { ChatMessage } from "./llm.ts";

/** The plan of a build. */
export interface Plan {
  readonly phases: readonly {
    readonly name: string;
    readonly tasks: readonly string[];
  }[];
  readonly estimateMinutes: number;
}

/** A parsed answer, or what was wrong with it (fed back to the model). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The facts about a build the prompts use. */
export interface PromptInput {
  readonly requirements: string;
  readonly language: string;
  readonly analysis: Analysis | null;
  readonly buildPlan: Plan | null;
  readonly files: readonly GeneratedFile[];
  readonly testReport: TestReport | null;
  readonly attempts: number;
}

const EXTENSIONS: Record<string, { source: string; test: string }> = {
  typescript: { source: "ts", test: "_test.ts" },
  javascript: { source: "js", test: "_test.js" },
};

function extensionOf(language: string) {
  return EXTENSIONS[language.toLowerCase()] ??
    { source: language.toLowerCase(), test: `_test.${language.toLowerCase()}` };
}

function contextSection(analysis: Analysis | null): string {
  if (!analysis || analysis.context.length === 0) return "";
  return "\n\nRelevant material from earlier work (use it if it helps):\n" +
    analysis.context.map((c, i) => `--- ${i + 1} ---\n${c.slice(0, 1500)}`)
      .join("\n");
}

/**
 * Messages asking for a plan as JSON.
 *
 * @example
 * ```ts
 * import { planPrompt } from "./prompts.ts";
 * const messages = planPrompt({ requirements: "a stack", language: "typescript", analysis: null, buildPlan: null, files: [], testReport: null, attempts: 0 });
 * console.assert(messages.length === 2);
 * ```
 */
export function planPrompt(input: PromptInput): ChatMessage[] {
  return [
    {
      role: "system",
      content:
        `You are a senior ${input.language} engineer planning a small, well-tested module. ` +
        `Answer with one JSON object only, no prose: ` +
        `{"phases":[{"name":string,"tasks":[string]}],"estimateMinutes":number}.`,
    },
    {
      role: "user",
      content: `Requirements:\n${input.requirements}\n\nComplexity: ${
        input.analysis?.complexity ?? "unknown"
      }${
        input.analysis?.dependencies.length
          ? `\nDependencies mentioned: ${
            input.analysis.dependencies.join(", ")
          }`
          : ""
      }${contextSection(input.analysis)}`,
    },
  ];
}

/** The follow-up after an unusable plan. */
export function planCorrectivePrompt(problem: string): string {
  return `That answer could not be used: ${problem}. Reply again with only the JSON object ` +
    `{"phases":[{"name":string,"tasks":[string]}],"estimateMinutes":number}.`;
}

/**
 * Reads a plan from the model's answer: the first JSON object in it.
 *
 * @example
 * ```ts
 * import { parsePlan } from "./prompts.ts";
 * const p = parsePlan('{"phases":[{"name":"core","tasks":["write push"]}],"estimateMinutes":5}');
 * console.assert(p.ok);
 * ```
 */
export function parsePlan(text: string): Parsed<Plan> {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) {
    return { ok: false, problem: "no JSON object found" };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(start, end + 1));
  } catch (error) {
    return {
      ok: false,
      problem: `invalid JSON (${
        error instanceof Error ? error.message : String(error)
      })`,
    };
  }
  if (typeof raw !== "object" || raw === null) {
    return { ok: false, problem: "the JSON is not an object" };
  }
  const obj = raw as Record<string, unknown>;
  if (!Array.isArray(obj.phases) || obj.phases.length === 0) {
    return { ok: false, problem: '"phases" must be a non-empty array' };
  }
  const phases: { name: string; tasks: string[] }[] = [];
  for (const phase of obj.phases) {
    if (
      typeof phase !== "object" || phase === null ||
      typeof (phase as { name?: unknown }).name !== "string"
    ) {
      return { ok: false, problem: 'every phase needs a string "name"' };
    }
    const tasks = (phase as { tasks?: unknown }).tasks;
    phases.push({
      name: (phase as { name: string }).name,
      tasks: Array.isArray(tasks) ? tasks.map(String) : [],
    });
  }
  const estimate = Number(obj.estimateMinutes);
  return {
    ok: true,
    value: {
      phases,
      estimateMinutes: Number.isFinite(estimate) && estimate > 0
        ? estimate
        : phases.length * 10,
    },
  };
}

/**
 * Messages asking for source, tests and docs. On a retry after failing tests
 * they carry the previous files and the failure report.
 */
export function generationPrompt(input: PromptInput): ChatMessage[] {
  const ext = extensionOf(input.language);
  const system =
    `You are a senior ${input.language} engineer. Write the module the user asks for, ` +
    `its tests and a short README. Reply with fenced code blocks only; the info string of ` +
    `each block names its file, like \`\`\`${ext.source} file=mod.${ext.source}. ` +
    `Tests go in files ending in ${ext.test}, use Deno.test and only relative imports ` +
    `(no network, no npm:, no jsr:, no file system access). Docs go in README.md.`;
  const plan = input.buildPlan
    ? "\n\nPlan:\n" +
      input.buildPlan.phases.map((p) => `- ${p.name}: ${p.tasks.join("; ")}`)
        .join(
          "\n",
        )
    : "";
  const messages: ChatMessage[] = [
    { role: "system", content: system },
    {
      role: "user",
      content: `Requirements:\n${input.requirements}${plan}${
        contextSection(input.analysis)
      }`,
    },
  ];
  if (input.testReport && input.testReport.status !== "passed") {
    const previous = input.files.filter((f) => f.kind !== "doc").map((f) =>
      "```" + `${ext.source} file=${f.path}\n${f.content}\n` + "```"
    ).join("\n\n");
    const failures = input.testReport.failures.map((f) =>
      `- ${f.name}: ${f.message}`
    ).join("\n") || (input.testReport.output ?? "").slice(-2000);
    messages.push({ role: "assistant", content: previous });
    messages.push({
      role: "user",
      content:
        `The tests ${input.testReport.status} (${input.testReport.passed} passed, ` +
        `${input.testReport.failed} failed):\n${failures}\n\n` +
        `Fix the code (or a wrong test) and reply with every file again, in full.`,
    });
  }
  return messages;
}

/** The follow-up after an answer without usable files. */
export function correctivePrompt(problem: string): string {
  return `That answer could not be used: ${problem}. Reply again with every file as a fenced ` +
    "code block whose info string names the file (```ts file=mod.ts), including at least one " +
    "source file and one test file, and nothing else.";
}

// The same rule as the sandbox's: a file is a test if its base name is test.* or ends in [._]test.*.
const TEST_FILE =
  /(?:^|\/)(?:[^/]*[._])?test\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

/**
 * Reads the files out of a generation answer. Needs at least one source and
 * one test file, each with a safe relative name.
 *
 * @example
 * ```ts
 * import { parseGeneration } from "./prompts.ts";
 * const text = "```ts file=add.ts\nexport const add = (a: number, b: number) => a + b;\n```\n" +
 *   "```ts file=add_test.ts\nimport { add } from './add.ts';\nDeno.test('adds', () => { if (add(1, 2) !== 3) throw new Error(); });\n```";
 * const parsed = parseGeneration(text, "typescript");
 * console.assert(parsed.ok && parsed.value.length === 2);
 * ```
 */
export function parseGeneration(
  text: string,
  language: string,
): Parsed<GeneratedFile[]> {
  const blocks = extractCodeBlocks(text);
  if (blocks.length === 0) {
    return { ok: false, problem: "no fenced code blocks were found" };
  }
  const files = new Map<string, GeneratedFile>();
  const ext = extensionOf(language);
  let unnamed = 0;
  for (const block of blocks) {
    let path = block.path?.trim();
    if (!path) {
      unnamed++;
      continue;
    }
    path = path.replace(/^\.\//, "");
    if (
      path.startsWith("/") || path.split("/").includes("..") ||
      path.includes("\\") || path.includes("\0")
    ) {
      return { ok: false, problem: `unsafe file name ${JSON.stringify(path)}` };
    }
    const kind: GeneratedFile["kind"] = /\.(md|markdown|txt)$/i.test(path)
      ? "doc"
      : TEST_FILE.test(path)
      ? "test"
      : "source";
    files.set(path, { path, content: block.code, kind });
  }
  const list = [...files.values()];
  const hasSource = list.some((f) => f.kind === "source");
  const hasTest = list.some((f) => f.kind === "test");
  if (!hasSource || !hasTest) {
    const missing = [!hasSource && "a source file", !hasTest && "a test file"]
      .filter(Boolean).join(" and ");
    return {
      ok: false,
      problem: `missing ${missing}${
        unnamed > 0
          ? ` (${unnamed} block${
            unnamed === 1 ? " has" : "s have"
          } no file name)`
          : ""
      }; tests must end in ${ext.test}`,
    };
  }
  return { ok: true, value: list };
}
