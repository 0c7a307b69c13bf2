/**
 * Documentation generated from code: each module's exported functions,
 * classes (with public members), interfaces, types, enums and constants, with
 * their signatures and JSDoc (or Python docstrings), as one Markdown
 * document. Deterministic: the same files always give the same text.
 *
 * @example
 * ```ts
 * const markdown = generateDocs([
 *   { path: "src/add.ts", content: "/** Adds. *\/\nexport function add(a: number, b: number): number { return a + b; }\n" },
 * ], { title: "Calculator" });
 * ```
 *
 * @module
 */

import {
  codeTokens,
  matchBracket,
  syntaxOf,
  type Token,
  tokenize,
} from "./analysis_tokens.ts";

/** A source file to document. */
export interface DocSourceFile {
  path: string;
  content: string;
}

/** Options of {@linkcode generateDocs}. */
export interface GenerateDocsOptions {
  /** Title of the document. Default "API". */
  title?: string;
  /** Text under the title (a project summary, say). */
  description?: string;
  /** Leave out test files (`*_test.*`, `*.test.*`, `tests/`). Default true. */
  skipTests?: boolean;
}

/** A parsed doc comment. */
export interface DocComment {
  /** Text before the first tag. */
  description: string;
  params: { name: string; description: string }[];
  returns?: string;
  throws: string[];
  examples: string[];
  deprecated?: string;
}

/** One documented symbol. */
export interface DocSymbol {
  kind:
    | "function"
    | "class"
    | "interface"
    | "type"
    | "enum"
    | "const"
    | "let"
    | "var"
    | "namespace"
    | "method"
    | "property"
    | "constructor"
    | "default";
  name: string;
  signature: string;
  line: number;
  doc?: DocComment;
  members: DocSymbol[];
}

/** One documented module. */
export interface DocModule {
  path: string;
  doc?: DocComment;
  symbols: DocSymbol[];
  reexports: string[];
}

const MAX_SIGNATURE = 400;
/** Interfaces, types and enums are shown whole up to this length. */
const MAX_BODY = 3000;
const TYPE_PREFIX = new Set([
  ":",
  "|",
  "&",
  "=>",
  ",",
  "<",
  "(",
  "[",
  "=",
  "?",
  "extends",
  "keyof",
  "typeof",
  "readonly",
]);
const TEST_PATH = /(^|[/_.])(test|spec)s?\.[a-z]+$|(^|\/)tests?\//i;

/**
 * Renders Markdown documentation for the exported API of `files`.
 *
 * @example
 * ```ts
 * const md = generateDocs([{ path: "lib.py", content: 'def hi():\n    """Says hi."""\n' }]);
 * md.includes("### function hi"); // true
 * ```
 */
export function generateDocs(
  files: readonly DocSourceFile[],
  options: GenerateDocsOptions = {},
): string {
  const modules = extractModules(files, options);
  const out: string[] = [`# ${options.title ?? "API"}`, ""];
  if (options.description) out.push(options.description.trim(), "");
  if (modules.length === 0) {
    out.push("_No modules._", "");
    return out.join("\n");
  }
  out.push("## Modules", "");
  for (const m of modules) {
    const summary = m.doc ? ` — ${firstSentence(m.doc.description)}` : "";
    out.push(`- [${m.path}](#${anchor(m.path)})${summary}`);
  }
  out.push("");
  for (const m of modules) {
    out.push(`## ${m.path}`, "");
    if (m.doc?.description) out.push(m.doc.description, "");
    if (m.symbols.length === 0 && m.reexports.length === 0) {
      out.push("_No exported symbols._", "");
    }
    for (const s of m.symbols) renderSymbol(out, s, "###", m.path);
    if (m.reexports.length > 0) {
      out.push("### Re-exports", "");
      for (const r of m.reexports) out.push(`- \`${r}\``);
      out.push("");
    }
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}

/** The structured form of what {@linkcode generateDocs} renders. */
export function extractModules(
  files: readonly DocSourceFile[],
  options: GenerateDocsOptions = {},
): DocModule[] {
  const skipTests = options.skipTests ?? true;
  return [...files]
    .filter((f) => !(skipTests && TEST_PATH.test(f.path)))
    .sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
    .map((f) => syntaxOf(f.path) === "python" ? pythonModule(f) : jsModule(f));
}

function renderSymbol(
  out: string[],
  s: DocSymbol,
  level: string,
  path: string,
): void {
  out.push(`${level} ${s.kind} ${s.name}`, "");
  const lang = syntaxOf(path) === "python" ? "python" : "ts";
  out.push("```" + lang, s.signature, "```", "");
  const doc = s.doc;
  if (doc?.deprecated !== undefined) {
    out.push(`**Deprecated.** ${doc.deprecated}`.trim(), "");
  }
  if (doc?.description) out.push(doc.description, "");
  if (doc && doc.params.length > 0) {
    out.push("| Parameter | Description |", "| --- | --- |");
    for (const p of doc.params) {
      out.push(`| \`${p.name}\` | ${escapeCell(p.description)} |`);
    }
    out.push("");
  }
  if (doc?.returns) out.push(`**Returns:** ${doc.returns}`, "");
  for (const t of doc?.throws ?? []) out.push(`**Throws:** ${t}`, "");
  for (const example of doc?.examples ?? []) {
    out.push("**Example:**", "");
    out.push(
      /^```/.test(example.trim()) ? example.trim() : "```" + lang + "\n" +
        example.trim() + "\n```",
      "",
    );
  }
  if (!doc) out.push("_Not documented._", "");
  for (const member of s.members) {
    renderSymbol(out, member, level + "#", path);
  }
}

/** Parses a `/** ... *\/` comment (or a docstring) into a {@linkcode DocComment}. */
export function parseDocComment(raw: string): DocComment {
  const body = raw.startsWith("/**")
    ? raw.slice(3, raw.endsWith("*/") ? -2 : undefined)
      .split("\n")
      .map((l) => l.replace(/^\s*\* ?/, ""))
    : dedent(raw).split("\n");
  const doc: DocComment = {
    description: "",
    params: [],
    throws: [],
    examples: [],
  };
  const description: string[] = [];
  let current: { tag: string; lines: string[] } | null = null;
  const flush = () => {
    if (!current) return;
    const text = current.lines.join("\n").trim();
    switch (current.tag) {
      case "param":
      case "arg":
      case "argument": {
        const m =
          /^(?:\{[^}]*\}\s*)?\[?([\w$.]+)[^\]\s]*\]?\s*(?:-\s*)?([\s\S]*)$/
            .exec(text);
        if (m) {
          doc.params.push({
            name: m[1] ?? "",
            description: (m[2] ?? "").replace(/\s+/g, " ").trim(),
          });
        }
        break;
      }
      case "returns":
      case "return":
        doc.returns = text.replace(/^\{[^}]*\}\s*/, "").replace(/\s+/g, " ");
        break;
      case "throws":
      case "throw":
        doc.throws.push(text.replace(/\s+/g, " "));
        break;
      case "example":
        doc.examples.push(current.lines.join("\n").replace(/^\n+|\s+$/g, ""));
        break;
      case "deprecated":
        doc.deprecated = text;
        break;
    }
    current = null;
  };
  let inFence = false;
  for (const line of body) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const tag = inFence ? null : /^\s*@(\w+)\s?(.*)$/.exec(line);
    if (tag) {
      flush();
      current = { tag: tag[1] ?? "", lines: [tag[2] ?? ""] };
    } else if (current) current.lines.push(line);
    else description.push(line);
  }
  flush();
  doc.description = description.join("\n").trim().replace(
    /\{@link(?:code|plain)? ([^}]+)\}/g,
    "`$1`",
  );
  return doc;
}

function jsModule(file: DocSourceFile): DocModule {
  const tokens = tokenize(file.content, "js");
  const module: DocModule = { path: file.path, symbols: [], reexports: [] };
  const moduleDoc = tokens.find((t) =>
    t.type === "comment" && t.value.startsWith("/**") &&
    /@module\b/.test(t.value)
  );
  if (moduleDoc) module.doc = parseDocComment(moduleDoc.value);
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.type === "punct") {
      if (t.value === "{" || t.value === "(" || t.value === "[") depth++;
      else if (t.value === "}" || t.value === ")" || t.value === "]") depth--;
      continue;
    }
    if (depth !== 0 || t.type !== "ident" || t.value !== "export") continue;
    if (tokens[k - 1]?.value === ".") continue;
    const doc = docBefore(tokens, k);
    const code = codeTokensFrom(tokens, k + 1);
    const first = code[0];
    if (!first) continue;
    const typeOnly = first.value === "type" &&
      (code[1]?.value === "{" || code[1]?.value === "*");
    if (first.value === "{" || first.value === "*" || typeOnly) {
      const end = code.findIndex((c) =>
        c.value === ";" ||
        (c.line > first.line && c.value === "export")
      );
      const slice = end === -1 ? code : code.slice(0, end);
      module.reexports.push(
        "export " + span(file.content, slice, 0, slice.length),
      );
      continue;
    }
    const symbol = jsDeclaration(file.content, tokens, code, doc);
    if (symbol) module.symbols.push(symbol);
  }
  return module;
}

function jsDeclaration(
  source: string,
  all: readonly Token[],
  code: Token[],
  doc: DocComment | undefined,
): DocSymbol | null {
  let j = 0;
  const modifiers: string[] = [];
  while (
    ["default", "async", "declare", "abstract"].includes(code[j]?.value ?? "")
  ) {
    modifiers.push(code[j]!.value);
    j++;
  }
  const keyword = code[j]?.value ?? "";
  const line = code[0]!.line;
  const withDoc = (s: Omit<DocSymbol, "doc">): DocSymbol =>
    doc ? { ...s, doc } : s;
  const isDefault = modifiers.includes("default");
  if (keyword === "function" || keyword === "class") {
    const generator = code[j + 1]?.value === "*";
    const nameToken = code[j + (generator ? 2 : 1)];
    const name = nameToken?.type === "ident" && nameToken.value !== "extends"
      ? nameToken.value
      : "default";
    const end = headerEnd(code, j);
    const prefix = modifiers.filter((m) => m !== "default").join(" ");
    const signature = (prefix ? prefix + " " : "") + span(source, code, j, end);
    const members = keyword === "class" && code[end]?.value === "{"
      ? classMembers(source, all, code, end)
      : [];
    return withDoc({
      kind: keyword,
      name: isDefault && name === "default" ? "default" : name,
      signature,
      line,
      members,
    });
  }
  if (
    ["interface", "type", "enum", "namespace"].includes(keyword) ||
    (keyword === "const" && code[j + 1]?.value === "enum")
  ) {
    const isEnum = keyword === "enum" || code[j + 1]?.value === "enum";
    const nameIndex = keyword === "const" ? j + 2 : j + 1;
    const name = code[nameIndex]?.value ?? "?";
    let end: number;
    if (keyword === "type") end = statementEnd(code, j);
    else {
      const open = headerEnd(code, j);
      end = code[open]?.value === "{" ? matchBracket(code, open) + 1 : open;
    }
    const text = capSignature(
      sourceSpan(source, code[j]!, code[Math.max(j, end - 1)]!),
      MAX_BODY,
    );
    return withDoc({
      kind: isEnum ? "enum" : keyword as DocSymbol["kind"],
      name,
      signature: keyword === "namespace" ? `namespace ${name}` : text,
      line,
      members: [],
    });
  }
  if (["const", "let", "var"].includes(keyword)) {
    const name = code[j + 1]?.value ?? "?";
    const arrow = arrowEnd(code, j);
    if (arrow !== null) {
      return withDoc({
        kind: "function",
        name,
        signature: span(source, code, j, arrow + 1),
        line,
        members: [],
      });
    }
    const end = statementEnd(code, j);
    const eq = headerEnd(code, j);
    let signature: string;
    if (code[j + 2]?.value === ":") {
      signature = span(source, code, j, Math.min(eq, end));
    } else {
      const value = span(source, code, j, end);
      signature = value.length <= 100 ? value : `${keyword} ${name}`;
    }
    return withDoc({
      kind: keyword as DocSymbol["kind"],
      name,
      signature,
      line,
      members: [],
    });
  }
  if (isDefault) {
    const end = statementEnd(code, j);
    return withDoc({
      kind: "default",
      name: "default",
      signature: "export default " + span(source, code, j, end),
      line,
      members: [],
    });
  }
  return null;
}

/** Public members of a class whose body opens at `open` (an index in `code`). */
function classMembers(
  source: string,
  all: readonly Token[],
  code: Token[],
  open: number,
): DocSymbol[] {
  const members: DocSymbol[] = [];
  const close = matchBracket(code, open);
  let k = open + 1;
  while (k < close) {
    const start = k;
    const t = code[k]!;
    if (t.value === ";") {
      k++;
      continue;
    }
    const modifiers: string[] = [];
    while (
      [
        "public",
        "private",
        "protected",
        "static",
        "readonly",
        "async",
        "override",
        "abstract",
        "declare",
        "get",
        "set",
        "accessor",
      ]
        .includes(code[k]?.value ?? "") &&
      code[k + 1]?.value !== "(" && code[k + 1]?.value !== ":" &&
      code[k + 1]?.value !== "="
    ) {
      modifiers.push(code[k]!.value);
      k++;
    }
    if (code[k]?.value === "*") k++;
    const nameToken = code[k];
    const name = nameToken?.value ?? "";
    let end = headerEnd(code, k);
    if (end > close) end = close;
    const isMethod = code.slice(k, end).some((c) => c.value === "(") &&
      (code[k + 1]?.value === "(" || code[k + 1]?.value === "<" ||
        code[k + 1]?.value === "?");
    let next: number;
    if (code[end]?.value === "{" && isMethod) {
      next = matchBracket(code, end) + 1;
    } else next = memberEnd(code, k, close);
    const hidden = modifiers.includes("private") ||
      modifiers.includes("protected") || name.startsWith("#") ||
      name === "#" || nameToken?.type === "punct" && name !== "[";
    if (!hidden && nameToken && nameToken.type !== "punct") {
      const fullIndex = all.indexOf(code[start]!);
      const doc = fullIndex === -1 ? undefined : docBefore(all, fullIndex);
      const sigEnd = isMethod ? end : Math.min(next, close);
      const prefix = modifiers.length > 0 ? modifiers.join(" ") + " " : "";
      let signature = prefix + span(source, code, k, sigEnd);
      if (!isMethod) {
        signature = signature.replace(/\s*=[^>][\s\S]*$/, "").replace(/;$/, "");
      }
      const symbol: DocSymbol = {
        kind: name === "constructor"
          ? "constructor"
          : isMethod
          ? "method"
          : "property",
        name,
        signature,
        line: code[start]!.line,
        members: [],
      };
      if (doc) symbol.doc = doc;
      members.push(symbol);
    }
    k = Math.max(next, k + 1);
  }
  return members;
}

/** End of a property declaration: the `;` at depth 0, or the next line's token at depth 0. */
function memberEnd(code: Token[], start: number, limit: number): number {
  let depth = 0;
  for (let k = start; k < limit; k++) {
    const v = code[k]!.value;
    if (["(", "[", "{"].includes(v)) depth++;
    else if ([")", "]", "}"].includes(v)) depth--;
    else if (depth === 0 && v === ";") return k + 1;
    if (
      depth === 0 && k > start && code[k]!.line > code[k - 1]!.line &&
      !["=", ":", "|", "&", "."].includes(code[k - 1]!.value) &&
      !["=", ":", "|", "&", "."].includes(v)
    ) return k;
  }
  return limit;
}

/** Index of the `{` opening a body, or the `;`/`=` ending a header, from `start`. */
function headerEnd(code: Token[], start: number): number {
  let depth = 0;
  for (let k = start; k < code.length; k++) {
    const t = code[k]!;
    const v = t.value;
    if (t.type !== "punct" && !(t.type === "ident" && v === "extends")) {
      continue;
    }
    if (v === "(" || v === "[" || v === "<") depth++;
    else if (v === ")" || v === "]" || v === ">") depth--;
    else if (v === "{") {
      if (depth === 0 && !TYPE_PREFIX.has(code[k - 1]?.value ?? "")) return k;
      depth++;
    } else if (v === "}") depth--;
    else if (depth === 0 && (v === ";" || v === "=")) return k;
  }
  return code.length;
}

/** Index after the last token of the statement starting at `start`. */
function statementEnd(code: Token[], start: number): number {
  let depth = 0;
  for (let k = start; k < code.length; k++) {
    const v = code[k]!.value;
    if (code[k]!.type === "punct") {
      if (["(", "[", "{"].includes(v)) depth++;
      else if ([")", "]", "}"].includes(v)) depth--;
      else if (depth === 0 && v === ";") return k;
    }
    if (
      depth === 0 && k > start && code[k]!.line > code[k - 1]!.line &&
      code[k]!.type === "ident" &&
      [
        "export",
        "import",
        "const",
        "let",
        "var",
        "function",
        "class",
        "type",
        "interface",
      ]
        .includes(v) &&
      !["=", "|", "&", ":", ",", "=>", "?"].includes(code[k - 1]!.value)
    ) return k;
  }
  return code.length;
}

/** Index of `=>` in `const f = (a: number): number => ...`, or null when not an arrow function. */
function arrowEnd(code: Token[], keywordIndex: number): number | null {
  let k = keywordIndex + 2;
  if (code[k]?.value !== "=") return null;
  k++;
  if (code[k]?.value === "async") k++;
  if (code[k]?.value === "<") {
    const close = code.findIndex((c, i) => i > k && c.value === ">");
    if (close === -1) return null;
    k = close + 1;
  }
  if (code[k]?.type === "ident" && code[k + 1]?.value === "=>") return k + 1;
  if (code[k]?.value !== "(") return null;
  let arrow = matchBracket(code, k) + 1;
  if (code[arrow]?.value === ":") {
    let depth = 0;
    for (; arrow < code.length; arrow++) {
      const v = code[arrow]!.value;
      if (["(", "[", "{", "<"].includes(v)) depth++;
      else if ([")", "]", "}", ">"].includes(v)) depth--;
      else if (v === "=>" && depth === 0) break;
    }
  }
  return code[arrow]?.value === "=>" ? arrow : null;
}

function codeTokensFrom(tokens: readonly Token[], start: number): Token[] {
  return codeTokens(tokens.slice(start));
}

/** The `/** *\/` comment right before token `index` (decorator-free), parsed. */
function docBefore(
  tokens: readonly Token[],
  index: number,
): DocComment | undefined {
  const prev = tokens[index - 1];
  if (
    prev?.type === "comment" && prev.value.startsWith("/**") &&
    !/@module\b/.test(prev.value)
  ) {
    return parseDocComment(prev.value);
  }
  return undefined;
}

function pythonModule(file: DocSourceFile): DocModule {
  const tokens = tokenize(file.content, "python");
  const code = codeTokens(tokens);
  const lines = file.content.split(/\r?\n/);
  const module: DocModule = { path: file.path, symbols: [], reexports: [] };
  if (code[0]?.type === "string") {
    module.doc = parseDocComment(code[0].text ?? "");
  }
  const indent = (line: number) =>
    /^[ \t]*/.exec(lines[line - 1] ?? "")?.[0].length ?? 0;
  const header = (k: number) => {
    let j = k;
    while (
      j < code.length &&
      !(code[j]!.value === ":" &&
        (code[j + 1]?.line ?? Infinity) > code[j]!.line)
    ) j++;
    return j;
  };
  const docstring = (colon: number) => {
    const next = code[colon + 1];
    return next?.type === "string" && /^[rRuU]?("""|''')/.test(next.value)
      ? parseDocComment(next.text ?? "")
      : next?.type === "string"
      ? parseDocComment(next.text ?? "")
      : undefined;
  };
  for (let k = 0; k < code.length; k++) {
    const t = code[k]!;
    if ((t.value !== "def" && t.value !== "class") || indent(t.line) !== 0) {
      continue;
    }
    if (
      k > 0 && code[k - 1]?.line === t.line && code[k - 1]?.value !== "async"
    ) continue;
    const name = code[k + 1]?.value ?? "?";
    if (name.startsWith("_")) continue;
    const colon = header(k);
    const symbol: DocSymbol = {
      kind: t.value === "def" ? "function" : "class",
      name,
      signature: span(file.content, code, k, colon),
      line: t.line,
      members: [],
    };
    const doc = docstring(colon);
    if (doc) symbol.doc = doc;
    if (t.value === "class") {
      const base = indent(t.line);
      for (let j = colon + 1; j < code.length; j++) {
        const u = code[j]!;
        if (indent(u.line) <= base && u.line > t.line) break;
        if (u.value !== "def") continue;
        const methodName = code[j + 1]?.value ?? "";
        if (methodName.startsWith("_") && methodName !== "__init__") continue;
        const mColon = header(j);
        const member: DocSymbol = {
          kind: methodName === "__init__" ? "constructor" : "method",
          name: methodName,
          signature: span(file.content, code, j, mColon),
          line: u.line,
          members: [],
        };
        const mDoc = docstring(mColon);
        if (mDoc) member.doc = mDoc;
        symbol.members.push(member);
      }
    }
    module.symbols.push(symbol);
  }
  return module;
}

/** Source text from the start of `from` to the end of `to`. */
function sourceSpan(source: string, from: Token, to: Token): string {
  return source.slice(from.start, Math.max(from.end, to.end)).trim();
}

/** Source text of `code[from..to)` on one line. */
function span(
  source: string,
  code: readonly Token[],
  from: number,
  to: number,
): string {
  const first = code[from];
  const last = code[Math.max(from, Math.min(to, code.length) - 1)];
  if (!first || !last) return "";
  return oneLine(sourceSpan(source, first, last));
}

/** Folds a multi-line declaration onto one line. */
function oneLine(text: string): string {
  return capSignature(
    text.replace(/\s*\n\s*/g, " ")
      .replace(/([([<]) /g, "$1")
      .replace(/,? ([)\]>])/g, "$1")
      .replace(/[ \t]+/g, " ")
      .trim(),
  );
}

function capSignature(text: string, max = MAX_SIGNATURE): string {
  return text.length <= max ? text : text.slice(0, max) + " …";
}

function firstSentence(text: string): string {
  const para = text.split(/\n\s*\n/)[0]?.replace(/\s+/g, " ").trim() ?? "";
  const m = /^(.*?[.!?])(\s|$)/.exec(para);
  return m?.[1] ?? para;
}

function anchor(text: string): string {
  return text.toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-");
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function dedent(text: string): string {
  const lines = text.replace(/^\n+/, "").split("\n");
  const indents = lines.filter((l) => l.trim()).map((l) =>
    /^[ \t]*/.exec(l)?.[0].length ?? 0
  );
  const rest = indents.slice(1);
  const min = rest.length > 0 ? Math.min(...rest) : 0;
  return lines.map((l, i) => i === 0 ? l.trim() : l.slice(min)).join("\n")
    .trim();
}
