/**
 * The build languages in one place: each one's names, extensions, test-file
 * rule, prompt conventions and answer reading ({@linkcode LanguageSpec}).
 * Everything that needs a list of languages or asks "is this a test file"
 * asks this module; the sandbox runner and analyser of each language are
 * bound in `./tools.ts`. A new language is one more file here plus a runner.
 *
 * @example
 * ```ts
 * import { isTestFile, languageNamed, languageOfPath } from "./mod.ts";
 * languageNamed("py")?.id; // "python"
 * languageOfPath("src/app.tsx")?.id; // "typescript"
 * isTestFile("test_stack.py"); // true
 * isTestFile("stack.spec.ts"); // true
 * ```
 *
 * @module
 */
import { z } from "zod";
import type { LanguageSpec } from "./model.ts";
import type { ZodSchema } from "./_outside_types.ts";
import { python } from "./python.ts";
import { javascript, typescript } from "./typescript.ts";

export { baseName, type LanguageSpec } from "./model.ts";
export { python } from "./python.ts";
export { javascript, typescript } from "./typescript.ts";

/** Every build language, in the order menus show them. */
export const LANGUAGES: readonly [
  LanguageSpec<"typescript">,
  LanguageSpec<"javascript">,
  LanguageSpec<"python">,
] = Object.freeze(
  [typescript, javascript, python] as const,
);

/** A build language id: "typescript", "javascript" or "python". */
export type Language = typeof LANGUAGES[number]["id"];

/** The ids of {@linkcode LANGUAGES}. */
export const SUPPORTED_LANGUAGES: readonly [Language, ...Language[]] = Object
  .freeze(
    LANGUAGES.map((l) => l.id) as [Language, ...Language[]],
  );

/** The language called `name` (its id or an alias, any case); undefined when none is. */
export function languageNamed(
  name: string,
): LanguageSpec<Language> | undefined {
  const n = name.trim().toLowerCase();
  return LANGUAGES.find((l) => l.id === n || l.aliases.includes(n));
}

/** The language a fenced block's info-string language means (`py`, `typescript`). */
export function languageOfFence(tag: string): LanguageSpec | undefined {
  const t = tag.trim().toLowerCase();
  return LANGUAGES.find((l) => l.fenceTags.includes(t));
}

/** The language whose extension `path` has; undefined for other files. */
export function languageOfPath(path: string): LanguageSpec | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext === undefined
    ? undefined
    : LANGUAGES.find((l) => l.extensions.includes(ext));
}

/** Whether `path` is a test file of its language (by extension). */
export function isTestFile(path: string): boolean {
  return languageOfPath(path)?.isTestFile(path) ?? false;
}

/**
 * Whether `path` holds test code: a test file, a test support file
 * (`conftest.py`) or any file under a `test/` or `tests/` folder. The
 * analyser and the docs tool skip or relax rules for these.
 */
export function isTestCode(path: string): boolean {
  const language = languageOfPath(path);
  return (language?.isTestFile(path) ?? false) ||
    (language?.isTestSupport(path) ?? false) ||
    /(^|\/)tests?\//i.test(path);
}

/** Every extension of every language, without dots. */
export const SOURCE_EXTENSIONS: readonly string[] = Object.freeze(
  LANGUAGES.flatMap((l) => l.extensions),
);

/**
 * Validates a build language name (id or alias, any case) and gives its id,
 * with an error that says what is supported.
 */
export const languageSchema: ZodSchema<Language, string> = z.string().trim()
  .toLowerCase().transform((
    name,
  ) => languageNamed(name)?.id ?? name).pipe(
    z.enum(SUPPORTED_LANGUAGES, {
      error: (issue) =>
        `unsupported language ${
          JSON.stringify(issue.input)
        }: builds can target ${
          LANGUAGES.map((l) => l.id).join(", ")
        } (the languages whose tests run in a sandbox)`,
    }),
  );
