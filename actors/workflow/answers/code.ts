/**
 * Reads the files out of a code answer with a real Markdown lexer
 * (`marked`), in the shapes coder models write them:
 *
 * - the name in the fence's info string: ```` ```ts file=src/x.ts ````,
 *   ```` ```ts:src/x.ts ````, ```` ```typescript title="x.ts" ````, ```` ```ts src/x.ts ````;
 * - on the line before the fence: `**src/x.ts**`, `### x.ts`, `File: x.ts`,
 *   `` `x.ts`: ``;
 * - as a first-line comment inside the block: `// x.ts`, `# x.py`,
 *   `// File: x.ts`;
 * - no name at all: tests are told from source by their content, and the
 *   source is named after what the test imports.
 *
 * Which files are tests, how unnamed ones are named and what counts as code
 * of the build's language come from its description in actors/languages/.
 *
 * Several blocks for one file: the last wins. CRLF, an unterminated last
 * fence, prose between blocks and `<think>` blocks first are all fine.
 *
 * @module
 */
import { Lexer, type Token, type Tokens } from "marked";
import type { GeneratedFile } from "../types.ts";
import { type Parsed, problem } from "./parsed.ts";
import { answerText } from "./text.ts";
import {
  isTestFile,
  languageNamed,
  languageOfFence,
  type LanguageSpec,
  typescript,
} from "../../languages/mod.ts";

/** One fenced code block found in model output. */
export interface CodeBlock {
  /** The info string's language, lower-cased; `typescript`/`javascript` become `ts`/`js`; "" when absent. */
  readonly lang: string;
  /** The file it is meant for, when the answer says so. */
  readonly path?: string;
  /** The block's content, without the fences and without a leading file-name comment. */
  readonly code: string;
}

const LANG_ALIASES: Record<string, string> = {
  typescript: "ts",
  javascript: "js",
  "typescript-react": "tsx",
  "javascript-react": "jsx",
  node: "js",
  deno: "ts",
  markdown: "md",
  shell: "sh",
  bash: "sh",
  console: "sh",
  python: "py",
};

/** A relative or absolute file path with an extension. */
const PATH =
  /^(?:\.{0,2}\/|[A-Za-z]:[\\/])?[\w@.+-][\w@.+\\/-]*\.[A-Za-z0-9]{1,10}$/;
const NAMED =
  /^(?:file(?:name)?|path|title|name)\s*[=:]\s*["'`]?([^"'`\s]+)["'`]?$/i;

function pathLike(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const t = token.trim();
  return PATH.test(t) && !/^\d+(\.\d+)+$/.test(t) ? t : undefined;
}

/** Language and file name out of an info string. */
function readInfo(info: string): { lang: string; path?: string } {
  const trimmed = info.trim();
  // ```ts:src/x.ts
  const colon = trimmed.match(/^([\w+-]+):(\S+)$/);
  if (colon && pathLike(colon[2])) {
    return { lang: normalizeLang(colon[1] ?? ""), path: colon[2] ?? "" };
  }
  const words = trimmed.match(/[^\s"']+=(?:"[^"]*"|'[^']*'|\S+)|\S+/g) ?? [];
  let lang = "";
  let path: string | undefined;
  for (const [i, word] of words.entries()) {
    const named = word.replace(/^\{|\}$/g, "").match(NAMED);
    if (named) {
      path ??= pathLike(named[1]);
      continue;
    }
    if (i === 0) {
      // ```src/x.ts: a path where the language would be.
      const asPath = word.includes(".") ? pathLike(word) : undefined;
      if (asPath) path ??= asPath;
      else {lang = normalizeLang(
          word.replace(/^\{?\.?/, "").replace(/[,}]$/, ""),
        );}
      continue;
    }
    path ??= pathLike(word);
  }
  if (!lang && path) lang = normalizeLang(path.split(".").pop() ?? "");
  return path === undefined ? { lang } : { lang, path };
}

function normalizeLang(lang: string): string {
  const l = lang.toLowerCase();
  return LANG_ALIASES[l] ?? l;
}

/** A file name announced by the line before a fence. */
function pathFromLine(line: string): string | undefined {
  let t = line.trim().replace(/:$/, "").trim();
  const heading = t.match(/^#{1,6}\s+(.*)$/);
  if (heading) t = (heading[1] ?? "").trim();
  t = t.replace(/^(?:\d+[.)]\s+|[-*+]\s+)/, "");
  const label = t.match(
    /^(?:\*\*|__)?(?:file(?:name)?|path)(?:\*\*|__)?\s*[:=]\s*(.+)$/i,
  );
  if (label) t = (label[1] ?? "").trim();
  t = t.replace(/:$/, "");
  const wrapped = t.match(/^(\*\*|__|`)(.+)\1$/) ??
    t.match(/^\*\*`(.+)`\*\*$/) ?? t.match(/^`\*\*(.+)\*\*`$/);
  if (wrapped) t = (wrapped[2] ?? wrapped[1] ?? "").replace(/^`|`$/g, "");
  const direct = pathLike(t);
  if (direct) return direct;
  // "Create `src/x.ts`:" / "And the tests, in **x_test.ts**:"
  if (line.trim().endsWith(":") && line.length < 120) {
    const spans = [...line.matchAll(/`([^`\s]+)`|\*\*([^*\s]+)\*\*/g)]
      .map((m) => pathLike(m[1] ?? m[2])).filter((p) => p !== undefined);
    if (spans.length === 1) return spans[0];
  }
  return undefined;
}

/** `// x.ts`, `# x.py`, `// File: x.ts`, `<!-- x.md -->` as a block's first line. */
function pathFromComment(line: string): string | undefined {
  const m = line.trim().match(
    /^(?:\/\/|#|--|\/\*+|<!--)\s*(?:(?:file(?:name)?|path)\s*:\s*)?`?([^\s`*]+)`?\s*(?:\*\/|-->)?$/i,
  );
  return m ? pathLike(m[1]) : undefined;
}

/**
 * Finds the fenced code blocks in model output, with the file each one is
 * meant for when the answer says so.
 *
 * @example
 * ```ts
 * import { extractCodeBlocks } from "./code.ts";
 * const fence = "`".repeat(3);
 * const [block] = extractCodeBlocks(`${fence}ts file=mod.ts\nexport const x = 1;\n${fence}`);
 * console.assert(block?.path === "mod.ts" && block.code === "export const x = 1;");
 * ```
 */
export function extractCodeBlocks(raw: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  walk(new Lexer().lex(answerText(raw)), blocks);
  return blocks;
}

function walk(tokens: readonly Token[], out: CodeBlock[]): void {
  let before: string | undefined;
  for (const token of tokens) {
    if (token.type === "space") continue;
    if (token.type === "code") {
      const code = token as Tokens.Code;
      if (code.codeBlockStyle !== "indented") out.push(toBlock(code, before));
      before = undefined;
      continue;
    }
    if (token.type === "list") {
      for (const item of (token as Tokens.List).items) walk(item.tokens, out);
      before = undefined;
      continue;
    }
    if (
      token.type === "heading" || token.type === "paragraph" ||
      token.type === "text"
    ) {
      const text = "raw" in token ? String(token.raw).trim() : "";
      before = text.split("\n").pop();
      continue;
    }
    before = undefined;
  }
}

function toBlock(token: Tokens.Code, before: string | undefined): CodeBlock {
  const info = readInfo(token.lang ?? "");
  let code = token.text;
  let path = info.path;
  if (path === undefined) {
    const first = code.split("\n", 1)[0] ?? "";
    const fromComment = pathFromComment(first);
    if (fromComment) {
      path = fromComment;
      code = code.slice(first.length).replace(/^\n/, "");
    }
  }
  path ??= before === undefined ? undefined : pathFromLine(before);
  const lang = info.lang ||
    (path ? normalizeLang(path.split(".").pop() ?? "") : "");
  return path === undefined ? { lang, code } : { lang, path, code };
}

/** The build language's description; unknown names read as TypeScript. */
function specOf(language: string): LanguageSpec {
  return languageNamed(language) ?? typescript;
}

/** Whether an unnamed block in `lang` can hold code of `spec` (same sandbox, or no language given). */
function sameFamily(lang: string, spec: LanguageSpec): boolean {
  if (lang === "") return true;
  return languageOfFence(lang)?.sandbox === spec.sandbox;
}

/** Why a file name may not be written; undefined when it may. */
function unsafe(path: string): string | undefined {
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "is absolute";
  if (path.includes("\\")) return "contains a backslash";
  if (path.includes("\0")) return "contains a NUL byte";
  if (path.split("/").includes("..")) return "leaves the workspace (..)";
  return undefined;
}

/**
 * Reads the files out of a generation answer. Needs at least one source and
 * one test file, each with a safe relative name; every other outcome is a
 * named reason for the corrective prompt.
 *
 * @example
 * ```ts
 * import { parseGeneration } from "./code.ts";
 * const fence = "`".repeat(3);
 * const text = `${fence}ts file=add.ts\nexport const add = (a: number, b: number) => a + b;\n${fence}\n` +
 *   `${fence}ts file=add_test.ts\nimport { add } from './add.ts';\nDeno.test('adds', () => { if (add(1, 2) !== 3) throw new Error(); });\n${fence}`;
 * const parsed = parseGeneration(text, "typescript");
 * if (!parsed.ok || parsed.value.length !== 2) throw new Error("expected two files");
 * ```
 */
export function parseGeneration(
  text: string,
  language: string,
): Parsed<GeneratedFile[]> {
  if (answerText(text) === "") {
    return problem("empty_answer", "the answer was empty");
  }
  const blocks = extractCodeBlocks(text);
  if (blocks.length === 0) {
    return problem(
      "no_code_blocks",
      "no fenced code blocks were found (write every file as a ``` fenced block)",
    );
  }
  const spec = specOf(language);
  const files = new Map<string, GeneratedFile>();
  const unnamedSources: string[] = [];
  const unnamedTests: string[] = [];
  for (const block of blocks) {
    if (block.path === undefined) {
      if (!sameFamily(block.lang, spec) || !spec.looksLikeCode(block.code)) {
        continue;
      }
      (spec.looksLikeTest(block.code) ? unnamedTests : unnamedSources).push(
        block.code,
      );
      continue;
    }
    const path = block.path.replace(/^(?:\.\/)+/, "");
    const why = unsafe(path);
    if (why) {
      return problem(
        "unsafe_path",
        `the file name ${
          JSON.stringify(path)
        } ${why}; use a relative name inside the project`,
      );
    }
    files.set(path, {
      path,
      content: block.code,
      kind: kindOf(path, spec),
    });
  }
  nameUnnamed(files, unnamedSources, unnamedTests, spec);
  const list = [...files.values()];
  const hasSource = list.some((f) => f.kind === "source");
  const hasTest = list.some((f) => isTestFile(f.path));
  if (!hasSource && !hasTest) {
    return problem(
      "no_code_blocks",
      `no ${spec.label} code blocks were found; write the module and its tests as fenced blocks`,
    );
  }
  if (!hasSource) {
    return problem(
      "no_source",
      `the answer has tests but no source file; include the module itself (e.g. mod.${
        spec.extensions[0]
      })`,
    );
  }
  if (!hasTest) {
    return problem(
      "no_tests",
      `the answer has source but no test file; put the tests in ${spec.testNaming} (e.g. ${
        spec.testFileFor("mod")
      })`,
    );
  }
  return { ok: true, value: list };
}

function kindOf(path: string, spec: LanguageSpec): GeneratedFile["kind"] {
  return /\.(md|markdown|txt)$/i.test(path)
    ? "doc"
    : isTestFile(path) || spec.isTestSupport(path)
    ? "test"
    : "source";
}

/**
 * Names blocks that came without a name: each source after the first
 * workspace import of a test that no named file provides (or mod.<ext>),
 * each test after its source, the language's way (`x_test.ts`, `test_x.py`).
 */
function nameUnnamed(
  files: Map<string, GeneratedFile>,
  sources: readonly string[],
  tests: readonly string[],
  spec: LanguageSpec,
): void {
  const ext = spec.extensions[0];
  const wanted = tests.flatMap(spec.relativeImports).filter((p) =>
    !files.has(p)
  );
  const sourceNames: string[] = [];
  for (const [i, code] of sources.entries()) {
    const name = wanted[i] ?? (i === 0 ? `mod.${ext}` : `mod${i + 1}.${ext}`);
    sourceNames.push(name);
    files.set(name, { path: name, content: code, kind: "source" });
  }
  for (const [i, code] of tests.entries()) {
    const imported = spec.relativeImports(code)[0];
    const base = (imported ?? sourceNames[i] ?? `mod.${ext}`)
      .replace(/\.[^./]+$/, "");
    let name = spec.testFileFor(base);
    for (let n = 2; files.has(name); n++) {
      name = spec.testFileFor(`${base}${n}`);
    }
    files.set(name, { path: name, content: code, kind: "test" });
  }
}
