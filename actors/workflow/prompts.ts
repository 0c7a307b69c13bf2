/**
 * What the graph says to the model. The model writes every file as a fenced
 * block whose info string names the file (```ts file=src/mod.ts); plans come
 * back as one JSON object held to {@linkcode PLAN_FORMAT}. Reading the
 * answers lives in ./answers/.
 *
 * @module
 */
import type { ChatMessage } from "./llm.ts";
import type { Analysis, GeneratedFile, TestReport } from "./types.ts";
import {
  languageNamed,
  languageOfPath,
  type LanguageSpec,
  typescript,
} from "../languages/mod.ts";
import type { Plan } from "./answers/plan.ts";
import { testReason } from "./test_reason.ts";

export type { ChatMessage } from "./llm.ts";
export {
  type CodeBlock,
  extractCodeBlocks,
  parseGeneration,
} from "./answers/code.ts";
export {
  defaultPlan,
  parsePlan,
  type Plan,
  PLAN_FORMAT,
  PlanSchema,
} from "./answers/plan.ts";
export type { AnswerProblem, Parsed } from "./answers/parsed.ts";

/** The facts about a build the prompts use. */
export interface PromptInput {
  /** What to build, in the user's words. */
  readonly requirements: string;
  /** Language to generate. */
  readonly language: string;
  /** What `analyze` found; null before it ran. */
  readonly analysis: Analysis | null;
  /** The plan; null before planning. */
  readonly buildPlan: Plan | null;
  /** Files generated so far. */
  readonly files: readonly GeneratedFile[];
  /** The last test run's report; null before the first run. */
  readonly testReport: TestReport | null;
  /** Generate -> test rounds made so far. */
  readonly attempts: number;
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
        `You are a senior ${
          specOf(input.language).label
        } engineer planning a small, well-tested module. ` +
        `Answer with one JSON object only, no prose, no code fence: ` +
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
 * Messages asking for source, tests and docs. On a retry after failing tests
 * they carry the previous files and the failure report.
 */
export function generationPrompt(input: PromptInput): ChatMessage[] {
  const spec = specOf(input.language);
  const ext = spec.extensions[0];
  const system =
    `You are a senior ${spec.label} engineer. Write the module the user asks for in ${spec.label}, ` +
    `its tests and a short README. Reply with fenced code blocks only; the info string of ` +
    `each block names its file, like \`\`\`${spec.fence} file=mod.${ext}. ` +
    `Tests go in ${spec.testNaming}, like ${
      spec.testFileFor("mod")
    }. ${spec.conventions} ` +
    `Docs go in README.md.`;
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
      "```" +
      `${
        (languageOfPath(f.path) ?? spec).fence
      } file=${f.path}\n${f.content}\n` + "```"
    ).join("\n\n");
    const report = input.testReport;
    const reason = testReason(report);
    const failures = report.failures.map((f) => `- ${f.name}: ${f.message}`)
      .join("\n") || (reason ? "" : (report.output ?? "").slice(-2000));
    const refused = (report.refusedModules ?? []).map((m) =>
      `- ${m.specifier}: ${m.reason}`
    ).join("\n");
    messages.push({ role: "assistant", content: previous });
    messages.push({
      role: "user",
      content:
        `The tests ${report.status} (${report.passed} passed, ${report.failed} failed)` +
        `${reason ? `: ${reason}` : ""}.\n` +
        (refused
          ? `Refused imports:\n${refused}\nTests and code may use ${spec.importPolicy}${
            report.allowedBuiltins.length > 0
              ? ` (built-ins allowed: ${report.allowedBuiltins.join(", ")})`
              : ""
          }.\n`
          : "") +
        `${failures}\n\n` +
        `Fix the code (or a wrong test) and reply with every file again, in full.`,
    });
  }
  return messages;
}

/** The follow-up after an answer without usable files. */
export function correctivePrompt(
  problem: string,
  language = "typescript",
): string {
  const spec = specOf(language);
  const ext = spec.extensions[0];
  return `That answer could not be used: ${problem}. Reply again with every file as a fenced ` +
    `code block whose info string names the file (\`\`\`${spec.fence} file=mod.${ext}), including at least one ` +
    `source file and one test file (${spec.testNaming}), and nothing else.`;
}

/** The build language's description; unknown names read as TypeScript. */
function specOf(language: string): LanguageSpec {
  return languageNamed(language) ?? typescript;
}
