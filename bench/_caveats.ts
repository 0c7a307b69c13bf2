/**
 * What each benchmark figure was measured on: which parts were real, which
 * were stubbed or faked, and whether its baseline is a measurement or a
 * figure typed in from the replaced system's own published claims.
 * `bench/report.ts` writes these next to every row of BENCHMARKS.md, so a
 * regenerated report keeps them; a script this module does not know gets a
 * row that says so instead of an empty cell.
 *
 * @module
 */

/** A baseline that is the replaced system's published figure, typed in as a constant (never measured here). */
export function claimed(figure: string): string {
  return `replaced system's published claim: ${figure} (typed in, not measured)`;
}

/** The ratio against a {@linkcode claimed} baseline, worded as such. */
export function againstClaim(ratio: string): string {
  return `${ratio} vs. the claim`;
}

const HTTP_IN_PROCESS = "in-process `app.request` (no sockets)";
const KEYS_IN_MEMORY = "API keys from an in-memory table (no database)";
const PROBES_STUBBED =
  "the four readiness probes stubbed to `Promise.resolve()` (no PostgreSQL, KV, Chroma or Ollama checked)";
const WRK = "wrk over loopback sockets, client on the same 2 shared cores";

/** Caveats for a row of `source` (a `bench/*.ts` path) named `benchmark`. */
export function caveatsOf(source: string, benchmark: string): string {
  const name = source.replace(/^bench\//, "").replace(/\.ts$/, "");
  switch (name) {
    case "activation_memory":
      return "in-process: in-memory transport and state store, idle actors; heap after forced GC";
    case "bot_bench":
      return [
        "fake Telegram Bot API on loopback (tests/fakes/telegram.ts)",
        "Telegram's rate limits switched off in the outbox",
        /memory/.test(benchmark)
          ? "memory transport and state store"
          : "Deno KV transport, PostgreSQL state store on PGlite in process unless TEST_DATABASE_URL",
      ].join("; ");
    case "build_bench":
      return "instant fake model (fake Ollama, microseconds per answer); PGlite, Deno KV, embedded Chroma, checkpoints and the deno sandbox real; model and sandbox time subtracted from the overhead";
    case "http_bench":
      if (/readyz/.test(benchmark)) {
        return `${HTTP_IN_PROCESS}; ${PROBES_STUBBED}`;
      }
      if (/\/v1\/me/.test(benchmark)) {
        return `${HTTP_IN_PROCESS}; ${KEYS_IN_MEMORY}`;
      }
      if (/registry/.test(benchmark)) {
        return "in-process Prometheus registry filled with 10,000 synthetic builds";
      }
      if (/metrics/.test(benchmark)) {
        return `${HTTP_IN_PROCESS}; registry filled with 10,000 synthetic builds`;
      }
      return HTTP_IN_PROCESS;
    case "http_load":
      return [
        WRK,
        KEYS_IN_MEMORY,
        ...(/readyz/.test(benchmark) ? [PROBES_STUBBED] : []),
        ...(/metrics/.test(benchmark)
          ? ["10,000 synthetic builds recorded"]
          : []),
      ].join("; ");
    case "http_routes_load":
      return `${WRK}; real key cache, database (private PostgreSQL server, else PGlite) and session actor; the agent graph left out (the workflow kind accepts \`run\` and does nothing); per-key rate limit off`;
    case "kv_bench":
      return "Deno KV in a local file (not a remote KV); in-memory state store; no-op handlers";
    case "runtime_local_bench":
      return "in-process, one isolate, handlers that do nothing; nact measured in the same run";
    case "sandbox_bench":
      return "real deno sandbox (subprocess) on a small module with five tests";
    case "python_sandbox_bench":
      return "real Pyodide sandbox (subprocess) on a small module with five tests";
    case "storage_bench":
      return /^pglite/.test(benchmark)
        ? "embedded PGlite in memory, in process"
        : "private local PostgreSQL server started for the run (loopback, default durability)";
    case "vector_bench":
      if (/via Ollama/.test(benchmark)) {
        return "Troupe's Ollama client against the test fake Ollama over HTTP: fake trigram embeddings, no real model's embedding time; embedded Chroma real";
      }
      if (/in-process/.test(benchmark)) {
        return "query embedded in-process by the fake trigram embedder: Chroma's share alone";
      }
      return "fake trigram embedder in-process (768 dims), batched adds into embedded Chroma";
    case "eval_bench":
      return "instant fake model (the fake Ollama answers each task with its reference solution); platform, sandboxes and hidden tests real";
    case "web_load":
      return /event/.test(benchmark)
        ? "a whole node on its embedded defaults with the fake Ollama; headless Chromium on the same 2 cores; event time from the database's clock, page time from the browser's (same machine)"
        : "a whole node on its embedded defaults (PGlite, Deno KV, embedded Chroma) with the fake Ollama; builds inserted directly into the database; sequential requests over loopback";
    case "poller_store_bench":
      return "stores called directly in process (no Telegram, no poller): in-memory baseline, Deno KV in a local file, PostgreSQL on PGlite unless TEST_DATABASE_URL";
    case "cluster_bench":
      return "two actor systems in one process on one PostgreSQL server over loopback (each with its own pool and LISTEN connection); no-op handlers; the KV baseline on a local file";
    case "analysis_bench":
      return "in-process tree-sitter analysis of one generated 5,000-line file per language";
    case "answers_bench":
      return "in-process parsing of the fixed answer corpus (tests/actors/workflow/corpus/)";
    default:
      return "not classified by bench/_caveats.ts: read the script's header for what it stubs";
  }
}
