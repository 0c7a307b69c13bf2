/**
 * The analysed languages, one module each (parser grammar plus rules), and
 * how a file is matched to one: by its extension first, then by the
 * language the caller named (both looked up in actors/languages/).
 *
 * @example
 * ```ts
 * languageFor("app.py", "typescript")?.id; // "python"
 * languageFor("notes.txt", "go"); // undefined: line-based rules only
 * ```
 *
 * @module
 */

import { languageOfPath, LANGUAGES } from "../../../languages/mod.ts";
import { analyserFor } from "../../../languages/tools.ts";
import type { LanguageModule } from "./model.ts";

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
  type WasmLocator,
} from "./tree.ts";

/** Languages `POST /v1/analyze` and the workflow accept by name (ids and aliases). */
export const ANALYZED_LANGUAGES: readonly string[] = Object.freeze(
  LANGUAGES.flatMap((l) => [l.id, ...l.aliases]),
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
  const byPath = languageOfPath(path);
  if (byPath) return analyserFor(byPath.id);
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  if (ext !== undefined) {
    if (/^(c|h|cc|cpp|java|go|rs|cs|kt|swift|rb|php|md|txt|json)$/.test(ext)) {
      return undefined;
    }
  }
  return analyserFor(language);
}
