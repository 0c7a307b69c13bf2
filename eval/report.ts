/**
 * The figures of a run and how they are shown: per-model summaries, a
 * Markdown report (a table per model, a side-by-side comparison when there
 * are several, every task's outcome) and a plain-text table for terminals.
 *
 * @module
 */
import type { EvalReport, ModelSummary, TaskResult } from "./result.ts";

/** The median of `values` (0 for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[mid] as number
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const mean = (values: readonly number[]) =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;

/** Per-model figures from that model's results. */
export function summarize(
  model: string,
  results: readonly TaskResult[],
  nodeStartSeconds: number,
): ModelSummary {
  const n = results.length;
  const passedFirst = results.filter((r) => r.passedFirst).length;
  const passedLast = results.filter((r) => r.passed).length;
  const scored = results.flatMap((r) => r.scores ? [r.scores] : []);
  return {
    model,
    tasks: n,
    passedFirst,
    passedLast,
    passRateFirst: n ? passedFirst / n : 0,
    passRateLast: n ? passedLast / n : 0,
    malformedRate: n ? results.filter((r) => r.malformed > 0).length / n : 0,
    malformedAnswers: results.reduce((s, r) => s + r.malformed, 0),
    notRun: results.filter((r) => r.buildStatus === "not_run").length,
    medianWallMs: median(results.map((r) => r.wallMs)),
    medianTokensIn: median(results.map((r) => r.tokensIn)),
    medianTokensOut: median(results.map((r) => r.tokensOut)),
    meanAttempts: mean(results.map((r) => r.attempts)),
    meanScores: scored.length
      ? {
        security: mean(scored.map((s) => s.security)),
        quality: mean(scored.map((s) => s.quality)),
        maintainability: mean(scored.map((s) => s.maintainability)),
      }
      : null,
    nodeStartSeconds,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const num = (x: number) => Math.round(x).toString();
const score = (s: ModelSummary) =>
  s.meanScores
    ? `${num(s.meanScores.security)}/${num(s.meanScores.quality)}/${
      num(s.meanScores.maintainability)
    }`
    : "-";

function mdTable(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) =>
      `| ${r.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`
    ),
  ].join("\n");
}

const SUMMARY_HEADER = [
  "model",
  "tasks",
  "pass@1",
  "pass@last",
  "malformed",
  "not run",
  "median time",
  "median tokens in/out",
  "mean attempts",
  "scores sec/qual/maint",
];

function summaryRow(s: ModelSummary): string[] {
  return [
    s.model,
    String(s.tasks),
    `${pct(s.passRateFirst)} (${s.passedFirst})`,
    `${pct(s.passRateLast)} (${s.passedLast})`,
    pct(s.malformedRate),
    String(s.notRun),
    secs(s.medianWallMs),
    `${num(s.medianTokensIn)}/${num(s.medianTokensOut)}`,
    s.meanAttempts.toFixed(2),
    score(s),
  ];
}

/** The report as Markdown. */
export function markdownReport(report: EvalReport): string {
  const { settings, summaries, results } = report;
  const out: string[] = [
    "# Troupe eval",
    "",
    `${report.taskIds.length} tasks, ${settings.attempts} attempt(s) per task, concurrency ${settings.concurrency}; ${report.startedAt} to ${report.finishedAt}.`,
    "",
    "pass@1: the hidden tests pass on a build that needed one generation; pass@last: after the last attempt. " +
    "malformed: share of tasks with at least one unreadable model answer. Scores are the platform's analysis (0-100).",
    "",
  ];
  if (summaries.length > 1) {
    const best = [...summaries].sort((a, b) =>
      b.passRateLast - a.passRateLast || b.passRateFirst - a.passRateFirst ||
      a.medianWallMs - b.medianWallMs
    )[0];
    out.push(
      "## Comparison",
      "",
      mdTable(SUMMARY_HEADER, summaries.map(summaryRow)),
      "",
    );
    if (best) {
      out.push(
        `Best pass rate: **${best.model}** (${
          pct(best.passRateLast)
        } after the last attempt).`,
        "",
      );
    }
    const ids = report.taskIds;
    out.push(
      "### Per task",
      "",
      mdTable(
        [
          "task",
          ...summaries.map((s) =>
            s.model
          ),
        ],
        ids.map((id) => [
          id,
          ...summaries.map((s) => {
            const r = results.find((x) =>
              x.taskId === id && x.model === s.model
            );
            return r
              ? (r.passedFirst ? "pass@1" : r.passed ? "pass" : "fail")
              : "-";
          }),
        ]),
      ),
      "",
    );
  }
  for (const s of summaries) {
    out.push(`## ${s.model}`, "", mdTable(SUMMARY_HEADER, [summaryRow(s)]), "");
    out.push(
      mdTable(
        [
          "task",
          "lang",
          "level",
          "result",
          "attempts",
          "malformed",
          "time",
          "tokens in/out",
          "why",
        ],
        results.filter((r) => r.model === s.model).map((r) => [
          r.taskId,
          r.language === "typescript" ? "ts" : "js",
          r.difficulty,
          r.passedFirst ? "pass@1" : r.passed ? "pass" : "fail",
          String(r.attempts),
          String(r.malformed),
          secs(r.wallMs),
          `${r.tokensIn}/${r.tokensOut}`,
          (r.reason ?? "").replace(/\s+/g, " ").slice(0, 160),
        ]),
      ),
      "",
    );
  }
  return out.join("\n");
}

/** The summaries as an aligned plain-text table (for the terminal). */
export function textSummary(summaries: readonly ModelSummary[]): string {
  const rows = [SUMMARY_HEADER, ...summaries.map(summaryRow)];
  const widths = SUMMARY_HEADER.map((_, i) =>
    Math.max(...rows.map((r) => (r[i] ?? "").length))
  );
  const line = (r: string[]) =>
    r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [
    line(rows[0] as string[]),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.slice(1).map(line),
  ]
    .join("\n");
}

/** One progress line: `[2/3 qwen] [#####-----] 12/40 passed 7`. */
export function progressLine(p: {
  model: string;
  modelIndex: number;
  models: number;
  done: number;
  total: number;
  passed: number;
}, width = 20): string {
  const filled = p.total ? Math.round((p.done / p.total) * width) : width;
  return `[${p.modelIndex + 1}/${p.models} ${p.model}] [${"#".repeat(filled)}${
    "-".repeat(width - filled)
  }] ${p.done}/${p.total} passed ${p.passed}`;
}
