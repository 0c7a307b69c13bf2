/**
 * The analysed languages, one module each (parser grammar plus rules), and
 * how a file is matched to one: by its extension first, then by the
 * language the caller named.
 *
 * @example
 * ```ts
 * languageFor("app.py", "typescript")?.id; // "python"
 * languageFor("notes.txt", "go"); // undefined: line-based rules only
 * ```
 *
 * @module
 */

import type { LanguageModule } from "./model.ts";
import { pythonLanguage } from "./python.ts";
import { javascriptLanguage, typescriptLanguage } from "./typescript.ts";

export * from "./model.ts";
export { pythonLanguage } from "./python.ts";
export { javascriptLanguage, typescriptLanguage } from "./typescript.ts";
export {
  createGrammarLoader,
  DEFAULT_GRAMMARS,
  type Grammar,
  type GrammarLoader,
  parseSource,
  type SyntaxNode,
} from "./tree.ts";

const BY_EXTENSION: Readonly<Record<string, LanguageModule>> = Object.freeze({
  ts: typescriptLanguage,
  mts: typescriptLanguage,
  cts: typescriptLanguage,
  tsx: typescriptLanguage,
  js: javascriptLanguage,
  mjs: javascriptLanguage,
  cjs: javascriptLanguage,
  jsx: javascriptLanguage,
  py: pythonLanguage,
  pyi: pythonLanguage,
});

const BY_NAME: Readonly<Record<string, LanguageModule>> = Object.freeze({
  typescript: typescriptLanguage,
  ts: typescriptLanguage,
  tsx: typescriptLanguage,
  javascript: javascriptLanguage,
  js: javascriptLanguage,
  jsx: javascriptLanguage,
  node: javascriptLanguage,
  python: pythonLanguage,
  py: pythonLanguage,
  python3: pythonLanguage,
});

/** Languages `POST /v1/analyze` and the workflow accept by name. */
export const ANALYZED_LANGUAGES: readonly string[] = Object.freeze(
  Object.keys(BY_NAME),
);

/**
 * The language module for `path`: its extension decides; a file without a
 * known extension takes `language`. Undefined for languages without a
 * grammar (their files get the line-based rules only).
 */
export function languageFor(
  path: string,
  language: string,
): LanguageModule | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  if (ext !== undefined) {
    const byExt = BY_EXTENSION[ext];
    if (byExt) return byExt;
    if (/^(c|h|cc|cpp|java|go|rs|cs|kt|swift|rb|php|md|txt|json)$/.test(ext)) {
      return undefined;
    }
  }
  return BY_NAME[language.toLowerCase()];
}
