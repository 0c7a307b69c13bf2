/**
 * What Troupe knows about one build language: its names, file extensions,
 * how its test files are named, how prompts ask for it and how answers in it
 * are read. The sandbox runner and the analyser of each language are bound
 * to it in `./tools.ts`.
 *
 * @module
 */

/** One build language. */
export interface LanguageSpec<Id extends string = string> {
  /** The name builds, the API and the bot use: "typescript", "javascript", "python". */
  readonly id: Id;
  /** How people read it: "TypeScript". */
  readonly label: string;
  /** Other names accepted for it (lower case): "ts", "py", "python3". */
  readonly aliases: readonly string[];
  /** File extensions without the dot, the usual one first. */
  readonly extensions: readonly string[];
  /** The sandbox its tests run in: `deno test`, or Python in WebAssembly. */
  readonly sandbox: "deno" | "pyodide";
  /** Info string of the fenced blocks prompts ask for ("ts", "python"). */
  readonly fence: string;
  /** Info-string languages in answers that mean this language (lower case). */
  readonly fenceTags: readonly string[];
  /** Whether `path` (workspace-relative, `/`-separated) names a test file the sandbox runs. */
  isTestFile(path: string): boolean;
  /** Files that serve tests without being test files themselves (Python's `conftest.py`). */
  isTestSupport(path: string): boolean;
  /** The test file for the module `base` (no extension): "stack" -> "stack_test.ts". */
  testFileFor(base: string): string;
  /** How test files are named, in words for prompts and errors. */
  readonly testNaming: string;
  /** How tests are written, for the generation prompt. */
  readonly conventions: string;
  /** What tests may import, for the prompt after a refused import. */
  readonly importPolicy: string;
  /** Whether an unnamed block's code is a test rather than source. */
  looksLikeTest(code: string): boolean;
  /** Whether an unnamed block's code is code of this language at all. */
  looksLikeCode(code: string): boolean;
  /** Workspace files a test imports, in order (`./slug.ts` -> `slug.ts`, `from slug import x` -> `slug.py`). */
  relativeImports(code: string): string[];
}

/** The base name of a `/`-separated path. */
export function baseName(path: string): string {
  return path.split("/").at(-1) ?? path;
}
