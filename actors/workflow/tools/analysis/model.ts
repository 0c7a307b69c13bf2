/**
 * What every language analyser shares: findings, the facts a language module
 * reports about one file, and the language-neutral secret checks.
 *
 * @module
 */

import type { SyntaxNode } from "./tree.ts";
import type { Grammar } from "./tree.ts";

/** Finding categories. */
export type Category = "security" | "quality" | "maintainability";
/** Finding severities, lowest first. */
export type Severity = "low" | "medium" | "high" | "critical";

/** One problem found in the code. */
export interface Finding {
  /** Id of the rule that found it (`no-eval`, `long-function`, ...). */
  rule: string;
  /** Which score the finding lowers. */
  category: Category;
  /** How much it matters. */
  severity: Severity;
  /** What is wrong, in one sentence. */
  message: string;
  /** File the finding is in. */
  path: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** Where a finding points. */
export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** Records one finding of a file. */
export type Report = (
  rule: string,
  category: Category,
  severity: Severity,
  message: string,
  at: Position,
) => void;

/** One function, method, arrow or lambda. */
export interface FunctionInfo {
  /** The function's name; `<anonymous>` when it has none. */
  name: string;
  /** 1-based line where it starts. */
  line: number;
  /** 1-based column where it starts. */
  column: number;
  /** 1-based line where it ends. */
  endLine: number;
  /** Cyclomatic complexity: 1 + decision points. */
  complexity: number;
  /** Deepest nesting of control blocks inside it. */
  nesting: number;
  /** Number of parameters. */
  params: number;
}

/** One exported (public) declaration. */
export interface ExportInfo {
  /** The exported name. */
  name: string;
  /** What is declared (`function`, `class`, `const`, ...). */
  kind: string;
  /** 1-based line of the declaration. */
  line: number;
  /** 1-based column of the declaration. */
  column: number;
  /** Whether a doc comment precedes it. */
  documented: boolean;
}

/** One comment. */
export interface CommentInfo {
  /** The comment's text, markers included. */
  text: string;
  /** 1-based line where it starts. */
  line: number;
  /** 1-based column where it starts. */
  column: number;
  /** 1-based line where it ends. */
  endLine: number;
}

/** What a language module finds in one file besides the findings it reports. */
export interface FileFacts {
  /** Every function of the file. */
  functions: FunctionInfo[];
  /** Every exported declaration of the file. */
  exports: ExportInfo[];
  /** Every comment of the file. */
  comments: CommentInfo[];
  /** Lines holding code (not only comments or blanks). */
  codeLines: Set<number>;
  /** Code tokens per line, comments left out: what duplication compares. */
  lineTokens: Map<number, string[]>;
}

/** What a rule sees of one file. */
export interface FileInput {
  /** Path of the file, relative to the project root. */
  path: string;
  /** The file's text. */
  source: string;
  /** Root of the file's syntax tree. */
  root: SyntaxNode;
  /** Whether it is a test file (some rules skip tests). */
  isTest: boolean;
}

/** A language: which grammar parses a file, and its rules. */
export interface LanguageModule {
  /** Language id: "typescript", "javascript", "python". */
  readonly id: string;
  /** The grammar for a file of this language. */
  grammarFor(path: string): Grammar;
  /** Runs the language's rules on one parsed file. */
  analyze(file: FileInput, report: Report): FileFacts;
}

/** Thresholds the rules share. */
export const LIMITS: Readonly<{
  /** Cyclomatic complexity of one function that makes a finding. */
  complexity: { medium: number; high: number };
  /** Length in lines of one function that makes a finding. */
  functionLines: { medium: number; high: number };
  /** Length in lines of one file that makes a finding. */
  fileLines: { low: number; medium: number };
  /** Nesting depth of control blocks that makes a finding. */
  nesting: { medium: number; high: number };
  /** Parameter count of one function that makes a finding. */
  params: { low: number; medium: number };
  /** Characters beyond which a line is long. */
  lineLength: number;
  /** Lines of tokens that must repeat to count as duplication. */
  duplicateWindow: number;
  /** Most findings one rule reports per analysis. */
  maxFindingsPerRule: number;
}> = Object.freeze({
  complexity: { medium: 10, high: 20 },
  functionLines: { medium: 60, high: 120 },
  fileLines: { low: 400, medium: 800 },
  nesting: { medium: 4, high: 6 },
  params: { low: 5, medium: 8 },
  lineLength: 120,
  duplicateWindow: 6,
  maxFindingsPerRule: 25,
});

/** Names whose values are secrets. */
export const SECRET_NAME =
  /(pass(word|wd|phrase)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credential|auth[_-]?key|signing[_-]?key)$/i;
/** Names of values that must be unpredictable. */
export const SECURE_NAME =
  /(token|secret|password|passwd|key|nonce|salt|session|otp|csrf|uuid|guid|Id|ID|_id)$|^id$/i;
/** Names that usually carry user input. */
export const USER_INPUT =
  /^(req|request|params|query|body|input|userInput|user_input|args|argv|searchParams|url|filename|fileName|file_name|name|path|userPath|user_path|untrusted|form|GET|POST|cookies|headers)$/;
/** SQL statements in text. */
export const SQL_TEXT =
  /\b(select\s[\s\S]*\bfrom|insert\s+into|update\s[\s\S]*\bset|delete\s+from|drop\s+table|where\s)\b/i;

const SECRET_PATTERNS: [RegExp, string][] = [
  [/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/, "a private key block"],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "a GitHub token"],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\b(?:sk|rk)_live_[A-Za-z0-9]{16,}/, "a Stripe live key"],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, "a Google API key"],
  [/\bsk-[A-Za-z0-9_-]{32,}\b/, "an API secret key"],
  [/\b\d{8,10}:[A-Za-z0-9_-]{35}\b/, "a Telegram bot token"],
];
const PLACEHOLDER =
  /^(|x+|\*+|\.+|changeme|change[_-]?me|todo|placeholder|example|your[_-].*|<.*>|\$\{.*\}|%s)$/i;

/** Reports a string literal that looks like a known kind of credential. */
export function checkSecretText(
  text: string,
  at: Position,
  report: Report,
): void {
  for (const [re, what] of SECRET_PATTERNS) {
    if (re.test(text)) {
      report(
        "hardcoded-secret",
        "security",
        "critical",
        `hard-coded ${what} in a string literal; load it from configuration`,
        at,
      );
      return;
    }
  }
}

/** Reports `name = "literal"` when the name says the value is a secret. */
export function checkSecretAssignment(
  name: string,
  value: string,
  at: Position,
  report: Report,
): void {
  const bare = name.replace(/^.*[.]/, "").replace(/^["']|["']$/g, "");
  if (!SECRET_NAME.test(bare)) return;
  if (PLACEHOLDER.test(value.trim()) || value.length < 6) return;
  report(
    "hardcoded-secret",
    "security",
    shannon(value) >= 3.5 && value.length >= 16 ? "critical" : "high",
    `"${bare}" is assigned a hard-coded value; load secrets from the environment or a secret store`,
    at,
  );
}

/** Shannon entropy in bits per character. */
export function shannon(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Position of a node. */
export function at(node: SyntaxNode): Position {
  return { line: node.line, column: node.column };
}

/**
 * Line facts every language collects the same way: code lines and tokens per
 * line from the leaves, comments from nodes of type `comment`.
 */
export function collectLines(
  source: string,
  root: SyntaxNode,
): Pick<FileFacts, "comments" | "codeLines" | "lineTokens"> {
  const comments: CommentInfo[] = [];
  const codeLines = new Set<number>();
  const lineTokens = new Map<number, string[]>();
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === "comment") {
      comments.push({
        text: source.slice(node.start, node.end),
        line: node.line,
        column: node.column,
        endLine: node.endLine,
      });
      continue;
    }
    // Strings are one token (their parts are children in some grammars).
    const leaf = node.children.length === 0 || node.type === "string" ||
      node.type === "template_string" || node.type === "string_fragment";
    if (leaf) {
      if (node.end === node.start) continue;
      for (let l = node.line; l <= node.endLine; l++) codeLines.add(l);
      const list = lineTokens.get(node.line) ?? [];
      list.push(source.slice(node.start, node.end));
      lineTokens.set(node.line, list);
      continue;
    }
    for (let i = node.children.length - 1; i >= 0; i--) {
      stack.push(node.children[i]!);
    }
  }
  comments.sort((a, b) => a.line - b.line || a.column - b.column);
  return { comments, codeLines, lineTokens };
}
