/**
 * An eval task: a requirements text as a user would write it, the module and
 * signatures the hidden tests import, a reference solution and hidden tests
 * (never shown to the model). Tasks are fixed files under `eval/tasks/<id>/`:
 * `task.json`, `reference.ts|js|py` and `hidden_test.ts|js|py` (Python
 * hidden tests are pytest-style `test_*` functions that import the module by
 * name, as builds' Python tests are).
 *
 * @module
 */
import { z } from "zod";
import { join } from "node:path";
import { languageNamed } from "../actors/languages/mod.ts";
import type { Infer, ZodObject } from "./_outside_types.ts";

/** The fields of `task.json`, one zod schema each. */
const taskSpecShape = {
  /** Short title for reports. */
  title: z.string().min(1).max(120),
  /** The build language (its hidden tests run in that language's sandbox). */
  language: z.enum(["typescript", "javascript", "python"]),
  difficulty: z.enum(["easy", "medium", "hard"]),
  /** The file the model must write and the hidden tests import, e.g. `slugify.ts`, `roman.py`. */
  module: z.string().regex(/^[a-z0-9_]+\.(ts|js|py)$/),
  /** What the user asks for, in their words. */
  requirements: z.string().min(20).max(4000),
  /** The exports the hidden tests need, as declarations (shown to the model). */
  signatures: z.string().min(1).max(2000),
  /** Names and kinds of those exports (for the empty implementation). */
  exports: z.array(z.object({
    name: z.string().regex(/^[A-Za-z_$][\w$]*$/),
    kind: z.enum(["function", "class", "const"]),
  })).min(1),
};

/**
 * The type of those fields' schemas.
 * @internal
 */
type TaskSpecShape = typeof taskSpecShape;

/** `task.json`. */
export const TaskSpecSchema: ZodObject<TaskSpecShape> = z.object(
  taskSpecShape,
);

/** What `task.json` holds. */
export type TaskSpec = Infer<typeof TaskSpecSchema>;

/** A loaded task with its files' contents. */
export interface EvalTask extends TaskSpec {
  /** The folder name. */
  readonly id: string;
  /** Reference solution source. */
  readonly reference: string;
  /** Hidden test source; it imports `./<module>` (Python: the module by name). */
  readonly hiddenTest: string;
  /** File name of the hidden test (`hidden_test.ts|js|py`). */
  readonly hiddenTestName: string;
}

/** The task set kept in the repository. */
export const TASKS_DIR: string = new URL("./tasks/", import.meta.url).pathname;

/** A task folder that cannot be used; names the folder and the problem. */
export class TaskError extends Error {
  /** Always `TaskError`. */
  override name = "TaskError";
}

/**
 * Turns a `--tasks` pattern into a predicate over task ids: comma-separated
 * globs where `*` is any run of characters and `?` one character.
 *
 * @example
 * ```ts
 * import { taskFilter } from "./task.ts";
 * console.assert(taskFilter("ts_*,js_lru*")("ts_slugify"));
 * ```
 */
export function taskFilter(
  pattern: string | undefined,
): (id: string) => boolean {
  if (pattern === undefined || pattern.trim() === "") return () => true;
  const regexes = pattern.split(",").map((p) => p.trim()).filter(Boolean).map(
    (glob) =>
      new RegExp(
        "^" +
          glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")
            .replace(/\?/g, ".") +
          "$",
      ),
  );
  return (id) => regexes.some((r) => r.test(id));
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** The file extension of a task language's reference and hidden test. */
export function extensionOf(language: TaskSpec["language"]): string {
  return language === "typescript"
    ? "ts"
    : language === "javascript"
    ? "js"
    : "py";
}

/** Loads one task folder. */
export async function loadTask(dir: string, id: string): Promise<EvalTask> {
  const raw = await readText(join(dir, "task.json"));
  if (raw === undefined) throw new TaskError(`${id}: task.json is missing`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new TaskError(`${id}: task.json is not JSON: ${error}`);
  }
  const parsed = TaskSpecSchema.safeParse(json);
  if (!parsed.success) {
    throw new TaskError(
      `${id}: task.json: ${
        parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)
          .join("; ")
      }`,
    );
  }
  const ext = extensionOf(parsed.data.language);
  if (!parsed.data.module.endsWith(`.${ext}`)) {
    throw new TaskError(`${id}: module must end in .${ext}`);
  }
  const reference = await readText(join(dir, `reference.${ext}`));
  const hiddenTestName = `hidden_test.${ext}`;
  const hiddenTest = await readText(join(dir, hiddenTestName));
  if (reference === undefined || hiddenTest === undefined) {
    throw new TaskError(
      `${id}: reference.${ext} and ${hiddenTestName} are required`,
    );
  }
  return { ...parsed.data, id, reference, hiddenTest, hiddenTestName };
}

/**
 * Loads the task set, sorted by id, keeping the ids `filter` accepts.
 * A broken task folder is an error, not a skipped task.
 */
export async function loadTasks(
  options: { dir?: string; filter?: (id: string) => boolean } = {},
): Promise<EvalTask[]> {
  const dir = options.dir ?? TASKS_DIR;
  const filter = options.filter ?? (() => true);
  const ids: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory && filter(entry.name)) ids.push(entry.name);
  }
  ids.sort();
  return await Promise.all(ids.map((id) => loadTask(join(dir, id), id)));
}

/**
 * The requirements a build is created with: the user's text, then the file
 * and exports the result must have (what a user would say to get code they
 * can call). The hidden tests are never part of it.
 */
export function buildRequirements(task: TaskSpec): string {
  const fence = languageNamed(task.language)?.fence ?? task.language;
  const names = task.language === "python"
    ? "defining exactly these names"
    : "exporting exactly these names";
  return `${task.requirements.trim()}

Put the implementation in the file \`${task.module}\` at the top level, ${names}:

\`\`\`${fence}
${task.signatures.trim()}
\`\`\`

Write tests for it too.`;
}

/**
 * A module that exports the task's names and does nothing: the hidden tests
 * must fail on it (no task passes for free).
 */
export function emptyImplementation(task: TaskSpec): string {
  if (task.language === "python") {
    return task.exports.map((e) =>
      e.kind === "function"
        ? `def ${e.name}(*args, **kwargs):\n    return None\n\n`
        : e.kind === "class"
        ? `class ${e.name}:\n    def __init__(self, *args, **kwargs):\n        pass\n\n`
        : `${e.name} = None\n`
    ).join("");
  }
  return task.exports.map((e) =>
    e.kind === "function"
      ? `export function ${e.name}() {}\n`
      : e.kind === "class"
      ? `export class ${e.name} {}\n`
      : `export const ${e.name} = undefined;\n`
  ).join("");
}
