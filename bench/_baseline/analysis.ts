/**
 * Rule-based code analysis: security, quality and maintainability scores
 * (0-100) with findings and line numbers. Works on tokens, so comments and
 * string contents never look like code. TypeScript/JavaScript get every
 * rule; Python gets the same rules where they apply; other languages get the
 * language-neutral ones (secrets, length, nesting, duplication, comments).
 *
 * @example
 * ```ts
 * const result = analyzeCode(
 *   [{ path: "src/a.ts", content: "export const run = (s: string) => eval(s);\n" }],
 *   { language: "typescript" },
 * );
 * result.security; // well below 100
 * result.findings[0]; // { rule: "eval", severity: "critical", line: 1, ... }
 * ```
 *
 * @module
 */

import {
  type Category,
  type FileContext,
  type Finding,
  securityRules,
  type Severity,
} from "./_analysis_rules.ts";
import {
  codeTokens,
  matchBracket,
  type Syntax,
  syntaxOf,
  type Token,
  tokenize,
} from "./analysis_tokens.ts";

export type { Category, Finding, Severity };

/** A source file to analyse. */
export interface SourceFile {
  path: string;
  content: string;
}

/** Options of {@linkcode analyzeCode}. */
export interface AnalyzeOptions {
  /** Language of files whose extension says nothing. Default "typescript". */
  language?: string;
}

/** Numbers measured while analysing. */
export interface AnalysisMetrics {
  files: number;
  lines: number;
  codeLines: number;
  commentLines: number;
  functions: number;
  maxComplexity: number;
  averageComplexity: number;
  maxFunctionLines: number;
  maxNesting: number;
  duplicatedLines: number;
  exportedSymbols: number;
  documentedExports: number;
  longLines: number;
}

/** Result of {@linkcode analyzeCode}. */
export interface AnalysisResult {
  /** 0-100, higher is better. */
  security: number;
  /** 0-100, higher is better. */
  quality: number;
  /** 0-100, higher is better. */
  maintainability: number;
  /** Sorted by path, then line, then rule. */
  findings: Finding[];
  metrics: AnalysisMetrics;
}

/** Points a first finding of each severity costs; repeats of one rule cost less and less. */
export const SEVERITY_WEIGHT: Readonly<Record<Severity, number>> = Object
  .freeze({ low: 2, medium: 6, high: 18, critical: 35 });
/** Each further finding of the same rule counts this fraction of the one before. */
const REPEAT_DECAY = 0.6;

const LIMITS = {
  complexity: { medium: 10, high: 20 },
  functionLines: { medium: 60, high: 120 },
  fileLines: { low: 400, medium: 800 },
  nesting: { medium: 4, high: 6 },
  lineLength: 120,
  duplicateWindow: 6,
  maxFindingsPerRule: 25,
} as const;

const CONTROL = new Set(["if", "for", "while", "switch", "catch", "with"]);
const BRANCH_WORDS_JS = new Set(["if", "for", "while", "case", "catch"]);
const BRANCH_WORDS_PY = new Set([
  "if",
  "elif",
  "for",
  "while",
  "except",
  "and",
  "or",
  "case",
]);
const BRANCH_OPS = new Set(["&&", "||", "??"]);
const ALLOWED_NUMBERS = new Set([
  "0",
  "1",
  "2",
  "10",
  "100",
  "1000",
  "0.5",
  "1024",
  "60",
  "24",
  "1e3",
]);

interface FunctionInfo {
  name: string;
  line: number;
  endLine: number;
  complexity: number;
  nesting: number;
}

/**
 * Analyses source files and scores them.
 *
 * Scores start at 100; each finding subtracts {@linkcode SEVERITY_WEIGHT} of
 * its severity, repeats of one rule count less and less (×0.6 each), and
 * maintainability also loses up to 20 points for undocumented exports.
 * Security is scored over all files together (one hole is one hole, however
 * large the code base); quality and maintainability are scored per file and
 * averaged, weighted by lines of code, so size alone does not sink them.
 * Never throws on any input.
 *
 * @example
 * ```ts
 * const { quality, metrics } = analyzeCode([{ path: "a.js", content: "function f() {}\n" }]);
 * console.log(quality, metrics.functions); // 100 1
 * ```
 */
export function analyzeCode(
  files: readonly SourceFile[],
  options: AnalyzeOptions = {},
): AnalysisResult {
  const language = options.language ?? "typescript";
  const findings: Finding[] = [];
  const metrics: AnalysisMetrics = {
    files: files.length,
    lines: 0,
    codeLines: 0,
    commentLines: 0,
    functions: 0,
    maxComplexity: 0,
    averageComplexity: 0,
    maxFunctionLines: 0,
    maxNesting: 0,
    duplicatedLines: 0,
    exportedSymbols: 0,
    documentedExports: 0,
    longLines: 0,
  };
  let complexitySum = 0;
  const contexts: FileContext[] = [];
  const fileStats: {
    path: string;
    weight: number;
    exports: number;
    documented: number;
  }[] = [];

  for (const file of files) {
    const syntax = syntaxForFile(file.path, language);
    const tokens = tokenize(file.content, syntax);
    const ctx: FileContext = {
      path: file.path,
      syntax,
      tokens,
      code: codeTokens(tokens),
      lines: file.content.replace(/\r?\n$/, "").split(/\r?\n/),
      isTest: /(^|[/_.])(test|spec)[s]?\.[a-z]+$|(^|\/)tests?\//i.test(
        file.path,
      ),
    };
    contexts.push(ctx);
    const perRule = new Map<string, number>();
    const report = (category: Category) =>
    (
      rule: string,
      severity: Severity,
      message: string,
      line: number,
    ) => {
      const seen = perRule.get(rule) ?? 0;
      perRule.set(rule, seen + 1);
      if (seen >= LIMITS.maxFindingsPerRule) return;
      findings.push({
        rule,
        category,
        severity,
        message,
        path: file.path,
        line,
      });
    };

    securityRules(ctx, report("security"));
    const fileMetrics = qualityRules(ctx, report("quality"));
    maintainabilityRules(ctx, report("maintainability"), fileMetrics);

    fileStats.push({
      path: file.path,
      weight: Math.max(1, fileMetrics.codeLines),
      exports: fileMetrics.exports,
      documented: fileMetrics.documentedExports,
    });
    metrics.lines += ctx.lines.length;
    metrics.codeLines += fileMetrics.codeLines;
    metrics.commentLines += fileMetrics.commentLines;
    metrics.functions += fileMetrics.functions.length;
    metrics.maxNesting = Math.max(metrics.maxNesting, fileMetrics.maxNesting);
    metrics.longLines += fileMetrics.longLines;
    metrics.exportedSymbols += fileMetrics.exports;
    metrics.documentedExports += fileMetrics.documentedExports;
    for (const fn of fileMetrics.functions) {
      complexitySum += fn.complexity;
      metrics.maxComplexity = Math.max(metrics.maxComplexity, fn.complexity);
      metrics.maxFunctionLines = Math.max(
        metrics.maxFunctionLines,
        fn.endLine - fn.line + 1,
      );
    }
  }
  metrics.averageComplexity = metrics.functions === 0
    ? 0
    : Math.round((complexitySum / metrics.functions) * 10) / 10;
  metrics.duplicatedLines = duplicationRule(contexts, findings);

  findings.sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
  const perFile = (category: Category) => {
    if (fileStats.length === 0) return 100;
    let weighted = 0;
    let total = 0;
    for (const f of fileStats) {
      const own = findings.filter((x) => x.path === f.path);
      const gap = category === "maintainability" && f.exports > 0
        ? 20 * (1 - f.documented / f.exports)
        : 0;
      weighted += score(own, category, gap) * f.weight;
      total += f.weight;
    }
    return Math.min(100, Math.max(0, Math.round(weighted / total)));
  };
  return {
    security: score(findings, "security", 0),
    quality: perFile("quality"),
    maintainability: perFile("maintainability"),
    findings,
    metrics,
  };
}

function syntaxForFile(path: string, language: string): Syntax {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1];
  const byExt = ext ? syntaxOf(ext) : undefined;
  if (
    ext && (byExt !== "c" || /^(c|h|cc|cpp|java|go|rs|cs|kt|swift)$/i.test(ext))
  ) {
    return byExt!;
  }
  return syntaxOf(language);
}

function score(
  findings: readonly Finding[],
  category: Category,
  extraPenalty: number,
): number {
  const byRule = new Map<string, number[]>();
  for (const f of findings) {
    if (f.category !== category) continue;
    const list = byRule.get(f.rule) ?? [];
    list.push(SEVERITY_WEIGHT[f.severity]);
    byRule.set(f.rule, list);
  }
  let penalty = extraPenalty;
  for (const weights of byRule.values()) {
    weights.sort((a, b) => b - a);
    weights.forEach((w, index) => (penalty += w * REPEAT_DECAY ** index));
  }
  const value = Math.round(100 - penalty);
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
}

interface FileMetrics {
  functions: FunctionInfo[];
  codeLines: number;
  commentLines: number;
  maxNesting: number;
  longLines: number;
  exports: number;
  documentedExports: number;
}

type Report = (
  rule: string,
  severity: Severity,
  message: string,
  line: number,
) => void;

function qualityRules(ctx: FileContext, report: Report): FileMetrics {
  const codeLineSet = new Set<number>();
  const commentLineSet = new Set<number>();
  for (const t of ctx.tokens) {
    const target = t.type === "comment" ? commentLineSet : codeLineSet;
    for (let l = t.line; l <= t.endLine; l++) target.add(l);
  }
  const functions = ctx.syntax === "python"
    ? pythonFunctions(ctx)
    : braceFunctions(ctx.code);
  let maxNesting = 0;
  for (const fn of functions) {
    const length = fn.endLine - fn.line + 1;
    maxNesting = Math.max(maxNesting, fn.nesting);
    if (fn.complexity > LIMITS.complexity.medium) {
      report(
        "complexity",
        fn.complexity > LIMITS.complexity.high ? "high" : "medium",
        `${fn.name} has cyclomatic complexity ${fn.complexity} (limit ${LIMITS.complexity.medium}); split it`,
        fn.line,
      );
    }
    if (length > LIMITS.functionLines.medium) {
      report(
        "function-length",
        length > LIMITS.functionLines.high ? "high" : "medium",
        `${fn.name} is ${length} lines long (limit ${LIMITS.functionLines.medium})`,
        fn.line,
      );
    }
    if (fn.nesting > LIMITS.nesting.medium) {
      report(
        "deep-nesting",
        fn.nesting > LIMITS.nesting.high ? "high" : "medium",
        `${fn.name} nests blocks ${fn.nesting} deep (limit ${LIMITS.nesting.medium})`,
        fn.line,
      );
    }
  }
  const lineCount = ctx.lines.length;
  if (lineCount > LIMITS.fileLines.low) {
    report(
      "file-length",
      lineCount > LIMITS.fileLines.medium ? "medium" : "low",
      `file has ${lineCount} lines (limit ${LIMITS.fileLines.low}); split it by concern`,
      1,
    );
  }

  const { code } = ctx;
  for (let k = 0; k < code.length; k++) {
    const t = code[k]!;
    if (
      t.type === "ident" && code[k + 1]?.value === "." &&
      ((t.value === "console" &&
        /^(log|debug|dir|trace)$/.test(code[k + 2]?.value ?? "")) ||
        false) &&
      !ctx.isTest
    ) {
      report(
        "console-log",
        "low",
        `console.${code[k + 2]?.value} left in the code; use the logger`,
        t.line,
      );
    }
    if (
      ctx.syntax === "python" && t.value === "print" &&
      code[k + 1]?.value === "(" && !ctx.isTest
    ) {
      report(
        "console-log",
        "low",
        "print() left in the code; use logging",
        t.line,
      );
    }
    if (ctx.syntax === "js" && t.type === "ident" && t.value === "any") {
      const prev = code[k - 1]?.value;
      if (prev === "as" || prev === ":" || prev === "<") {
        report(
          "explicit-any",
          "low",
          "`any` turns type checking off; use unknown or a precise type",
          t.line,
        );
      }
    }
    if (ctx.syntax === "js" && t.type === "ident" && t.value === "debugger") {
      report("debugger", "medium", "debugger statement left in", t.line);
    }
    if (
      t.type === "number" && !ctx.isTest && !ALLOWED_NUMBERS.has(t.value) &&
      functions.some((fn) => t.line > fn.line && t.line <= fn.endLine) &&
      isMagic(code, k)
    ) {
      report(
        "magic-number",
        "low",
        `magic number ${t.value}; name it with a constant`,
        t.line,
      );
    }
  }
  for (const t of ctx.tokens) {
    if (
      t.type === "comment" &&
      /@ts-(ignore|nocheck)|eslint-disable|deno-lint-ignore-file/.test(t.value)
    ) {
      report(
        "suppressed-check",
        "low",
        "a type or lint check is suppressed",
        t.line,
      );
    }
  }
  return {
    functions,
    codeLines: codeLineSet.size,
    commentLines: commentLineSet.size,
    maxNesting,
    longLines: 0,
    exports: 0,
    documentedExports: 0,
  };
}

/** True when a number literal is used inline rather than named. */
function isMagic(code: readonly Token[], k: number): boolean {
  let j = k - 1;
  if (code[j]?.value === "-" || code[j]?.value === "+") j--;
  const prev = code[j]?.value;
  // `const LIMIT = 42`, `x: 42` in objects and enum members name the number.
  if (
    prev === "=" && code[j - 2]?.value &&
    ["const", "let", "var", "readonly"].includes(code[j - 2]!.value)
  ) {
    return false;
  }
  if (prev === "=" && /^[A-Z][A-Z0-9_]*$/.test(code[j - 1]?.value ?? "")) {
    return false;
  }
  if (prev === ":" || prev === "[" || prev === "case") return false;
  return /[-+*/%<>=,(]|return|===|!==|==|!=|<=|>=/.test(prev ?? "");
}

/** Finds block-bodied functions (declarations, methods, arrows) in brace syntaxes. */
function braceFunctions(code: readonly Token[]): FunctionInfo[] {
  const functions: FunctionInfo[] = [];
  for (let k = 0; k < code.length; k++) {
    const t = code[k]!;
    if (t.type !== "punct" || t.value !== "{") continue;
    const name = functionNameBefore(code, k);
    if (name === null) continue;
    const end = matchBracket(code, k);
    let complexity = 1;
    let depth = 0;
    let maxDepth = 0;
    for (let j = k + 1; j < end; j++) {
      const u = code[j]!;
      if (u.type === "punct") {
        if (u.value === "{") {
          // Nested functions are measured on their own.
          if (functionNameBefore(code, j) !== null) {
            j = matchBracket(code, j);
            continue;
          }
          depth++;
          maxDepth = Math.max(maxDepth, depth);
        } else if (u.value === "}") depth--;
        else if (BRANCH_OPS.has(u.value)) complexity++;
        else if (
          u.value === "?" &&
          ![":", ")", ",", "=", ";"].includes(code[j + 1]?.value ?? "")
        ) complexity++;
      } else if (u.type === "ident" && BRANCH_WORDS_JS.has(u.value)) {
        if (code[j - 1]?.value !== ".") complexity++;
      }
    }
    functions.push({
      name,
      line: nameLine(code, k),
      endLine: code[end]?.endLine ?? t.line,
      complexity,
      nesting: maxDepth,
    });
  }
  return functions;
}

function nameLine(code: readonly Token[], brace: number): number {
  const close = previousParen(code, brace);
  if (close === -1) return code[brace]!.line;
  const open = matchingOpen(code, close);
  return code[Math.max(0, open - 1)]?.line ?? code[brace]!.line;
}

/** Index of the `)` ending the parameter list before a `{`, or -1. */
function previousParen(code: readonly Token[], brace: number): number {
  const prev = code[brace - 1];
  if (!prev) return -1;
  if (prev.value === ")") return brace - 1;
  // Return type annotation: `): Promise<T> {` — walk back to a `)` followed by `:`.
  let depth = 0;
  for (let j = brace - 1; j >= 0 && j > brace - 40; j--) {
    const v = code[j]!.value;
    if (code[j]!.type !== "punct") continue;
    if (v === ">" || v === "]") depth++;
    else if (v === "<" || v === "[") depth--;
    else if (v === "{" || v === "}" || v === ";" || v === "=") {
      if (v === "{" || v === "}") {
        // Object types inside the annotation are allowed: skip them.
        if (v === "}") {
          const open = matchingOpen(code, j);
          j = open;
          continue;
        }
      }
      return -1;
    } else if (v === ")" && depth <= 0 && code[j + 1]?.value === ":") {
      return j;
    }
  }
  return -1;
}

function matchingOpen(code: readonly Token[], close: number): number {
  const closer = code[close]!.value;
  const opener = closer === ")" ? "(" : closer === "]" ? "[" : "{";
  let depth = 0;
  for (let j = close; j >= 0; j--) {
    const u = code[j]!;
    if (u.type !== "punct") continue;
    if (u.value === closer) depth++;
    else if (u.value === opener) {
      depth--;
      if (depth === 0) return j;
    }
  }
  return 0;
}

/** The function's name when the `{` at `brace` opens a function body, else null. */
function functionNameBefore(
  code: readonly Token[],
  brace: number,
): string | null {
  if (code[brace - 1]?.value === "=>") {
    return arrowName(code, brace - 1);
  }
  const close = previousParen(code, brace);
  if (close === -1) return null;
  if (code[close + 1]?.value === "=>") return null;
  const open = matchingOpen(code, close);
  let j = open - 1;
  // Generic parameters: `name<T>(`.
  if (code[j]?.value === ">") j = matchingAngle(code, j) - 1;
  const before = code[j];
  if (!before) return null;
  if (before.value === "function") return "(anonymous function)";
  if (before.type !== "ident" || CONTROL.has(before.value)) return null;
  if (["return", "typeof", "await", "new", "in", "of"].includes(before.value)) {
    return null;
  }
  // `name(...) {` is a method or declaration; a call like `foo(x) {` cannot occur.
  return before.value;
}

function matchingAngle(code: readonly Token[], close: number): number {
  let depth = 0;
  for (let j = close; j >= 0; j--) {
    const v = code[j]!.value;
    if (v === ">") depth++;
    else if (v === "<") {
      depth--;
      if (depth === 0) return j;
    }
  }
  return 0;
}

function arrowName(code: readonly Token[], arrow: number): string {
  let j = arrow - 1;
  const close = previousParen(code, arrow);
  if (close !== -1) j = matchingOpen(code, close) - 1;
  else j--;
  if (code[j]?.value === ">") j = matchingAngle(code, j) - 1;
  if (code[j]?.value === "async") j--;
  if (code[j]?.value === "=" || code[j]?.value === ":") {
    const name = code[j - 1];
    if (name?.type === "ident") return name.value;
  }
  return "(arrow function)";
}

/** Functions in Python: `def name(...):` and the indented block below it. */
function pythonFunctions(ctx: FileContext): FunctionInfo[] {
  const functions: FunctionInfo[] = [];
  const { code, lines } = ctx;
  const indentOf = (line: number) =>
    /^[ \t]*/.exec(lines[line - 1] ?? "")?.[0].replace(/\t/g, "    ").length ??
      0;
  for (let k = 0; k < code.length; k++) {
    if (code[k]!.value !== "def" || code[k + 1]?.type !== "ident") continue;
    const startLine = code[k]!.line;
    const base = indentOf(startLine);
    let endLine = startLine;
    let complexity = 1;
    let maxIndent = base;
    let j = k + 2;
    for (; j < code.length; j++) {
      const u = code[j]!;
      if (
        u.line > startLine && indentOf(u.line) <= base && u.line !== endLine
      ) {
        break;
      }
      endLine = Math.max(endLine, u.endLine);
      if (u.type === "ident" && BRANCH_WORDS_PY.has(u.value)) complexity++;
      if (u.line > startLine) maxIndent = Math.max(maxIndent, indentOf(u.line));
    }
    functions.push({
      name: code[k + 1]!.value,
      line: startLine,
      endLine,
      complexity,
      nesting: Math.max(0, Math.round((maxIndent - base) / 4) - 1),
    });
  }
  return functions;
}

function maintainabilityRules(
  ctx: FileContext,
  report: Report,
  metrics: FileMetrics,
): void {
  let longLines = 0;
  ctx.lines.forEach((text, index) => {
    if (text.length > LIMITS.lineLength) {
      longLines++;
      report(
        "long-line",
        "low",
        `line is ${text.length} characters (limit ${LIMITS.lineLength})`,
        index + 1,
      );
    }
  });
  metrics.longLines = longLines;

  const { tokens } = ctx;
  for (const t of tokens) {
    if (t.type === "comment" && /\b(TODO|FIXME|HACK|XXX)\b/.test(t.value)) {
      report("todo", "low", "unfinished work marked in a comment", t.line);
    }
  }

  const exports = ctx.syntax === "python"
    ? pythonExports(ctx)
    : jsExports(tokens);
  metrics.exports = exports.length;
  for (const e of exports) {
    if (e.documented) metrics.documentedExports++;
    else if (!ctx.isTest) {
      report(
        "undocumented-export",
        "low",
        `exported ${e.kind} ${e.name} has no doc comment`,
        e.line,
      );
    }
  }

  // Naming.
  const { code } = ctx;
  for (let k = 0; k < code.length - 1; k++) {
    const t = code[k]!;
    const next = code[k + 1]!;
    if (next.type !== "ident") continue;
    if (ctx.syntax === "js") {
      if (
        (t.value === "class" || t.value === "interface") &&
        !/^[A-Z][A-Za-z0-9]*$/.test(next.value)
      ) {
        report(
          "naming",
          "low",
          `${t.value} ${next.value} should be PascalCase`,
          next.line,
        );
      }
      if (
        ["let", "var", "function"].includes(t.value) &&
        /[a-z0-9]_[a-z]/.test(next.value)
      ) {
        report("naming", "low", `${next.value} should be camelCase`, next.line);
      }
      if (
        (t.value === "function" || t.value === "class") &&
        next.value.length === 1
      ) {
        report(
          "naming",
          "low",
          `the name ${next.value} says nothing`,
          next.line,
        );
      }
    } else if (ctx.syntax === "python") {
      if (
        t.value === "def" && /[A-Z]/.test(next.value) && !/^__/.test(next.value)
      ) {
        report(
          "naming",
          "low",
          `function ${next.value} should be snake_case`,
          next.line,
        );
      }
      if (t.value === "class" && !/^[A-Z][A-Za-z0-9]*$/.test(next.value)) {
        report(
          "naming",
          "low",
          `class ${next.value} should be PascalCase`,
          next.line,
        );
      }
    }
  }

  if (
    metrics.codeLines >= 80 && metrics.commentLines / metrics.codeLines < 0.03
  ) {
    report(
      "few-comments",
      "low",
      `${metrics.commentLines} comment lines for ${metrics.codeLines} lines of code`,
      1,
    );
  }
}

interface ExportInfo {
  name: string;
  kind: string;
  line: number;
  documented: boolean;
}

const DECLARATION_KINDS = new Set([
  "function",
  "class",
  "const",
  "let",
  "var",
  "interface",
  "type",
  "enum",
  "namespace",
]);

/** Exported declarations in JS/TS and whether a `/** ... *\/` comment precedes them. */
export function jsExports(tokens: readonly Token[]): ExportInfo[] {
  const out: ExportInfo[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.type !== "ident" || t.value !== "export") continue;
    if (k > 0 && tokens[k - 1]?.value === ".") continue;
    let j = k + 1;
    while (
      ["default", "async", "declare", "abstract"].includes(
        tokens[j]?.value ?? "",
      )
    ) j++;
    let kind = tokens[j]?.value ?? "";
    if (kind === "function" && tokens[j + 1]?.value === "*") j++;
    if (!DECLARATION_KINDS.has(kind)) {
      if (tokens[k + 1]?.value === "default") kind = "default";
      else continue;
    }
    const nameToken = kind === "default" ? tokens[k + 1] : tokens[j + 1];
    const name = nameToken?.type === "ident" ? nameToken.value : "default";
    let p = k - 1;
    while (tokens[p]?.type === "punct" && tokens[p]?.value === "@") p--; // decorators (best effort)
    const doc = tokens[p];
    out.push({
      name,
      kind,
      line: t.line,
      documented: doc?.type === "comment" && doc.value.startsWith("/**"),
    });
  }
  return out;
}

function pythonExports(ctx: FileContext): ExportInfo[] {
  const out: ExportInfo[] = [];
  const { code } = ctx;
  for (let k = 0; k < code.length - 1; k++) {
    const t = code[k]!;
    if (
      (t.value !== "def" && t.value !== "class") ||
      /^[ \t]/.test(ctx.lines[t.line - 1] ?? "")
    ) continue;
    const name = code[k + 1]!.value;
    if (name.startsWith("_")) continue;
    // A docstring is the first token after the header's ":" at the line end.
    let j = k + 2;
    while (
      j < code.length &&
      !(code[j]!.value === ":" && code[j + 1]?.line !== code[j]!.line)
    ) j++;
    out.push({
      name,
      kind: t.value === "def" ? "function" : "class",
      line: t.line,
      documented: code[j + 1]?.type === "string",
    });
  }
  return out;
}

/** Flags repeated windows of normalized lines, within and across files. */
function duplicationRule(
  contexts: readonly FileContext[],
  findings: Finding[],
): number {
  const window = LIMITS.duplicateWindow;
  const seen = new Map<string, { path: string; line: number }>();
  let duplicated = 0;
  for (const ctx of contexts) {
    // Normalized code lines: tokens joined per line, comments dropped.
    const byLine = new Map<number, string[]>();
    for (const t of ctx.code) {
      const list = byLine.get(t.line) ?? [];
      list.push(t.value);
      byLine.set(t.line, list);
    }
    const lines = [...byLine.entries()]
      .map(([line, parts]) => ({ line, text: parts.join(" ") }))
      .filter((l) => l.text.replace(/[{}()[\];,]/g, "").trim().length > 3);
    const marked = new Set<number>();
    let reportedUntil = -1;
    for (let i = 0; i + window <= lines.length; i++) {
      const key = lines.slice(i, i + window).map((l) => l.text).join("\n");
      const first = seen.get(key);
      if (!first) {
        seen.set(key, { path: ctx.path, line: lines[i]!.line });
        continue;
      }
      if (first.path === ctx.path && first.line + 0 >= lines[i]!.line) continue;
      for (let j = i; j < i + window; j++) marked.add(lines[j]!.line);
      if (i > reportedUntil) {
        findings.push({
          rule: "duplication",
          category: "quality",
          severity: "medium",
          message:
            `these lines repeat ${first.path}:${first.line}; extract a shared function`,
          path: ctx.path,
          line: lines[i]!.line,
        });
      }
      reportedUntil = i + window - 1;
    }
    duplicated += marked.size;
  }
  return duplicated;
}
