/**
 * TypeScript and JavaScript: tests run under `deno test`, named
 * `*_test.ts`, `*.test.ts`, `*.spec.ts` or `test.ts` (and the same with the
 * JavaScript extensions).
 *
 * @module
 */
import { baseName, type LanguageSpec } from "./model.ts";

const TS_EXTENSIONS = ["ts", "tsx", "mts", "cts"] as const;
const JS_EXTENSIONS = ["js", "jsx", "mjs", "cjs"] as const;

/** `test.ts`, `x_test.ts`, `x.test.ts`, `x.spec.ts`, `x_spec.ts` for the given extensions. */
function testPredicate(extensions: readonly string[]) {
  const pattern = new RegExp(
    `^(?:.*[._])?(?:test|spec)\\.(?:${extensions.join("|")})$`,
  );
  return (path: string) => pattern.test(baseName(path));
}

const LOOKS_LIKE_TEST =
  /\bDeno\.test\s*\(|\b(?:describe|it|test)\s*\(\s*["'`]|from\s+["'](?:node:assert|jsr:@std\/(?:assert|expect|testing)|@std\/(?:assert|expect|testing)|https:\/\/deno\.land\/std[^"']*\/(?:assert|expect|testing))/;
const LOOKS_LIKE_CODE =
  /\b(?:export|import|function|const|let|class|interface|type)\b|=>/;

/** Relative modules a test imports, as workspace paths (`./slugify.ts` -> `slugify.ts`). */
function relativeImports(code: string): string[] {
  return [
    ...code.matchAll(
      /\bfrom\s+["'](\.\.?\/[^"']+)["']|\bimport\s*\(\s*["'](\.\.?\/[^"']+)["']\s*\)|\bimport\s+["'](\.\.?\/[^"']+)["']/g,
    ),
  ]
    .map((m) => (m[1] ?? m[2] ?? m[3] ?? "").replace(/^\.\//, ""))
    .filter((p) => p !== "" && !p.startsWith("../"));
}

const IMPORTS =
  "only relative imports, node:assert and the std assertion modules (@std/assert, @std/expect, @std/testing/bdd); no network, no npm:, no other jsr:, no file system access";

function denoLanguage<Id extends string>(
  id: Id,
  label: string,
  extensions: readonly string[],
  aliases: readonly string[],
  fenceTags: readonly string[],
): LanguageSpec<Id> {
  const ext = extensions[0]!;
  return Object.freeze({
    id,
    label,
    aliases,
    extensions,
    sandbox: "deno",
    fence: ext,
    fenceTags,
    isTestFile: testPredicate(extensions),
    isTestSupport: () => false,
    testFileFor: (base: string) => `${base}_test.${ext}`,
    testNaming: `files ending in _test.${ext} (or .test.${ext}, .spec.${ext})`,
    conventions:
      `Tests use Deno.test (or describe/it from @std/testing/bdd) and ${IMPORTS}.`,
    importPolicy: IMPORTS,
    looksLikeTest: (code: string) => LOOKS_LIKE_TEST.test(code),
    looksLikeCode: (code: string) => LOOKS_LIKE_CODE.test(code),
    relativeImports,
  });
}

/** TypeScript, tested by `deno test` (type-checked first). */
export const typescript: LanguageSpec<"typescript"> = denoLanguage(
  "typescript",
  "TypeScript",
  TS_EXTENSIONS,
  ["ts", "tsx", "deno"],
  ["ts", "typescript", "tsx", "mts", "cts", "deno", "typescript-react"],
);

/** JavaScript, tested by `deno test`. */
export const javascript: LanguageSpec<"javascript"> = denoLanguage(
  "javascript",
  "JavaScript",
  JS_EXTENSIONS,
  ["js", "jsx", "node"],
  ["js", "javascript", "jsx", "mjs", "cjs", "node", "javascript-react"],
);
