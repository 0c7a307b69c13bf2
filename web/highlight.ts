/**
 * Server-side syntax highlighting with highlight.js (from npm), split into
 * lines so findings can be marked on the line they are about.
 *
 * @module
 */
// @ts-types="./_hljs_core.d.ts"
import hljs from "highlight.js/lib/core";
// @ts-types="./_hljs_language.d.ts"
import javascript from "highlight.js/lib/languages/javascript";
// @ts-types="./_hljs_language.d.ts"
import json from "highlight.js/lib/languages/json";
// @ts-types="./_hljs_language.d.ts"
import markdown from "highlight.js/lib/languages/markdown";
// @ts-types="./_hljs_language.d.ts"
import python from "highlight.js/lib/languages/python";
// @ts-types="./_hljs_language.d.ts"
import typescript from "highlight.js/lib/languages/typescript";

hljs.registerLanguage("typescript", typescript);
hljs.registerLanguage("javascript", javascript);
hljs.registerLanguage("python", python);
hljs.registerLanguage("json", json);
hljs.registerLanguage("markdown", markdown);

const BY_EXTENSION: Record<string, string> = {
  ts: "typescript",
  tsx: "typescript",
  mts: "typescript",
  cts: "typescript",
  js: "javascript",
  jsx: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  py: "python",
  json: "json",
  md: "markdown",
};

/** The highlight.js language of a path, if one is registered for it. */
export function languageOf(path: string): string | undefined {
  const ext = path.split(".").pop()?.toLowerCase() ?? "";
  return BY_EXTENSION[ext];
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(
    ">",
    "&gt;",
  ).replaceAll('"', "&quot;");
}

/**
 * `code` as highlighted HTML, one string per line; a span that runs over a
 * line break (a block comment, a template string) is closed at the end of
 * the line and opened again on the next, so each line stands alone.
 *
 * @example
 * ```ts
 * import { highlightLines } from "./highlight.ts";
 * const lines = highlightLines("const a = 1;\n", "a.ts");
 * // lines[0] contains <span class="hljs-keyword">const</span>
 * ```
 */
export function highlightLines(code: string, path: string): string[] {
  const language = languageOf(path);
  const html = language
    ? hljs.highlight(code, { language, ignoreIllegals: true }).value
    : escapeHtml(code);
  const lines: string[] = [];
  const open: string[] = [];
  for (const line of html.split("\n")) {
    let out = open.join("");
    const tags = /<span[^>]*>|<\/span>/g;
    let last = 0;
    for (let m = tags.exec(line); m; m = tags.exec(line)) {
      out += line.slice(last, m.index) + m[0];
      last = m.index + m[0].length;
      if (m[0] === "</span>") open.pop();
      else open.push(m[0]);
    }
    out += line.slice(last) + "</span>".repeat(open.length);
    lines.push(out);
  }
  if (lines.length > 1 && lines.at(-1) === "") lines.pop();
  return lines;
}
