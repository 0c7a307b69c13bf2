/**
 * Code analysis on syntax trees: security, quality and maintainability scores
 * (0-100) with findings at a line and column. TypeScript, JavaScript and
 * Python files are parsed with tree-sitter grammars and checked by their
 * language module (see ./analysis/mod.ts); files of other languages get the
 * line-based rules (secrets, length, duplication, comments).
 *
 * @example
 * ```ts
 * const result = await analyzeCode(
 *   [{ path: "src/a.ts", content: "export const run = (s: string) => eval(s);\n" }],
 *   { language: "typescript" },
 * );
 * result.security; // well below 100
 * result.findings[0]; // { rule: "eval", severity: "critical", line: 1, column: 35, ... }
 * ```
 *
 * @module
 */

import {
  type Category,
  checkSecretText,
  type CommentInfo,
  DEFAULT_GRAMMARS,
  type FileFacts,
  type Finding,
  type GrammarLoader,
  languageFor,
  LIMITS,
  parseSource,
  type Report,
  type Severity,
  type SyntaxNode,
} from "./analysis/mod.ts";
import { isTestCode } from "../../languages/mod.ts";

export type { Category, Finding, Severity };

/** A source file to analyse. */
export interface SourceFile {
  /** Path relative to the project root; its extension picks the language. */
  path: string;
  /** The file's text. */
  content: string;
}

/** Options of {@linkcode analyzeCode}. */
export interface AnalyzeOptions {
  /** Language of files whose extension says nothing. Default "typescript". */
  language?: string;
  /** Where parsers come from. Default: grammars loaded once per process. */
  grammars?: GrammarLoader;
}

/** Numbers measured while analysing. */
export interface AnalysisMetrics {
  /** Files analysed. */
  files: number;
  /** Lines in all files. */
  lines: number;
  /** Lines holding code (not only comments or blanks). */
  codeLines: number;
  /** Lines inside comments. */
  commentLines: number;
  /** Functions, methods, arrows and lambdas found. */
  functions: number;
  /** Highest cyclomatic complexity of one function. */
  maxComplexity: number;
  /** Mean cyclomatic complexity over all functions. */
  averageComplexity: number;
  /** Length in lines of the longest function. */
  maxFunctionLines: number;
  /** Deepest nesting of control blocks in one function. */
  maxNesting: number;
  /** Code lines that repeat another stretch of code. */
  duplicatedLines: number;
  /** Exported (public) declarations. */
  exportedSymbols: number;
  /** Exported declarations that have a doc comment. */
  documentedExports: number;
  /** Lines longer than the line-length limit. */
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
  /** Sorted by path, then line, then column, then rule. */
  findings: Finding[];
  /** Numbers measured while analysing. */
  metrics: AnalysisMetrics;
}

/** Points a first finding of each severity costs; repeats of one rule cost less and less. */
export const SEVERITY_WEIGHT: Readonly<Record<Severity, number>> = Object
  .freeze({ low: 2, medium: 6, high: 18, critical: 35 });
/** Each further finding of the same rule counts this fraction of the one before. */
const REPEAT_DECAY = 0.6;

interface FileStats {
  path: string;
  weight: number;
  exports: number;
  documented: number;
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
 * No input makes it throw (a file that does not parse gets a finding).
 *
 * @example
 * ```ts
 * const { quality, metrics } = await analyzeCode([{ path: "a.js", content: "function f() {}\n" }]);
 * console.log(quality, metrics.functions); // 100 1
 * ```
 */
export async function analyzeCode(
  files: readonly SourceFile[],
  options: AnalyzeOptions = {},
): Promise<AnalysisResult> {
  const language = options.language ?? "typescript";
  const grammars = options.grammars ?? DEFAULT_GRAMMARS;
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
  const stats: FileStats[] = [];
  const duplicates = new DuplicateFinder(findings);

  for (const file of files) {
    const isTest = isTestCode(file.path);
    const perRule = new Map<string, number>();
    const report: Report = (rule, category, severity, message, where) => {
      const seen = perRule.get(rule) ?? 0;
      perRule.set(rule, seen + 1);
      if (seen >= LIMITS.maxFindingsPerRule) return;
      findings.push({
        rule,
        category,
        severity,
        message,
        path: file.path,
        line: where.line,
        column: where.column,
      });
    };
    const module = languageFor(file.path, language);
    let facts: FileFacts;
    if (module) {
      const root = await parseSource(
        file.content,
        module.grammarFor(file.path),
        grammars,
      );
      syntaxErrorRule(root, report);
      facts = module.analyze(
        { path: file.path, source: file.content, root, isTest },
        report,
      );
    } else {
      facts = plainFacts(file.content, report);
    }
    const lines = file.content.replace(/\r?\n$/, "").split(/\r?\n/);
    functionRules(facts, report);
    fileRules(lines, facts, isTest, report);
    duplicates.add(file.path, facts.lineTokens);

    const commentLines = new Set<number>();
    for (const c of facts.comments) {
      for (let l = c.line; l <= c.endLine; l++) commentLines.add(l);
    }
    const documented = facts.exports.filter((e) => e.documented).length;
    stats.push({
      path: file.path,
      weight: Math.max(1, facts.codeLines.size),
      exports: facts.exports.length,
      documented,
    });
    metrics.lines += lines.length;
    metrics.codeLines += facts.codeLines.size;
    metrics.commentLines += commentLines.size;
    metrics.functions += facts.functions.length;
    metrics.longLines += lines.filter((l) => l.length > LIMITS.lineLength)
      .length;
    metrics.exportedSymbols += facts.exports.length;
    metrics.documentedExports += documented;
    for (const fn of facts.functions) {
      complexitySum += fn.complexity;
      metrics.maxComplexity = Math.max(metrics.maxComplexity, fn.complexity);
      metrics.maxNesting = Math.max(metrics.maxNesting, fn.nesting);
      metrics.maxFunctionLines = Math.max(
        metrics.maxFunctionLines,
        fn.endLine - fn.line + 1,
      );
    }
  }
  metrics.averageComplexity = metrics.functions === 0
    ? 0
    : Math.round((complexitySum / metrics.functions) * 10) / 10;
  metrics.duplicatedLines = duplicates.duplicatedLines;

  findings.sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line ||
      a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
  const perFile = (category: Category) => {
    if (stats.length === 0) return 100;
    let weighted = 0;
    let total = 0;
    for (const f of stats) {
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

/** Reports the first place the parser could not read. */
function syntaxErrorRule(root: SyntaxNode, report: Report): void {
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === "ERROR") {
      report(
        "syntax-error",
        "quality",
        "high",
        "the code does not parse here; the rules may miss problems in it",
        { line: node.line, column: node.column },
      );
      return;
    }
    for (let i = node.children.length - 1; i >= 0; i--) {
      stack.push(node.children[i]!);
    }
  }
}

/** Complexity, length, nesting and parameter count of each function. */
function functionRules(facts: FileFacts, report: Report): void {
  for (const fn of facts.functions) {
    const where = { line: fn.line, column: fn.column };
    const length = fn.endLine - fn.line + 1;
    if (fn.complexity > LIMITS.complexity.medium) {
      report(
        "complexity",
        "quality",
        fn.complexity > LIMITS.complexity.high ? "high" : "medium",
        `${fn.name} has cyclomatic complexity ${fn.complexity} (limit ${LIMITS.complexity.medium}); split it`,
        where,
      );
    }
    if (length > LIMITS.functionLines.medium) {
      report(
        "function-length",
        "quality",
        length > LIMITS.functionLines.high ? "high" : "medium",
        `${fn.name} is ${length} lines long (limit ${LIMITS.functionLines.medium})`,
        where,
      );
    }
    if (fn.nesting > LIMITS.nesting.medium) {
      report(
        "deep-nesting",
        "quality",
        fn.nesting > LIMITS.nesting.high ? "high" : "medium",
        `${fn.name} nests blocks ${fn.nesting} deep (limit ${LIMITS.nesting.medium})`,
        where,
      );
    }
    if (fn.params > LIMITS.params.low) {
      report(
        "too-many-params",
        "maintainability",
        fn.params > LIMITS.params.medium ? "medium" : "low",
        `${fn.name} takes ${fn.params} parameters (limit ${LIMITS.params.low}); pass an options object`,
        where,
      );
    }
  }
}

/** File length, long lines, comments, exports without docs. */
function fileRules(
  lines: readonly string[],
  facts: FileFacts,
  isTest: boolean,
  report: Report,
): void {
  if (lines.length > LIMITS.fileLines.low) {
    report(
      "file-length",
      "quality",
      lines.length > LIMITS.fileLines.medium ? "medium" : "low",
      `file has ${lines.length} lines (limit ${LIMITS.fileLines.low}); split it by concern`,
      { line: 1, column: 1 },
    );
  }
  lines.forEach((text, index) => {
    if (text.length > LIMITS.lineLength) {
      report(
        "long-line",
        "maintainability",
        "low",
        `line is ${text.length} characters (limit ${LIMITS.lineLength})`,
        { line: index + 1, column: LIMITS.lineLength + 1 },
      );
    }
  });
  for (const c of facts.comments) {
    if (/\b(TODO|FIXME|HACK|XXX)\b/.test(c.text)) {
      report(
        "todo",
        "maintainability",
        "low",
        "unfinished work marked in a comment",
        c,
      );
    }
    if (
      /@ts-(ignore|nocheck)|eslint-disable|deno-lint-ignore-file|type:\s*ignore|noqa/
        .test(c.text)
    ) {
      report(
        "suppressed-check",
        "quality",
        "low",
        "a type or lint check is suppressed",
        c,
      );
    }
  }
  if (!isTest) {
    for (const e of facts.exports) {
      if (e.documented) continue;
      report(
        "undocumented-export",
        "maintainability",
        "low",
        `exported ${e.kind} ${e.name} has no doc comment`,
        e,
      );
    }
  }
  const commentLines = new Set<number>();
  for (const c of facts.comments) {
    for (let l = c.line; l <= c.endLine; l++) commentLines.add(l);
  }
  const code = facts.codeLines.size;
  if (code >= 80 && commentLines.size / code < 0.03) {
    report(
      "few-comments",
      "maintainability",
      "low",
      `${commentLines.size} comment lines for ${code} lines of code`,
      { line: 1, column: 1 },
    );
  }
}

/** Facts of a file in a language without a grammar: lines and secrets only. */
function plainFacts(content: string, report: Report): FileFacts {
  const comments: CommentInfo[] = [];
  const codeLines = new Set<number>();
  const lineTokens = new Map<number, string[]>();
  content.split(/\r?\n/).forEach((text, index) => {
    const line = index + 1;
    const trimmed = text.trim();
    if (trimmed === "") return;
    const column = text.length - text.trimStart().length + 1;
    if (/^(\/\/|#|--|\/\*|\*|;)/.test(trimmed)) {
      comments.push({ text: trimmed, line, column, endLine: line });
      return;
    }
    codeLines.add(line);
    lineTokens.set(line, trimmed.split(/\s+/));
    checkSecretText(text, { line, column }, report);
  });
  return { functions: [], exports: [], comments, codeLines, lineTokens };
}

/** Flags repeated windows of normalized code lines, within and across files. */
class DuplicateFinder {
  readonly #seen = new Map<string, { path: string; line: number }>();
  readonly #findings: Finding[];
  duplicatedLines = 0;

  constructor(findings: Finding[]) {
    this.#findings = findings;
  }

  add(path: string, lineTokens: ReadonlyMap<number, string[]>): void {
    const window = LIMITS.duplicateWindow;
    const lines = [...lineTokens.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([line, parts]) => ({ line, text: parts.join(" ") }))
      .filter((l) => l.text.replace(/[{}()[\];,:]/g, "").trim().length > 3);
    const marked = new Set<number>();
    let reportedUntil = -1;
    for (let i = 0; i + window <= lines.length; i++) {
      const key = lines.slice(i, i + window).map((l) => l.text).join("\n");
      const first = this.#seen.get(key);
      if (!first) {
        this.#seen.set(key, { path, line: lines[i]!.line });
        continue;
      }
      if (first.path === path && first.line >= lines[i]!.line) continue;
      for (let j = i; j < i + window; j++) marked.add(lines[j]!.line);
      if (i > reportedUntil) {
        this.#findings.push({
          rule: "duplication",
          category: "quality",
          severity: "medium",
          message:
            `these lines repeat ${first.path}:${first.line}; extract a shared function`,
          path,
          line: lines[i]!.line,
          column: 1,
        });
      }
      reportedUntil = i + window - 1;
    }
    this.duplicatedLines += marked.size;
  }
}
