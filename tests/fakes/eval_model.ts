/**
 * A coder model for eval runs, served by the fake Ollama: it reads which
 * module the requirements ask for (the `` `name.ts` `` the task names) and
 * answers like a model that either knows the solution or only thinks it does:
 *
 * - `solve`: the given source, with a small test of its own;
 * - `shallow`: a module that exports the asked names but does nothing, with a
 *   test of its own that only checks the names are exported. Its own tests
 *   pass, so the build succeeds; the task's hidden tests fail.
 *
 * TypeScript and JavaScript modules get a `deno test` file, Python modules
 * (`name.py`) a pytest-style `test_name.py`. An answer may be limited to one
 * model (`model`), so one fake serves several models that know different
 * tasks, as builds that each name their model ask for.
 *
 * The plan request is answered with a plan in JSON (as Ollama's `format`
 * guarantees). Prose goes around the fences as real models write it.
 *
 * @module
 */
import type { FakeReply, LoggedRequest } from "./ollama.ts";

/** What the model writes for one module. */
export interface EvalAnswer {
  /** File name the requirements ask for, e.g. `slugify.ts`. */
  readonly module: string;
  /** Whether it writes the solution or an empty module that passes its own test. */
  readonly mode: "solve" | "shallow";
  /** The solution (`solve`). */
  readonly source?: string;
  /** Exported names (the test it writes imports them). */
  readonly exports: readonly string[];
  /** Only requests for this model get this answer (`body.model`); default any model. */
  readonly model?: string;
}

const PLAN = JSON.stringify({
  phases: [
    { name: "implement", tasks: ["write the module"] },
    { name: "test", tasks: ["cover the main cases"] },
  ],
  estimateMinutes: 10,
});

function lastUser(request: LoggedRequest): string {
  const messages = request.body?.messages;
  if (!Array.isArray(messages)) return "";
  return messages.map((m: { content?: unknown }) => String(m?.content ?? ""))
    .join("\n");
}

function pythonCode(answer: EvalAnswer): string {
  const base = answer.module.replace(/\.py$/, "");
  const source = answer.mode === "solve" && answer.source !== undefined
    ? answer.source
    : answer.exports.map((name) =>
      `def ${name}(*args, **kwargs):\n    return None\n`
    )
      .join("\n");
  const test = [
    `import ${base}`,
    "",
    ...answer.exports.map((name) =>
      `\ndef test_${name.toLowerCase()}_is_defined():\n    assert hasattr(${base}, "${name}")\n`
    ),
  ].join("\n");
  return [
    `Here is an implementation of \`${answer.module}\`.`,
    "",
    `\`\`\`python file=${answer.module}`,
    source.trimEnd(),
    "```",
    "",
    "And its tests:",
    "",
    `\`\`\`python file=test_${base}.py`,
    test.trimEnd(),
    "```",
  ].join("\n");
}

function code(answer: EvalAnswer): string {
  if (answer.module.endsWith(".py")) return pythonCode(answer);
  const ext = answer.module.endsWith(".ts") ? "ts" : "js";
  const base = answer.module.replace(/\.(ts|js)$/, "");
  const source = answer.mode === "solve" && answer.source !== undefined
    ? answer.source
    : answer.exports.map((name) => `export function ${name}() {}\n`).join("");
  const test = [
    `import assert from "node:assert/strict";`,
    `import * as mod from "./${answer.module}";`,
    "",
    ...answer.exports.map((name) =>
      `Deno.test("${name} is exported", () => {\n  assert.ok("${name}" in mod);\n});\n`
    ),
  ].join("\n");
  return [
    `Here is an implementation of \`${answer.module}\`.`,
    "",
    `\`\`\`${ext} file=${answer.module}`,
    source.trimEnd(),
    "```",
    "",
    "And its tests:",
    "",
    `\`\`\`${ext} file=${base}_test.${ext}`,
    test.trimEnd(),
    "```",
  ].join("\n");
}

/**
 * A fallback for `FakeOllama.respond`: plan requests get a plan, generation
 * requests get the answer for the module their requirements name. A request
 * that names no known module gets prose with no code (a malformed answer).
 */
export function evalModel(
  answers: readonly EvalAnswer[],
): (request: LoggedRequest) => FakeReply | undefined {
  return (request) => {
    if (request.endpoint !== "chat") return undefined;
    const system = request.body?.messages?.[0]?.content;
    if (typeof system === "string" && system.includes("planning")) {
      return { content: PLAN };
    }
    const prompt = lastUser(request);
    // The task's own text comes first; retrieved context after it may
    // quote other modules.
    const start = Math.max(0, prompt.indexOf("Requirements:\n"));
    let answer: EvalAnswer | undefined;
    let first = Infinity;
    for (const a of answers) {
      if (a.model !== undefined && a.model !== request.model) continue;
      const at = prompt.indexOf(`\`${a.module}\``, start);
      if (at !== -1 && at < first) [answer, first] = [a, at];
    }
    if (!answer) return { content: "I am not sure what to write here." };
    return { content: code(answer) };
  };
}
