/**
 * A small, forgiving tokenizer for source code, used by code analysis and
 * documentation generation. It knows enough of JavaScript/TypeScript (strings,
 * template literals with nested substitutions, comments, regex literals),
 * Python (`#` comments, triple-quoted and prefixed strings) and C-family
 * languages to tell code from comments and string contents. It never throws:
 * malformed input (an unterminated string, say) ends the token at the end of
 * the line or file.
 *
 * @example
 * ```ts
 * const tokens = tokenize('const s = "eval(x)"; // eval', "typescript");
 * tokens.filter((t) => t.type === "ident").map((t) => t.value); // ["const", "s"]
 * ```
 *
 * @module
 */

/** Kinds of token. */
export type TokenType =
  | "ident"
  | "number"
  | "string"
  | "template"
  | "regex"
  | "punct"
  | "comment";

/** One template literal, shared by all of its chunks. */
export interface TemplateInfo {
  /** Static text with each substitution written as `${}`. */
  text: string;
  /** Whether the literal has at least one `${...}`. */
  substitutions: number;
  /** Line where the literal starts. */
  line: number;
}

/** A token with its position. */
export interface Token {
  type: TokenType;
  /** Source text of the token. */
  value: string;
  /** 1-based line where the token starts. */
  line: number;
  /** 1-based line where the token ends. */
  endLine: number;
  /** Offset of the first character in the source. */
  start: number;
  /** Offset after the last character. */
  end: number;
  /** String contents without quotes (strings and template chunks). */
  text?: string;
  /** For template chunks: the literal they belong to. */
  template?: TemplateInfo;
}

/** Source families the tokenizer understands. */
export type Syntax = "js" | "python" | "c";

/** Maps a language name or file path to a {@linkcode Syntax}. */
export function syntaxOf(languageOrPath: string): Syntax {
  const l = languageOrPath.toLowerCase();
  if (/(^|\.)(py|python|pyw)$/.test(l)) return "python";
  if (
    /(^|\.)(ts|tsx|mts|cts|js|jsx|mjs|cjs|typescript|javascript)$/.test(l)
  ) return "js";
  return "c";
}

const PUNCT = [
  ">>>=",
  "...",
  "===",
  "!==",
  "**=",
  "<<=",
  ">>=",
  ">>>",
  "&&=",
  "||=",
  "??=",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "??",
  "?.",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "**",
  "<<",
  ">>",
  "->",
  "::",
];

const REGEX_AFTER_KEYWORD = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

const IDENT_START = /[A-Za-z_$\u00C0-\uFFFF]/;
const IDENT_PART = /[A-Za-z0-9_$\u00C0-\uFFFF]/;

/**
 * Splits source into tokens. Whitespace is dropped; comments are kept.
 *
 * @example
 * ```ts
 * tokenize("x = `a ${b} c`", "js").map((t) => t.type);
 * // ["ident", "punct", "template", "ident", "template"]
 * ```
 */
export function tokenize(source: string, syntax: Syntax | string): Token[] {
  const mode: Syntax = syntax === "js" || syntax === "python" || syntax === "c"
    ? syntax
    : syntaxOf(syntax);
  const tokens: Token[] = [];
  const src = source;
  const n = src.length;
  let i = 0;
  let line = 1;
  // Braces: "{" for blocks/objects, a TemplateInfo for a `${` substitution.
  const braces: (TemplateInfo | "{")[] = [];

  const countLines = (from: number, to: number) => {
    let count = 0;
    for (let k = from; k < to; k++) if (src.charCodeAt(k) === 10) count++;
    return count;
  };
  const push = (
    type: TokenType,
    start: number,
    end: number,
    extra: Partial<Token> = {},
  ) => {
    const startLine = line;
    line += countLines(start, end);
    tokens.push({
      type,
      value: src.slice(start, end),
      line: startLine,
      endLine: line,
      start,
      end,
      ...extra,
    });
  };
  const lastSignificant = (): Token | undefined => {
    for (let k = tokens.length - 1; k >= 0; k--) {
      if (tokens[k]!.type !== "comment") return tokens[k];
    }
    return undefined;
  };
  const regexAllowed = (): boolean => {
    const prev = lastSignificant();
    if (!prev) return true;
    if (prev.type === "ident") return REGEX_AFTER_KEYWORD.has(prev.value);
    if (prev.type === "punct") {
      return ![")", "]", "}", "++", "--"].includes(prev.value);
    }
    return false;
  };

  // Scans template text from `start` (just after "`" or "}") to "`" or "${";
  // the chunk's token starts one character earlier, at that "`" or "}".
  const scanTemplate = (start: number, info: TemplateInfo) => {
    let k = start;
    let text = "";
    while (k < n) {
      const c = src[k]!;
      if (c === "\\") {
        text += src.slice(k, k + 2);
        k += 2;
        continue;
      }
      if (c === "`") {
        info.text += text;
        push("template", start - 1, k + 1, {
          text,
          template: info,
        });
        i = k + 1;
        return;
      }
      if (c === "$" && src[k + 1] === "{") {
        info.text += text + "${}";
        info.substitutions++;
        push("template", start - 1, k + 2, { text, template: info });
        braces.push(info);
        i = k + 2;
        return;
      }
      text += c;
      k++;
    }
    info.text += text;
    push("template", start - 1, n, { text, template: info });
    i = n;
  };

  while (i < n) {
    const c = src[i]!;
    if (c === "\n") {
      line++;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    // Comments.
    if (mode !== "python" && c === "/" && src[i + 1] === "/") {
      const end = src.indexOf("\n", i);
      push("comment", i, end === -1 ? n : end);
      i = end === -1 ? n : end;
      continue;
    }
    if (mode !== "python" && c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end === -1 ? n : end + 2;
      push("comment", i, stop);
      i = stop;
      continue;
    }
    if (mode === "python" && c === "#") {
      const end = src.indexOf("\n", i);
      push("comment", i, end === -1 ? n : end);
      i = end === -1 ? n : end;
      continue;
    }
    // Python strings, with optional prefixes (r, b, f, u and pairs).
    if (mode === "python") {
      const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(src.slice(i, i + 5));
      if (m && (m[1] === "" || !IDENT_PART.test(src[i - 1] ?? ""))) {
        const quote = m[2]!;
        const bodyStart = i + m[1]!.length + quote.length;
        let k = bodyStart;
        let closed = -1;
        while (k < n) {
          if (src[k] === "\\") {
            k += 2;
            continue;
          }
          if (src.startsWith(quote, k)) {
            closed = k;
            break;
          }
          if (quote.length === 1 && src[k] === "\n") break;
          k++;
        }
        const end = closed === -1 ? k : closed + quote.length;
        push("string", i, end, {
          text: src.slice(bodyStart, closed === -1 ? k : closed),
        });
        i = end;
        continue;
      }
    }
    // Quoted strings.
    if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < n && src[k] !== c && src[k] !== "\n") {
        k += src[k] === "\\" ? 2 : 1;
      }
      const end = src[k] === c ? k + 1 : k;
      push("string", i, end, { text: src.slice(i + 1, src[k] === c ? k : k) });
      i = end;
      continue;
    }
    if (c === "`" && mode === "js") {
      const info: TemplateInfo = { text: "", substitutions: 0, line };
      scanTemplate(i + 1, info);
      continue;
    }
    if (c === "}" && mode === "js" && braces.length > 0) {
      const top = braces.pop()!;
      if (top !== "{") {
        scanTemplate(i + 1, top);
        continue;
      }
      push("punct", i, i + 1);
      i++;
      continue;
    }
    if (c === "{") {
      braces.push("{");
      push("punct", i, i + 1);
      i++;
      continue;
    }
    // Regex literals (best effort), JS only.
    if (c === "/" && mode === "js" && regexAllowed()) {
      let k = i + 1;
      let inClass = false;
      let ok = false;
      while (k < n && src[k] !== "\n") {
        const d = src[k]!;
        if (d === "\\") {
          k += 2;
          continue;
        }
        if (d === "[") inClass = true;
        else if (d === "]") inClass = false;
        else if (d === "/" && !inClass) {
          ok = true;
          break;
        }
        k++;
      }
      if (ok && k > i + 1) {
        k++;
        while (k < n && /[a-z]/.test(src[k]!)) k++;
        push("regex", i, k);
        i = k;
        continue;
      }
    }
    if (IDENT_START.test(c)) {
      let k = i + 1;
      while (k < n && IDENT_PART.test(src[k]!)) k++;
      push("ident", i, k);
      i = k;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      let k = i + 1;
      while (k < n && /[0-9A-Za-z_.]/.test(src[k]!)) {
        if (
          (src[k] === "e" || src[k] === "E") && /[+-]/.test(src[k + 1] ?? "")
        ) k++;
        k++;
      }
      push("number", i, k);
      i = k;
      continue;
    }
    const op = PUNCT.find((p) => src.startsWith(p, i));
    const len = op?.length ?? 1;
    push("punct", i, i + len);
    i += len;
  }
  return tokens;
}

/** Tokens without comments. */
export function codeTokens(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => t.type !== "comment");
}

/** Index of the token closing the bracket opened at `open` (or the last index). */
export function matchBracket(tokens: readonly Token[], open: number): number {
  const opener = tokens[open]?.value;
  const closer = opener === "(" ? ")" : opener === "[" ? "]" : "}";
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.type !== "punct") continue;
    if (t.value === opener) depth++;
    else if (t.value === closer) {
      depth--;
      if (depth === 0) return k;
    }
  }
  return tokens.length - 1;
}
