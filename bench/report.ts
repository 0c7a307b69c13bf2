/**
 * Runs every benchmark and load script of the project, one after another,
 * and prints ONE table of the figures that the issues ask for, each with the
 * baseline it is compared with and the ratio; writes the same table, the
 * machine it ran on and each script's own output to `BENCHMARKS.md`.
 *
 * What it runs (whatever exists when it starts):
 * - `bench/*_bench.ts` with `deno bench -A --json` (figures from Deno's
 *   JSON: mean time per iteration, p75/p99; ratios against the group's
 *   baseline or against the replaced system's published figures, which are
 *   labelled as claims typed in, not measurements);
 * - `bench/*_load.ts` and `bench/activation_memory.ts` with `deno run -A`
 *   (their printed tables and lines are parsed);
 * - a few scripts whose `deno run` mode prints the percentiles an issue asks
 *   for (vector search p50/p95) run that way instead of `deno bench`.
 *
 * PostgreSQL: `BENCH_DATABASE_URL` (or `TEST_DATABASE_URL`) is handed to the
 * scripts that compare PGlite with a real server; without either, when
 * PostgreSQL's server binaries are installed, a private server is started
 * for the run (default durability settings) and stopped at the end.
 *
 * Usage:
 *   deno run -A bench/report.ts [--only=name,name] [--out=BENCHMARKS.md]
 *     [--timeout=600] [--no-postgres]
 *
 * `--only` takes file names without `.ts` (`storage_bench`, `http_load`).
 * A script that fails or times out is listed as such; the others still run.
 * Every row says what it was measured on and what was stubbed or faked
 * (`bench/_caveats.ts`), so a regenerated report keeps its caveats.
 *
 * @module
 */
import { againstClaim, caveatsOf, claimed } from "./_caveats.ts";
import {
  postgresBinDir,
  type PostgresCluster,
  startPostgresCluster,
} from "../tests/reliability/_support.ts";

const ROOT = new URL("../", import.meta.url).pathname;

// --- arguments ---

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return Deno.args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}
const ONLY = flag("only")?.split(",").map((s) => s.trim()).filter(Boolean);
const OUT = flag("out") ?? `${ROOT}BENCHMARKS.md`;
const TIMEOUT_S = Number(flag("timeout") ?? 600);
const NO_POSTGRES = Deno.args.includes("--no-postgres");

// --- what one row of the table holds ---

/** One figure with what it is compared against. */
interface Row {
  /** Which issue asked for it. */
  area: string;
  benchmark: string;
  figure: string;
  baseline: string;
  /** "12.3x faster", "85% of raw", or "—". */
  ratio: string;
  goal: string;
  /** What was real and what was stubbed or faked (filled from `bench/_caveats.ts`). */
  caveats?: string;
  source: string;
}

/** `deno bench --json`, `deno bench` (for scripts that print figures inside a bench), or `deno run`. */
type Mode = "bench" | "bench-text" | "run";

interface RunResult {
  file: string;
  mode: Mode;
  ok: boolean;
  seconds: number;
  /** What the script printed (JSON removed). */
  text: string;
  stderr: string;
  json?: BenchJson;
  error?: string;
}

interface BenchStats {
  n: number;
  min: number;
  max: number;
  avg: number;
  p75: number;
  p99: number;
}

interface BenchEntry {
  origin: string;
  group: string | null;
  name: string;
  baseline: boolean;
  results: { ok?: BenchStats; failed?: unknown }[];
}

interface BenchJson {
  runtime: string;
  cpu: string;
  benches: BenchEntry[];
}

// --- running scripts ---

const decoder = new TextDecoder();

const MODE_LABEL: Record<Mode, string> = {
  bench: "deno bench --json",
  "bench-text": "deno bench",
  run: "deno run",
};

async function runScript(
  file: string,
  mode: Mode,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<RunResult> {
  const cmdArgs = mode === "bench"
    ? ["bench", "-A", "--json", file, ...(args.length ? ["--", ...args] : [])]
    : mode === "bench-text"
    ? ["bench", "-A", file, ...(args.length ? ["--", ...args] : [])]
    : ["run", "-A", ...args.filter((a) => a.startsWith("--v8")), file].concat(
      args.filter((a) => !a.startsWith("--v8")),
    );
  const started = performance.now();
  const signal = AbortSignal.timeout(TIMEOUT_S * 1000);
  console.error(
    `report: ${MODE_LABEL[mode]} ${file} ...`,
  );
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(Deno.execPath(), {
      args: cmdArgs,
      cwd: ROOT,
      env: { RUST_BACKTRACE: "0", NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "piped",
      signal,
    }).output();
  } catch (error) {
    return {
      file,
      mode,
      ok: false,
      seconds: (performance.now() - started) / 1000,
      text: "",
      stderr: "",
      error: String(error),
    };
  }
  const seconds = (performance.now() - started) / 1000;
  const stdout = decoder.decode(out.stdout);
  const stderr = decoder.decode(out.stderr);
  let text = stdout;
  let json: BenchJson | undefined;
  if (mode === "bench") {
    const at = stdout.lastIndexOf('{\n  "version"');
    if (at >= 0) {
      try {
        json = JSON.parse(stdout.slice(at)) as BenchJson;
        text = stdout.slice(0, at);
      } catch {
        // left as text
      }
    }
  }
  const timedOut = signal.aborted;
  return {
    file,
    mode,
    ok: out.success && !timedOut,
    seconds,
    text: text.trim(),
    stderr: stderr.trim(),
    ...(json ? { json } : {}),
    ...(out.success ? {} : {
      error: timedOut
        ? `timed out after ${TIMEOUT_S} s`
        : `exit code ${out.code}${out.signal ? ` (${out.signal})` : ""}`,
    }),
  };
}

// --- formatting ---

function ms(ns: number): string {
  const v = ns / 1e6;
  return v >= 100
    ? `${v.toFixed(0)} ms`
    : v >= 1
    ? `${v.toFixed(2)} ms`
    : `${(ns / 1e3).toFixed(1)} µs`;
}

function times(x: number): string {
  if (!Number.isFinite(x)) return "—";
  return x >= 100
    ? `${x.toFixed(0)}x`
    : x >= 10
    ? `${x.toFixed(1)}x`
    : `${x.toFixed(2)}x`;
}

function perSecond(x: number, unit = ""): string {
  return `${Math.round(x).toLocaleString("en-US")}${unit ? ` ${unit}` : ""}/s`;
}

function statsOf(entry: BenchEntry): BenchStats | undefined {
  return entry.results[0]?.ok;
}

function benchesOf(result: RunResult): BenchEntry[] {
  return result.json?.benches ?? [];
}

function baselineOf(
  result: RunResult,
  group: string | null,
): BenchEntry | undefined {
  return benchesOf(result).find((b) => b.group === group && b.baseline);
}

// --- per-script interpretation ---

type Interpret = (result: RunResult) => Row[];

const AREA = {
  runtime: "runtime (#2)",
  storage: "storage (#3)",
  workflow: "workflow (#4)",
  http: "HTTP (#5)",
  telegram: "Telegram (#6)",
} as const;

/** Rows for any `deno bench` JSON: mean per iteration, ratio to the group's baseline. */
function genericBench(area: string): Interpret {
  return (result) =>
    benchesOf(result).map((b) => {
      const s = statsOf(b);
      const base = baselineOf(result, b.group);
      const bs = base && statsOf(base);
      return {
        area,
        benchmark: b.name,
        figure: s
          ? `${ms(s.avg)} mean (p75 ${ms(s.p75)}, p99 ${ms(s.p99)})`
          : "failed",
        baseline: base && base !== b && bs
          ? `${base.name}: ${ms(bs.avg)}`
          : "—",
        ratio: base && base !== b && bs && s ? times(bs.avg / s.avg) : "—",
        goal: "—",
        source: result.file,
      };
    });
}

/** `(N msgs)` in a bench name -> N. */
function messagesIn(name: string): number | undefined {
  const m = name.match(/\((?:[^)]*,\s*)?([\d,]+) msgs\)/);
  return m ? Number(m[1]!.replaceAll(",", "")) : undefined;
}

const runtimeLocal: Interpret = (result) => {
  const rows: Row[] = [];
  for (const b of benchesOf(result)) {
    const s = statsOf(b);
    const n = messagesIn(b.name);
    if (b.baseline) continue;
    const base = baselineOf(result, b.group);
    const bs = base && statsOf(base);
    const nact = benchesOf(result).find((x) =>
      x.group === b.group && /^nact/i.test(x.name)
    );
    const ns = nact && statsOf(nact);
    const rate = s && n ? n / (s.avg / 1e9) : undefined;
    const baseRate = bs && n ? n / (bs.avg / 1e9) : undefined;
    const nactRate = ns && n ? n / (ns.avg / 1e9) : undefined;
    const isNact = /^nact/i.test(b.name);
    rows.push({
      area: AREA.runtime,
      benchmark: `local ${b.name}`,
      figure: rate ? perSecond(rate, "msgs") : "failed",
      baseline: [
        baseRate ? `plain calls ${perSecond(baseRate)}` : "",
        !isNact && nactRate ? `nact ${perSecond(nactRate)}` : "",
      ].filter(Boolean).join("; ") || "—",
      ratio: [
        rate && baseRate ? `${times(rate / baseRate)} of plain calls` : "",
        !isNact && rate && nactRate ? `${times(rate / nactRate)} nact` : "",
      ].filter(Boolean).join("; ") || "—",
      goal: isNact ? "—" : ">= 1,000,000 msgs/s",
      source: result.file,
    });
  }
  return rows;
};

const kvDelivery: Interpret = (result) => {
  const rows: Row[] = [];
  for (const b of benchesOf(result)) {
    if (b.baseline) continue;
    const s = statsOf(b);
    const base = baselineOf(result, b.group);
    const bs = base && statsOf(base);
    rows.push({
      area: AREA.runtime,
      benchmark: `KV delivery (${b.group}): ${b.name}`,
      figure: s ? `${ms(s.avg)} per run` : "failed",
      baseline: base && bs ? `${base.name}: ${ms(bs.avg)}` : "—",
      ratio: s && bs ? `${(bs.avg / s.avg * 100).toFixed(0)}% of raw` : "—",
      goal: ">= 70% of raw",
      source: result.file,
    });
  }
  return rows;
};

const activationMemory: Interpret = (result) => {
  const rows: Row[] = [];
  const count = result.text.match(/^([\d,]+) idle activations/m)?.[1];
  for (
    const m of result.text.matchAll(/^\s*(\w+) kind:\s+(\d+) bytes each/gm)
  ) {
    rows.push({
      area: AREA.runtime,
      benchmark: `memory per idle activation, ${m[1]} kind (${count ?? "?"})`,
      figure: `${Number(m[2]).toLocaleString("en-US")} bytes`,
      baseline: "—",
      ratio: "—",
      goal: "—",
      source: result.file,
    });
  }
  return rows;
};

/** What the replaced system took, per storage operation (issue #3). */
const STORAGE_OLD_MS: Record<string, number> = {
  "create build": 45,
  "update status": 35,
  "list last 50 builds": 80,
  "insert 1,000 events": 450,
};

const storage: Interpret = (result) =>
  benchesOf(result).map((b) => {
    const s = statsOf(b);
    const op = b.group ?? b.name;
    const old = STORAGE_OLD_MS[op];
    return {
      area: AREA.storage,
      benchmark: b.name,
      figure: s ? `${ms(s.avg)} mean (p75 ${ms(s.p75)})` : "failed",
      baseline: old ? claimed(`${old} ms`) : "—",
      ratio: old && s
        ? againstClaim(`${times(old / (s.avg / 1e6))} faster`)
        : "—",
      goal: b.name.startsWith("postgres")
        ? "10x faster than the claim (real server)"
        : "—",
      source: result.file,
    };
  });

const builds: Interpret = (result) => {
  const rows: Row[] = [];
  // `deno bench` may run the case more than once: keep the last (warm) figures per label.
  const last = new Map<string, RegExpMatchArray>();
  const runs = new Map<string, number>();
  for (
    const m of result.text.matchAll(
      /platform overhead per build, ([^(]+?) \(([^)]*)\): median ([\d.]+) ms, p95 ([\d.]+) ms; whole build median ([\d.]+) ms/g,
    )
  ) {
    last.set(m[1]!, m);
    runs.set(m[1]!, (runs.get(m[1]!) ?? 0) + 1);
  }
  for (const [label, m] of last) {
    const median = Number(m[3]);
    const n = runs.get(label) ?? 1;
    rows.push({
      area: AREA.workflow,
      benchmark: `platform overhead per build, ${label} (${m[2]}${
        n > 1 ? `; last of ${n} rounds` : ""
      })`,
      figure: `median ${m[3]} ms, p95 ${m[4]} ms (whole build ${m[5]} ms)`,
      baseline: claimed("3,800 ms"),
      ratio: againstClaim(`${times(3800 / median)} less`),
      goal: "< 50 ms",
      source: result.file,
    });
  }
  const cpu = new Map<string, RegExpMatchArray>();
  for (
    const m of result.text.matchAll(
      /platform CPU per build, ([^(]+?) \(([^)]*)\): median ([\d.]+) ms, p95 ([\d.]+) ms/g,
    )
  ) cpu.set(m[1]!, m);
  for (const [label, m] of cpu) {
    rows.push({
      area: AREA.workflow,
      benchmark: `platform CPU per build, ${label} (${m[2]})`,
      figure: `median ${m[3]} ms, p95 ${m[4]} ms of CPU`,
      baseline: `wall-time overhead in the same run: median ${
        last.get(label)?.[3] ?? "?"
      } ms`,
      ratio: "—",
      goal: "—",
      source: result.file,
    });
  }
  const at = [
    ...result.text.matchAll(/(\d+) builds at once \(([^)]*)\): ([^\n]*)/g),
  ].at(-1);
  if (at) {
    rows.push({
      area: AREA.workflow,
      benchmark: `${at[1]} builds at once (${at[2]})`,
      figure: at[3]!,
      baseline: "—",
      ratio: "—",
      goal: "all succeed, ordered events",
      source: result.file,
    });
  }
  return rows;
};

const vector: Interpret = (result) => {
  const rows: Row[] = [];
  for (
    const m of result.text.matchAll(
      /^(.+?)\s+p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms/gm,
    )
  ) {
    const label = m[1]!.trim();
    const context = /context/i.test(label);
    const old = context ? 850 : 280;
    rows.push({
      area: AREA.workflow,
      benchmark: label,
      figure: `p50 ${m[2]} ms, p95 ${m[3]} ms`,
      baseline: claimed(`${old} ms`),
      ratio: againstClaim(`${times(old / Number(m[2]))} faster (p50)`),
      goal: context ? "—" : "< 20 ms",
      source: result.file,
    });
  }
  const loaded = result.text.match(/^loaded [^\n]*/m);
  if (loaded) {
    rows.push({
      area: AREA.workflow,
      benchmark: "vector store load",
      figure: loaded[0].replace(/^loaded /, ""),
      baseline: "—",
      ratio: "—",
      goal: "—",
      source: result.file,
    });
  }
  return rows;
};

const httpBench: Interpret = (result) =>
  benchesOf(result).map((b) => {
    const s = statsOf(b);
    const old = /\/metrics/.test(b.name)
      ? 150
      : /\/readyz/.test(b.name)
      ? 250
      : undefined;
    return {
      area: AREA.http,
      benchmark: b.name,
      figure: s ? `${ms(s.avg)} mean (p99 ${ms(s.p99)})` : "failed",
      baseline: old ? claimed(`${old} ms`) : "—",
      ratio: old && s
        ? againstClaim(`${times(old / (s.avg / 1e6))} faster`)
        : "—",
      goal: /\/metrics/.test(b.name) ? "< 10 ms" : "—",
      source: result.file,
    };
  });

/** Markdown rows `| route | req/s | p50 | p99 | vs hello-world | errors |` of the wrk scripts. */
const wrkTable: Interpret = (result) => {
  const rows: Row[] = [];
  const header = result.text.match(/^wrk [^\n]*/m)?.[0] ?? "";
  let hello = "";
  for (const line of result.text.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 8 || cells[1] === "route" || /^-+$/.test(cells[1]!)) {
      continue;
    }
    const [, route, rps, p50, p99, ratio, errors] = cells;
    if (/hello-world/i.test(route!)) {
      hello = `${route}: ${Number(rps).toLocaleString("en-US")} req/s`;
      continue;
    }
    rows.push({
      area: AREA.http,
      benchmark: `${route} over sockets (${header.replace(/^wrk /, "wrk ")})`,
      figure: `${
        Number(rps).toLocaleString("en-US")
      } req/s, p50 ${p50}, p99 ${p99}${
        errors && errors !== "0" && errors !== "" ? `, errors ${errors}` : ""
      }`,
      baseline: hello || "bare Hono hello-world",
      ratio: `${ratio}x of hello-world`,
      goal: /^GET \/v1\/builds/.test(route!)
        ? "p99 < 20 ms"
        : /^POST \/v1\/builds/.test(route!)
        ? `under ${claimed("45 ms per create")}`
        : "—",
      source: result.file,
    });
  }
  return rows;
};

const bot: Interpret = (result) =>
  benchesOf(result).map((b) => {
    const s = statsOf(b);
    const n = Number(
      b.name.match(/^([\d,]+) updates/)?.[1]?.replaceAll(",", ""),
    );
    return {
      area: AREA.telegram,
      benchmark: b.name,
      figure: s && n ? perSecond(n / (s.avg / 1e9), "updates") : "failed",
      baseline: "—",
      ratio: "—",
      goal: "—",
      source: result.file,
    };
  });

/** `concurrency N: set X s ...` lines of bench/eval_bench.ts. */
const evalHarness: Interpret = (result) => {
  const rows: Row[] = [];
  const tasks = result.text.match(/^eval bench: (\d+) tasks/m)?.[1] ?? "?";
  let baseline: number | undefined;
  for (
    const m of result.text.matchAll(
      /^concurrency (\d+): set ([\d.]+) s[^;]*;\s*passed (\d+\/\d+); per task median wall ([\d.]+) s, overhead median (\d+) ms, p95 (\d+) ms \((\d+)% of a task's wall time\)/gm,
    )
  ) {
    const seconds = Number(m[2]);
    baseline ??= seconds;
    rows.push({
      area: "eval (#15)",
      benchmark: `whole set (${tasks} tasks) at concurrency ${m[1]}`,
      figure: `${m[2]} s, passed ${m[3]}; per task median ${m[4]} s, ` +
        `harness overhead median ${m[5]} ms, p95 ${m[6]} ms (${
          m[7]
        }% of a task)`,
      baseline: m[1] === "1" ? "—" : "concurrency 1 in the same run",
      ratio: m[1] === "1" ? "—" : `${times(baseline / seconds)} faster`,
      goal: "—",
      source: result.file,
    });
  }
  return rows;
};

/** A speed-up as "Nx faster", or below 1 as "Nx slower". */
function fasterOrSlower(x: number): string {
  return x >= 1 ? `${times(x)} faster` : `${times(1 / x)} slower`;
}

/** The JSON line of bench/cluster_bench.ts (PostgreSQL transport on a real server). */
const clusterTransport: Interpret = (result) => {
  const line = result.text.split("\n").find((l) =>
    l.includes('"bench":"cluster"')
  );
  if (!line) return [];
  const c = JSON.parse(line) as {
    crossNodeTellHandled: { pings: number; p50Ms: number; p99Ms: number };
    throughput: {
      tells: number;
      pgTransportPerS: number;
      rawInsertNotifyPerS: number;
      kvTransportPerS: number;
      pgVsRaw: number;
      pgVsKv: number;
    };
  };
  const t = c.throughput;
  const area = "cluster (#13)";
  return [
    {
      area,
      benchmark:
        `cross-node tell -> handled (${c.crossNodeTellHandled.pings} pings)`,
      figure:
        `p50 ${c.crossNodeTellHandled.p50Ms} ms, p99 ${c.crossNodeTellHandled.p99Ms} ms`,
      baseline: "—",
      ratio: "—",
      goal: "—",
      source: result.file,
    },
    {
      area,
      benchmark: `PostgreSQL transport, ${t.tells} durable tells handled`,
      figure: `${t.pgTransportPerS}/s`,
      baseline: `raw INSERT; NOTIFY loop: ${t.rawInsertNotifyPerS}/s`,
      ratio: fasterOrSlower(t.pgVsRaw),
      goal: "—",
      source: result.file,
    },
    {
      area,
      benchmark: `PostgreSQL transport against the KV transport (one node)`,
      figure: `${t.pgTransportPerS}/s`,
      baseline: `KV transport: ${t.kvTransportPerS}/s`,
      ratio: fasterOrSlower(t.pgVsKv),
      goal: "—",
      source: result.file,
    },
  ];
};

/** `NAME  N cycles/s  R x baseline` lines of bench/poller_store_bench.ts. */
const pollerStore: Interpret = (result) => {
  const rows: Row[] = [];
  let baseline: { name: string; rate: number } | undefined;
  for (
    const m of result.text.matchAll(
      /^(.+?)\s+(\d+) cycles\/s\s+\S+ x baseline$/gm,
    )
  ) {
    const name = m[1]!.trim();
    const rate = Number(m[2]);
    baseline ??= { name, rate };
    const isBaseline = baseline.name === name;
    rows.push({
      area: AREA.telegram,
      benchmark: `poller lease renew + offset commit, ${name}`,
      figure: `${rate.toLocaleString("en-US")} cycles/s`,
      baseline: isBaseline
        ? "—"
        : `${baseline.name}: ${baseline.rate.toLocaleString("en-US")} cycles/s`,
      ratio: isBaseline
        ? "—"
        : rate >= baseline.rate
        ? `${times(rate / baseline.rate)} of the baseline`
        : `${times(baseline.rate / rate)} slower`,
      goal: "—",
      source: result.file,
    });
  }
  return rows;
};

/** The two Markdown tables of bench/web_load.ts (TTFB and event -> page). */
const webConsole: Interpret = (result) => {
  const area = "web console (#16)";
  const rows: Row[] = [];
  const builds = result.text.match(/with (\d+) builds/)?.[1] ?? "?";
  let api: string | undefined;
  for (
    const m of result.text.matchAll(
      /^\| (GET [^|]+?) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+x) \|$/gm,
    )
  ) {
    const isApi = /baseline/.test(m[1]!);
    if (isApi) {
      api = `${m[1]!.replace(/ \(API, baseline\)/, "")}: p50 ${m[2]} ms`;
    }
    rows.push({
      area,
      benchmark: `time to first byte, ${
        m[1]!.replace(/ \(API, baseline\)/, "")
      } (${builds} builds)`,
      figure: `p50 ${m[2]} ms, p95 ${m[3]} ms`,
      baseline: isApi ? "—" : api ?? "the API's list in the same run",
      ratio: isApi ? "—" : `${m[4]} of the API's p50`,
      goal: "—",
      source: result.file,
    });
  }
  const live = result.text.match(
    /event committed -> on the open build page[^\n]*\n(?:.*\n){3}\| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|/,
  );
  if (live) {
    rows.push({
      area,
      benchmark: "build event committed -> shown on the open build page",
      figure: `p50 ${live[1]} ms, p95 ${live[2]} ms, max ${live[3]} ms`,
      baseline: "—",
      ratio: "—",
      goal: "—",
      source: result.file,
    });
  }
  return rows;
};

/** How each known script runs and what its figures mean; others get the generic treatment. */
const KNOWN: Record<
  string,
  { mode: Mode; args?: string[]; interpret: Interpret }
> = {
  runtime_local_bench: { mode: "bench", interpret: runtimeLocal },
  kv_bench: { mode: "bench", interpret: kvDelivery },
  activation_memory: {
    mode: "run",
    args: ["--v8-flags=--expose-gc"],
    interpret: activationMemory,
  },
  storage_bench: { mode: "bench", interpret: storage },
  // Its figures are printed inside the bench, which `--json` swallows.
  build_bench: { mode: "bench-text", interpret: builds },
  // `deno run` prints p50/p95, which issue #4 asks for.
  vector_bench: { mode: "run", interpret: vector },
  sandbox_bench: { mode: "bench", interpret: genericBench(AREA.workflow) },
  http_bench: { mode: "bench", interpret: httpBench },
  http_load: { mode: "run", interpret: wrkTable },
  http_routes_load: { mode: "run", interpret: wrkTable },
  bot_bench: { mode: "bench", interpret: bot },
  eval_bench: { mode: "run", interpret: evalHarness },
  // Prints one JSON line; needs the PostgreSQL server as DATABASE_URL.
  cluster_bench: { mode: "run", interpret: clusterTransport },
  // Prints cycles/s per store; its `Deno.bench`-free main is the figure.
  poller_store_bench: { mode: "run", interpret: pollerStore },
  web_load: { mode: "run", interpret: webConsole },
};

/** What the report says about its own caveats, above the table. */
export const CAVEAT_NOTE: readonly string[] = [
  'The column "measured on" says what each figure ran against and what was stubbed',
  "or faked (a fake model, the fake Ollama or Telegram, probes stubbed, keys in memory).",
  "A figure measured on stubs measures the code around them, not the stubbed system.",
  'Baselines named "replaced system\'s published claim" are the figures the replaced',
  "system published, typed in as constants: they were never measured on this machine,",
  "so ratios against them compare a measurement with a claim.",
];

// --- the machine ---

function machine(): Record<string, string> {
  const read = (path: string) => {
    try {
      return Deno.readTextFileSync(path);
    } catch {
      return "";
    }
  };
  const cpuinfo = read("/proc/cpuinfo");
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ??
    "unknown";
  const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length ||
    navigator.hardwareConcurrency;
  const memKb = Number(read("/proc/meminfo").match(/MemTotal:\s+(\d+)/)?.[1]);
  const os =
    read("/etc/os-release").match(/^PRETTY_NAME="?([^"\n]+)"?/m)?.[1] ??
      Deno.build.os;
  const load = read("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  return {
    CPU: model,
    cores: String(cores),
    memory: memKb ? `${(memKb / 1024 / 1024).toFixed(1)} GiB` : "unknown",
    OS: `${os} (${Deno.build.target})`,
    Deno: `${Deno.version.deno} (V8 ${Deno.version.v8})`,
    date: new Date().toISOString(),
    "load average at start": load || "unknown",
  };
}

// --- main ---

function discover(): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(`${ROOT}bench`)) {
    if (!entry.isFile || entry.name.startsWith("_")) continue;
    if (
      /_bench\.ts$/.test(entry.name) || /_load\.ts$/.test(entry.name) ||
      entry.name === "activation_memory.ts"
    ) {
      files.push(`bench/${entry.name}`);
    }
  }
  return files.sort();
}

function escapeCell(s: string): string {
  return s.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function table(rows: Row[]): string {
  const head = [
    "area",
    "benchmark",
    "figure",
    "baseline",
    "ratio",
    "goal",
    "measured on (what was stubbed or faked)",
    "source",
  ];
  const lines = [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${
        [
          r.area,
          r.benchmark,
          r.figure,
          r.baseline,
          r.ratio,
          r.goal,
          r.caveats ?? caveatsOf(r.source, r.benchmark),
          r.source,
        ].map(escapeCell).join(" | ")
      } |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const info = machine();
  const files = discover().filter((f) =>
    !ONLY || ONLY.includes(f.replace(/^bench\//, "").replace(/\.ts$/, ""))
  );
  let cluster: PostgresCluster | undefined;
  let databaseUrl = Deno.env.get("BENCH_DATABASE_URL") ??
    Deno.env.get("TEST_DATABASE_URL");
  let databaseNote = databaseUrl
    ? "PostgreSQL server from BENCH_DATABASE_URL/TEST_DATABASE_URL"
    : "none (PGlite only)";
  const wantsServer = files.some((f) =>
    /storage_bench|http_routes_load|cluster_bench/.test(f)
  );
  if (!databaseUrl && !NO_POSTGRES && wantsServer && postgresBinDir()) {
    try {
      cluster = await startPostgresCluster({ durable: true });
      databaseUrl = cluster.url;
      databaseNote = `private PostgreSQL ${
        postgresBinDir()?.match(/postgresql\/(\d+)/)?.[1] ?? ""
      } server started for this run (default durability settings)`;
    } catch (error) {
      databaseNote = `none: the private server did not start (${error})`;
    }
  }
  const env: Record<string, string> = databaseUrl
    ? { BENCH_DATABASE_URL: databaseUrl }
    : {};

  const results: RunResult[] = [];
  const rows: Row[] = [];
  try {
    for (const file of files) {
      const name = file.replace(/^bench\//, "").replace(/\.ts$/, "");
      const known = KNOWN[name];
      const mode = known?.mode ?? (/_bench$/.test(name) ? "bench" : "run");
      const result = await runScript(
        file,
        mode,
        known?.args ?? [],
        name === "cluster_bench" && databaseUrl
          ? { ...env, DATABASE_URL: databaseUrl }
          : env,
      );
      results.push(result);
      const interpret = known?.interpret ??
        (mode === "bench" ? genericBench("other") : () => []);
      const got = interpret(result);
      if (got.length === 0) {
        got.push({
          area: "other",
          benchmark: file,
          figure: result.ok
            ? "no figure recognised: see its output in BENCHMARKS.md"
            : `did not finish: ${result.error}`,
          baseline: "—",
          ratio: "—",
          goal: "—",
          source: file,
        });
      } else if (!result.ok) {
        for (const r of got) r.figure += ` (script ${result.error})`;
      }
      rows.push(...got);
    }
  } finally {
    await cluster?.stop();
  }

  const machineLines = Object.entries(info).map(([k, v]) => `- ${k}: ${v}`);
  const printed = table(rows);
  console.log(
    `\n${printed}\n\nmachine: ${info.CPU}, ${info.cores} cores, ${info.memory}, Deno ${info.Deno}, ${info.date}`,
  );

  const sections = results.map((r) =>
    [
      `### ${r.file} (${MODE_LABEL[r.mode]}, ${r.seconds.toFixed(0)} s${
        r.ok ? "" : `, ${r.error}`
      })`,
      "",
      "```text",
      (r.text || "(no text output)").slice(-6_000),
      ...(r.ok ? [] : ["--- stderr (tail) ---", r.stderr.slice(-3_000)]),
      "```",
    ].join("\n")
  );
  const markdown = [
    "# Benchmarks",
    "",
    "Written by `deno task bench` (`bench/report.ts`): every benchmark and load script",
    "of the project, each figure with the baseline named in its issue and the ratio.",
    'Ratios read "how many times better than the baseline" unless they say otherwise.',
    "The machine was shared with other work while this ran, so treat single figures",
    "as indicative and compare ratios taken in the same run.",
    "",
    ...CAVEAT_NOTE,
    "",
    "## Machine",
    "",
    ...machineLines,
    `- PostgreSQL for server figures: ${databaseNote}`,
    "",
    "## Figures",
    "",
    printed,
    "",
    "## Each script's own output",
    "",
    ...sections,
    "",
  ].join("\n");
  await Deno.writeTextFile(OUT, markdown);
  console.log(`\nwritten to ${OUT}`);
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    console.error(
      `report: ${failed.length} script(s) did not finish: ${
        failed.map((r) => `${r.file} (${r.error})`).join(", ")
      }`,
    );
    Deno.exitCode = 1;
  }
}
