/**
 * Each build language's tools: the sandbox runner that runs its tests and
 * the syntax-tree analyser that scores it. The workflow dispatches through
 * {@linkcode toolsFor}; the analyser's language lookup goes through
 * {@linkcode analyserFor}.
 *
 * @example
 * ```ts ignore
 * const report = await toolsFor("python")!.runTests(workspace.dir, { timeoutMs: 30_000 });
 * ```
 *
 * @module
 */
import type { LanguageModule } from "../workflow/tools/analysis/model.ts";
import { pythonLanguage } from "../workflow/tools/analysis/python.ts";
import {
  javascriptLanguage,
  typescriptLanguage,
} from "../workflow/tools/analysis/typescript.ts";
import {
  type PythonSandboxPool,
  runPythonTests,
} from "../workflow/tools/python_sandbox/mod.ts";
import { runTests, type TestReport } from "../workflow/tools/sandbox.ts";
import { walkFiles } from "../workflow/tools/workspace.ts";
import { type Language, languageNamed, python } from "./mod.ts";
import { omitUndefined } from "../../runtime/optional.ts";

/** Options of one test run, whatever the language. */
export interface LanguageRunOptions {
  /** Wall-clock limit of the run in ms. */
  readonly timeoutMs?: number;
  /** Heap cap in MiB (deno sandbox). */
  readonly memoryMb?: number;
  /** Type-check first (TypeScript). */
  readonly check?: boolean;
  readonly signal?: AbortSignal;
  /** The warm Python pool to take a process from; default a cold process per run. */
  readonly pythonPool?: () => PythonSandboxPool;
}

/** What a language brings besides its description. */
export interface LanguageTools {
  /** Runs the tests of the workspace at `dir` in this language's sandbox. */
  runTests(dir: string, options: LanguageRunOptions): Promise<TestReport>;
  /** The syntax-tree analyser of its files. */
  readonly analyser: LanguageModule;
}

function denoTools(language: Language, analyser: LanguageModule) {
  return {
    analyser,
    runTests: (dir: string, options: LanguageRunOptions) =>
      runTests(dir, {
        language,
        ...omitUndefined({
          timeoutMs: options.timeoutMs,
          memoryMb: options.memoryMb,
          check: options.check,
        }),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
  };
}

/** Reads the workspace into the list the Python sandbox takes (it never sees the disk). */
async function workspaceFiles(
  dir: string,
): Promise<{ path: string; content: string }[]> {
  const files: { path: string; content: string }[] = [];
  for await (const file of walkFiles(dir)) {
    files.push({ path: file.rel, content: await Deno.readTextFile(file.abs) });
  }
  return files;
}

const TOOLS: Readonly<Record<Language, LanguageTools>> = Object.freeze({
  typescript: denoTools("typescript", typescriptLanguage),
  javascript: denoTools("javascript", javascriptLanguage),
  python: {
    analyser: pythonLanguage,
    runTests: async (dir: string, options: LanguageRunOptions) => {
      const files = await workspaceFiles(dir);
      return runPythonTests(files, {
        testFiles: files.map((f) => f.path).filter(python.isTestFile),
        ...(options.pythonPool ? { pool: options.pythonPool() } : {}),
        ...omitUndefined({ timeoutMs: options.timeoutMs }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    },
  },
});

/** The tools of the language called `name` (id or alias); undefined when there is none. */
export function toolsFor(name: string): LanguageTools | undefined {
  const language = languageNamed(name);
  return language ? TOOLS[language.id] : undefined;
}

/** The syntax-tree analyser of the language called `name`. */
export function analyserFor(name: string): LanguageModule | undefined {
  return toolsFor(name)?.analyser;
}
