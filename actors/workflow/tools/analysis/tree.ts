/**
 * Syntax trees from tree-sitter grammars (WebAssembly, loaded lazily and once
 * per loader), turned into plain objects so rules can walk them cheaply:
 * every node knows its type, field name, parent, position and children.
 *
 * @example
 * ```ts
 * const root = await parseSource("const a = 1;\n", "typescript");
 * root.children[0]?.type; // "lexical_declaration"
 * ```
 *
 * @module
 */

import { createRequire } from "node:module";
import { Language, Parser, type TreeCursor } from "web-tree-sitter";

/** The grammars the analysers use. */
export type Grammar = "typescript" | "tsx" | "javascript" | "python";

/** Grammar packages and the wasm file each one ships. */
const GRAMMAR_FILES: Readonly<Record<Grammar, string>> = Object.freeze({
  typescript: "tree-sitter-typescript/tree-sitter-typescript.wasm",
  tsx: "tree-sitter-typescript/tree-sitter-tsx.wasm",
  javascript: "tree-sitter-javascript/tree-sitter-javascript.wasm",
  python: "tree-sitter-python/tree-sitter-python.wasm",
});

/** One node of a parsed file, detached from the WebAssembly tree. */
export interface SyntaxNode {
  /** Grammar node type: "call_expression", "identifier", "(" ... */
  readonly type: string;
  /** False for anonymous tokens (punctuation, keywords, operators). */
  readonly named: boolean;
  /** Field name in the parent ("function", "arguments", "left", ...), or null. */
  readonly field: string | null;
  /** UTF-16 offsets into the source. */
  readonly start: number;
  /** UTF-16 offset just past the last character. */
  readonly end: number;
  /** 1-based line and column of the first character. */
  readonly line: number;
  /** 1-based column of the first character. */
  readonly column: number;
  /** 1-based line of the last character. */
  readonly endLine: number;
  /** The enclosing node; null for the root. */
  readonly parent: SyntaxNode | null;
  /** Child nodes in source order, named and anonymous. */
  readonly children: SyntaxNode[];
}

/** Loads grammars on first use and hands out parsers for them. */
export interface GrammarLoader {
  /** A parser for `grammar`; the wasm file is read once per loader. */
  parser(grammar: Grammar): Promise<Parser>;
}

/** Where a grammar's wasm file is: resolved from the installed npm package. */
export type WasmLocator = (grammar: Grammar) => string;

/** Resolves the wasm file of `grammar` through the npm package resolution. */
export const locateWasm: WasmLocator = (grammar) =>
  createRequire(import.meta.url).resolve(GRAMMAR_FILES[grammar]);

/**
 * A loader that reads each grammar lazily, the first time it is asked for.
 *
 * @example
 * ```ts
 * const loader = createGrammarLoader();
 * const parser = await loader.parser("python");
 * ```
 */
export function createGrammarLoader(
  locate: WasmLocator = locateWasm,
): GrammarLoader {
  let init: Promise<void> | null = null;
  const parsers = new Map<Grammar, Promise<Parser>>();
  const load = async (grammar: Grammar): Promise<Parser> => {
    init ??= Parser.init();
    await init;
    const language = await Language.load(locate(grammar));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  };
  return {
    parser(grammar) {
      let found = parsers.get(grammar);
      if (!found) {
        found = load(grammar);
        parsers.set(grammar, found);
        // A failed load is retried on the next call.
        found.catch(() => parsers.delete(grammar));
      }
      return found;
    },
  };
}

/** The loader used when none is passed: grammars load once per process. */
export const DEFAULT_GRAMMARS: GrammarLoader = createGrammarLoader();

/**
 * Parses `source` and returns the root of a detached tree (the WebAssembly
 * tree is freed before returning).
 */
export async function parseSource(
  source: string,
  grammar: Grammar,
  loader: GrammarLoader = DEFAULT_GRAMMARS,
): Promise<SyntaxNode> {
  const parser = await loader.parser(grammar);
  const tree = parser.parse(source);
  if (!tree) throw new Error(`the ${grammar} parser returned no tree`);
  try {
    return detach(tree.rootNode.walk(), source, parser.language?.fields ?? []);
  } finally {
    tree.delete();
  }
}

/** Offsets where each line starts, for offset -> line/column lookups. */
function lineStarts(source: string): number[] {
  const starts = [0];
  for (
    let i = source.indexOf("\n");
    i !== -1;
    i = source.indexOf("\n", i + 1)
  ) {
    starts.push(i + 1);
  }
  return starts;
}

/** 0-based line holding `offset`. */
function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Copies the tree into plain objects. Positions come from offsets and a
 * line table (cheaper than asking the WebAssembly side for points), field
 * and type names from the language's tables.
 */
function detach(
  cursor: TreeCursor,
  source: string,
  fields: readonly (string | null)[],
): SyntaxNode {
  const starts = lineStarts(source);
  const make = (parent: SyntaxNode | null): SyntaxNode => {
    const start = cursor.startIndex;
    const end = cursor.endIndex;
    const line = lineAt(starts, start);
    const fieldId = cursor.currentFieldId;
    return {
      type: cursor.nodeType,
      named: cursor.nodeIsNamed,
      field: fieldId === 0 ? null : fields[fieldId] ?? null,
      start,
      end,
      line: line + 1,
      column: start - starts[line]! + 1,
      endLine: end > start ? lineAt(starts, end - 1) + 1 : line + 1,
      parent,
      children: [],
    };
  };
  const root = make(null);
  const stack: SyntaxNode[] = [root];
  // Iterative depth-first walk: deep trees do not overflow the call stack.
  if (!cursor.gotoFirstChild()) {
    cursor.delete();
    return root;
  }
  for (;;) {
    const parent = stack[stack.length - 1]!;
    const node = make(parent);
    parent.children.push(node);
    if (cursor.gotoFirstChild()) {
      stack.push(node);
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent() || stack.length === 1) {
        cursor.delete();
        return root;
      }
      stack.pop();
    }
  }
}

/** The child in field `name`, if any. */
export function field(node: SyntaxNode, name: string): SyntaxNode | undefined {
  return node.children.find((c) => c.field === name);
}

/** Named children only. */
export function named(node: SyntaxNode): SyntaxNode[] {
  return node.children.filter((c) => c.named);
}

/** Source text of `node`. */
export function textOf(source: string, node: SyntaxNode): string {
  return source.slice(node.start, node.end);
}

/** Calls `visit` on `node` and every descendant, depth first, in source order. */
export function walk(
  node: SyntaxNode,
  visit: (node: SyntaxNode) => void,
): void {
  const stack: SyntaxNode[] = [node];
  while (stack.length > 0) {
    const current = stack.pop()!;
    visit(current);
    for (let i = current.children.length - 1; i >= 0; i--) {
      stack.push(current.children[i]!);
    }
  }
}

/** The nearest ancestor accepted by `test`, or undefined. */
export function ancestor(
  node: SyntaxNode,
  test: (node: SyntaxNode) => boolean,
): SyntaxNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (test(p)) return p;
  return undefined;
}

/** The named sibling right before `node`. */
export function previousNamed(node: SyntaxNode): SyntaxNode | undefined {
  const siblings = node.parent?.children ?? [];
  const index = siblings.indexOf(node);
  for (let i = index - 1; i >= 0; i--) {
    if (siblings[i]!.named) return siblings[i];
  }
  return undefined;
}
