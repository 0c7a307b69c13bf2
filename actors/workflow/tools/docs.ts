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
  DEFAULT_GRAMMARS,
  type GrammarLoader,
  languageFor,
  parseSource,
  pythonLanguage,
  type SyntaxNode,
} from "./analysis/mod.ts";
import { definitionOf, docstringOf } from "./analysis/python.ts";
import {
  declarationKind,
  JS_FUNCTION_TYPES,
  jsDocBefore,
} from "./analysis/typescript.ts";
import { field, named, textOf } from "./analysis/tree.ts";
import { isTestCode, languageOfPath } from "../../languages/mod.ts";

/** A source file to document. */
export interface DocSourceFile {
  /** Path relative to the project root; its extension picks the language. */
  path: string;
  /** The file's text. */
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
  /** Language of files whose extension says nothing. Default "typescript". */
  language?: string;
  /** Where parsers come from. Default: grammars loaded once per process. */
  grammars?: GrammarLoader;
}

/** A parsed doc comment. */
export interface DocComment {
  /** Text before the first tag. */
  description: string;
  /** `@param` tags: parameter name and what it is. */
  params: { name: string; description: string }[];
  /** Text of the `@returns` tag, if any. */
  returns?: string;
  /** Texts of the `@throws` tags. */
  throws: string[];
  /** Bodies of the `@example` tags. */
  examples: string[];
  /** Text of the `@deprecated` tag, if any. */
  deprecated?: string;
}

/** One documented symbol. */
export interface DocSymbol {
  /** What kind of declaration it is. */
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
  /** The declared name. */
  name: string;
  /** The declaration's signature, shortened when long. */
  signature: string;
  /** 1-based line of the declaration. */
  line: number;
  /** Its doc comment, if it has one. */
  doc?: DocComment;
  /** Members of a class, interface, enum or namespace. */
  members: DocSymbol[];
}

/** One documented module. */
export interface DocModule {
  /** Path of the module, relative to the project root. */
  path: string;
  /** The module's own doc comment, if any. */
  doc?: DocComment;
  /** The module's exported declarations. */
  symbols: DocSymbol[];
  /** Modules whose exports this one re-exports. */
  reexports: string[];
}

const MAX_SIGNATURE = 400;
/** Interfaces, types and enums are shown whole up to this length. */
const MAX_BODY = 3000;

/**
 * Renders Markdown documentation for the exported API of `files`.
 *
 * @example
 * ```ts
 * const md = await generateDocs([{ path: "lib.py", content: 'def hi():\n    """Says hi."""\n' }]);
 * if (!md.includes("### function hi")) throw new Error("hi is not documented");
 * ```
 */
export async function generateDocs(
  files: readonly DocSourceFile[],
  options: GenerateDocsOptions = {},
): Promise<string> {
  const modules = await extractModules(files, options);
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
export async function extractModules(
  files: readonly DocSourceFile[],
  options: GenerateDocsOptions = {},
): Promise<DocModule[]> {
  const skipTests = options.skipTests ?? true;
  const language = options.language ?? "typescript";
  const grammars = options.grammars ?? DEFAULT_GRAMMARS;
  const sorted = [...files]
    .filter((f) => !(skipTests && isTestCode(f.path)))
    .sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  const modules: DocModule[] = [];
  for (const file of sorted) {
    const lang = languageFor(file.path, language);
    if (!lang) {
      modules.push({ path: file.path, symbols: [], reexports: [] });
      continue;
    }
    const root = await parseSource(
      file.content,
      lang.grammarFor(file.path),
      grammars,
    );
    modules.push(
      lang === pythonLanguage ? pythonModule(file, root) : jsModule(file, root),
    );
  }
  return modules;
}

function renderSymbol(
  out: string[],
  s: DocSymbol,
  level: string,
  path: string,
): void {
  out.push(`${level} ${s.kind} ${s.name}`, "");
  const lang = languageOfPath(path)?.fence ?? "ts";
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

type Text = (node: SyntaxNode | undefined) => string;

function jsModule(file: DocSourceFile, root: SyntaxNode): DocModule {
  const source = file.content;
  const text: Text = (n) => n ? textOf(source, n) : "";
  const module: DocModule = { path: file.path, symbols: [], reexports: [] };
  const moduleDoc = root.children.find((c) =>
    c.type === "comment" && /^\/\*\*/.test(text(c)) && /@module\b/.test(text(c))
  );
  if (moduleDoc) module.doc = parseDocComment(text(moduleDoc));
  for (const node of root.children) {
    if (node.type !== "export_statement") continue;
    const raw = jsDocBefore(node, text);
    const doc = raw === undefined ? undefined : parseDocComment(raw);
    let decl = field(node, "declaration");
    if (decl?.type === "ambient_declaration") decl = named(decl)[0];
    const isDefault = node.children.some((c) => c.type === "default");
    if (!decl && !isDefault) {
      module.reexports.push(oneLine(text(node).replace(/;\s*$/, "")));
      continue;
    }
    const value = field(node, "value");
    if (!decl && value) {
      const inner = value.type === "class" || JS_FUNCTION_TYPES.has(value.type)
        ? value
        : undefined;
      module.symbols.push(withDoc({
        kind: inner
          ? declarationKind(inner) === "class" ? "class" : "function"
          : "default",
        name: "default",
        signature: inner
          ? oneLine(headerOf(inner, text))
          : capSignature(oneLine(text(node).replace(/;\s*$/, ""))),
        line: node.line,
        members: inner?.type === "class" ? classMembers(inner, text) : [],
      }, doc));
      continue;
    }
    if (!decl) continue;
    module.symbols.push(...jsDeclaration(decl, isDefault, text, doc));
  }
  return module;
}

function withDoc(symbol: DocSymbol, doc: DocComment | undefined): DocSymbol {
  return doc ? { ...symbol, doc } : symbol;
}

function jsDeclaration(
  decl: SyntaxNode,
  isDefault: boolean,
  text: Text,
  doc: DocComment | undefined,
): DocSymbol[] {
  const kind = declarationKind(decl);
  const line = decl.parent?.type === "export_statement"
    ? decl.parent.line
    : decl.line;
  const name = text(field(decl, "name")) || "default";
  switch (kind) {
    case "function":
    case "class": {
      const signature = oneLine(headerOf(decl, text));
      return [withDoc({
        kind,
        name: isDefault && !field(decl, "name") ? "default" : name,
        signature,
        line,
        members: kind === "class" ? classMembers(decl, text) : [],
      }, doc)];
    }
    case "interface":
    case "type":
    case "enum":
      return [withDoc({
        kind,
        name,
        signature: capSignature(text(decl).replace(/;\s*$/, ""), MAX_BODY),
        line,
        members: [],
      }, doc)];
    case "namespace":
      return [withDoc({
        kind: "namespace",
        name,
        signature: `namespace ${name}`,
        line,
        members: [],
      }, doc)];
    case "variable": {
      const keyword = /^(const|let|var)\b/.exec(text(decl))?.[1] ?? "const";
      const out: DocSymbol[] = [];
      for (const d of named(decl)) {
        if (d.type !== "variable_declarator") continue;
        const dName = text(field(d, "name"));
        const value = field(d, "value");
        const type = field(d, "type");
        if (value && JS_FUNCTION_TYPES.has(value.type)) {
          const body = field(value, "body");
          const upTo = text(d).slice(0, (body?.start ?? value.end) - d.start);
          out.push(withDoc({
            kind: "function",
            name: dName,
            signature: oneLine(`${keyword} ${upTo.trim()}`),
            line,
            members: [],
          }, doc));
          continue;
        }
        const whole = oneLine(`${keyword} ${text(d)}`);
        out.push(withDoc({
          kind: keyword as DocSymbol["kind"],
          name: dName,
          signature: type
            ? oneLine(`${keyword} ${dName}${text(type)}`)
            : whole.length <= 100
            ? whole
            : `${keyword} ${dName}`,
          line,
          members: [],
        }, doc));
      }
      return out;
    }
    default:
      return [];
  }
}

/** Declaration text up to its body (`function f(a): T`, `class A extends B`). */
function headerOf(decl: SyntaxNode, text: Text): string {
  const body = field(decl, "body");
  const all = text(decl);
  const cut = body ? all.slice(0, body.start - decl.start) : all;
  return cut.trim().replace(/;$/, "").trim();
}

const HIDDEN_MODIFIER = /^(private|protected)$/;

/** Public members of a class: methods, constructor and fields, with their JSDoc. */
function classMembers(decl: SyntaxNode, text: Text): DocSymbol[] {
  const body = field(decl, "body");
  if (!body) return [];
  const members: DocSymbol[] = [];
  for (const member of named(body)) {
    const isMethod = member.type === "method_definition" ||
      member.type === "method_signature" ||
      member.type === "abstract_method_signature";
    const isField = member.type === "public_field_definition";
    if (!isMethod && !isField) continue;
    const nameNode = field(member, "name");
    const name = text(nameNode);
    if (!nameNode || nameNode.type === "private_property_identifier") continue;
    const hidden = member.children.some((c) =>
      c.type === "accessibility_modifier" && HIDDEN_MODIFIER.test(text(c))
    );
    if (hidden) continue;
    let signature: string;
    if (isMethod) signature = oneLine(headerOf(member, text));
    else {
      const value = field(member, "value");
      const all = text(member);
      const cut = value ? all.slice(0, value.start - member.start) : all;
      signature = oneLine(cut.replace(/[=;]\s*$/, "").trim());
    }
    const raw = jsDocBefore(member, text);
    members.push(withDoc({
      kind: name === "constructor"
        ? "constructor"
        : isMethod
        ? "method"
        : "property",
      name,
      signature,
      line: member.line,
      members: [],
    }, raw === undefined ? undefined : parseDocComment(raw)));
  }
  return members;
}

function pythonModule(file: DocSourceFile, root: SyntaxNode): DocModule {
  const source = file.content;
  const text: Text = (n) => n ? textOf(source, n) : "";
  const module: DocModule = { path: file.path, symbols: [], reexports: [] };
  const moduleDoc = docstringOf(root);
  if (moduleDoc) module.doc = parseDocComment(stringContent(moduleDoc, text));
  for (const child of root.children) {
    const def = definitionOf(child);
    if (def.type !== "function_definition" && def.type !== "class_definition") {
      continue;
    }
    const name = text(field(def, "name"));
    if (name.startsWith("_")) continue;
    const symbol = pythonSymbol(def, child, text);
    if (def.type === "class_definition") {
      for (const m of named(field(def, "body") ?? def)) {
        const mDef = definitionOf(m);
        if (mDef.type !== "function_definition") continue;
        const mName = text(field(mDef, "name"));
        if (mName.startsWith("_") && mName !== "__init__") continue;
        symbol.members.push(pythonSymbol(mDef, m, text));
      }
    }
    module.symbols.push(symbol);
  }
  return module;
}

function pythonSymbol(
  def: SyntaxNode,
  outer: SyntaxNode,
  text: Text,
): DocSymbol {
  const name = text(field(def, "name"));
  const body = field(def, "body");
  const all = text(def);
  const head = body ? all.slice(0, body.start - def.start) : all;
  const kind: DocSymbol["kind"] = def.type === "class_definition"
    ? "class"
    : outer.parent?.type === "block" || def.parent?.type === "block"
    ? name === "__init__" ? "constructor" : "method"
    : "function";
  const docstring = docstringOf(body);
  return withDoc({
    kind,
    name,
    signature: oneLine(head.trim().replace(/:$/, "")),
    line: outer.line,
    members: [],
  }, docstring ? parseDocComment(stringContent(docstring, text)) : undefined);
}

/** The text inside a Python string literal's quotes. */
function stringContent(node: SyntaxNode, text: Text): string {
  return node.children.filter((c) =>
    c.type !== "string_start" &&
    c.type !== "string_end"
  ).map(text).join("");
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
