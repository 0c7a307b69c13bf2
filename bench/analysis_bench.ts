/**
 * Code analysis of one 5,000-line file per language (TypeScript,
 * JavaScript, Python) on tree-sitter syntax trees, and, for TypeScript, the
 * replaced hand-written tokenizer on the same file as the group's baseline
 * (kept under bench/_baseline/ only for this comparison).
 *
 *   deno bench -A bench/analysis_bench.ts
 *
 * Grammars are loaded before the first iteration (once per process in the
 * service too), so the figures are parse + rules + scoring.
 *
 * @module
 */
import { analyzeCode } from "../actors/workflow/tools/analysis.ts";
import { analyzeCode as baselineAnalyze } from "./_baseline/analysis.ts";

const LINES = 5_000;

/** A TypeScript (or, without types, JavaScript) module of about `lines` lines. */
function jsSource(lines: number, typed: boolean): string {
  const t = (s: string) => typed ? s : "";
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `/** Scores item ${i}: weights, limits and a label. */`,
      `export function score${i}(items${t(": Item[]")}, limit${t(": number")})${
        t(": number")
      } {`,
      `  let total = 0;`,
      `  for (const item of items) {`,
      `    if (item.weight > limit && item.active) {`,
      `      total += item.weight * ${i % 7 + 2};`,
      `    } else if (item.pinned || item.retry) {`,
      `      total -= item.weight ?? 0;`,
      `    }`,
      `  }`,
      `  const label = total > limit ? "high" : total < 0 ? "low" : "mid";`,
      `  return label.length + total;`,
      `}`,
      ``,
      `export class Store${i} {`,
      `  #rows${t(": Map<string, number>")} = new Map();`,
      `  /** Adds a row. */`,
      `  add(key${t(": string")}, value${t(": number")})${t(": void")} {`,
      `    this.#rows.set(key, value);`,
      `  }`,
      `  total = () => [...this.#rows.values()].reduce((a, b) => a + b, 0);`,
      `}`,
      `const query${i} = (id${
        t(": string")
      }) => db.query("SELECT * FROM t WHERE id = $1", [id]);`,
      ``,
    );
  }
  return out.slice(0, lines).join("\n") + "\n";
}

/** A Python module of about `lines` lines. */
function pySource(lines: number): string {
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `def score_${i}(items, limit):`,
      `    """Scores item ${i}: weights, limits and a label."""`,
      `    total = 0`,
      `    for item in items:`,
      `        if item.weight > limit and item.active:`,
      `            total += item.weight * ${i % 7 + 2}`,
      `        elif item.pinned or item.retry:`,
      `            total -= item.weight or 0`,
      `    label = "high" if total > limit else "low" if total < 0 else "mid"`,
      `    return len(label) + total`,
      ``,
      ``,
      `class Store${i}:`,
      `    """Rows by key."""`,
      ``,
      `    def __init__(self):`,
      `        self.rows = {}`,
      ``,
      `    def add(self, key, value):`,
      `        """Adds a row."""`,
      `        self.rows[key] = value`,
      ``,
      `    def total(self):`,
      `        return sum(v for v in self.rows.values() if v > 0)`,
      ``,
      ``,
    );
  }
  return out.slice(0, lines).join("\n") + "\n";
}

const TS = [{ path: "big.ts", content: jsSource(LINES, true) }];
const JS = [{ path: "big.js", content: jsSource(LINES, false) }];
const PY = [{ path: "big.py", content: pySource(LINES) }];

// Load every grammar once before timing, as a running service has.
await analyzeCode([...TS, ...JS, ...PY]);

Deno.bench({
  name: "hand-written tokenizer (replaced)",
  group: "analysis of 5,000 lines of TypeScript",
  baseline: true,
  fn: () => {
    baselineAnalyze(TS, { language: "typescript" });
  },
});

Deno.bench({
  name: "tree-sitter TypeScript",
  group: "analysis of 5,000 lines of TypeScript",
  fn: async () => {
    await analyzeCode(TS, { language: "typescript" });
  },
});

Deno.bench({
  name: "tree-sitter JavaScript",
  group: "analysis of 5,000 lines of JavaScript",
  fn: async () => {
    await analyzeCode(JS, { language: "javascript" });
  },
});

Deno.bench({
  name: "tree-sitter Python",
  group: "analysis of 5,000 lines of Python",
  fn: async () => {
    await analyzeCode(PY, { language: "python" });
  },
});
