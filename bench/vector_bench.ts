/**
 * Vector search and build-context retrieval at 10,000 code snippets in the
 * embedded Chroma (cosine HNSW), against the replaced system's figures:
 * search 280 ms (goal < 20 ms), context retrieval 850 ms.
 *
 * Loading uses the fake embedder in-process (trigram hashing, 768 dims) with
 * batched adds. Queries are measured two ways: with the query embedded
 * in-process (Chroma's share alone), and end to end through Troupe's Ollama
 * client against the fake Ollama over HTTP (what a build pays, minus the real
 * model's embedding time).
 *
 * `deno run -A bench/vector_bench.ts [snippets] [queries]` prints p50/p95;
 * `deno bench -A bench/vector_bench.ts` gives Deno's table.
 *
 * @module
 */
import { createModelClient } from "../actors/workflow/llm.ts";
import { contextForBuild } from "../actors/workflow/retrieval.ts";
import {
  chromaClient,
  type EmbeddedChroma,
  startEmbeddedChroma,
} from "../storage/chroma_server.ts";
import {
  type Embedder,
  openVectorStore,
  type VectorItem,
  type VectorStore,
} from "../storage/vector.ts";
import {
  fakeEmbedding,
  type FakeOllama,
  startFakeOllama,
} from "../tests/fakes/ollama.ts";

const MODEL = "nomic-embed-text";
const DIMS = 768;
const USERS = 50;

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERBS = [
  "parse",
  "validate",
  "serialize",
  "fetch",
  "cache",
  "sort",
  "filter",
  "merge",
  "hash",
  "encode",
  "retry",
  "paginate",
  "normalize",
  "render",
  "schedule",
];
const NOUNS = [
  "User",
  "Order",
  "Invoice",
  "CsvRow",
  "JsonPayload",
  "HttpRequest",
  "Token",
  "Session",
  "Config",
  "FilePath",
  "Event",
  "Message",
  "Report",
  "Metric",
  "Query",
];
const BODIES = [
  "if (!input) throw new Error('missing input');",
  "const out = []; for (const item of input) out.push(item);",
  "return await fetch(url, { signal: AbortSignal.timeout(5000) });",
  "const map = new Map(); for (const x of input) map.set(x.id, x);",
  "return input.trim().toLowerCase();",
  "return JSON.stringify(input, null, 2);",
  "await Deno.writeTextFile(path, text);",
  "return input.toSorted((a, b) => a.at - b.at);",
];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

/** Plausible, varied TypeScript snippets. */
export function snippets(n: number, seed = 1): VectorItem[] {
  const r = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const verb = pick(r, VERBS);
    const noun = pick(r, NOUNS);
    const body = pick(r, BODIES);
    const extra = pick(r, BODIES);
    return {
      id: `s${i}`,
      text: `export async function ${verb}${noun}${i % 97}(input: ${noun}): ` +
        `Promise<${noun}> {\n  // ${verb} the ${noun.toLowerCase()}\n  ${body}\n  ${extra}\n}`,
      metadata: {
        userId: `user-${i % USERS}`,
        buildId: `build-${i % 500}`,
        language: i % 4 === 0 ? "javascript" : "typescript",
        type: i % 3 === 0 ? "test" : "source",
      },
    };
  });
}

const QUERIES = Array.from(
  { length: 50 },
  (_, i) =>
    `${VERBS[i % VERBS.length]} a ${
      NOUNS[(i * 7) % NOUNS.length]!.toLowerCase()
    } and handle errors with a timeout`,
);

/** The fake embedder, in-process: no HTTP. */
const localEmbedder: Embedder = {
  embed: (texts) => Promise.resolve(texts.map((t) => fakeEmbedding(t, DIMS))),
};

export interface Fixture {
  local: VectorStore;
  http: VectorStore;
  chroma: EmbeddedChroma;
  ollama: FakeOllama;
  dataDir: string;
  loadMs: number;
  close(): Promise<void>;
}

/** Starts Chroma and the fake Ollama and loads `n` snippets plus the other collections. */
export async function setup(n: number): Promise<Fixture> {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-vector-bench-" });
  const chroma = await startEmbeddedChroma({ dataDir });
  const ollama = await startFakeOllama({ dimensions: DIMS });
  const client = chromaClient(chroma.url);
  const options = {
    client,
    model: MODEL,
    dimensions: DIMS,
    chromaUrl: chroma.url,
    embedded: true,
  };
  const local = openVectorStore({ ...options, embedder: localEmbedder });
  const http = openVectorStore({
    ...options,
    embedder: createModelClient({
      host: ollama.url,
      model: "qwen2.5-coder:7b",
      embedModel: MODEL,
      dimensions: DIMS,
    }),
  });
  const t0 = performance.now();
  await local.add("code_snippets", snippets(n));
  await local.add(
    "documentation",
    snippets(1_000, 2).map((s, i) => ({
      text: `Documentation: ${s.text}`,
      metadata: { language: "typescript", ...(i % 2 ? {} : s.metadata) },
    })),
  );
  await local.add(
    "conversations",
    snippets(1_000, 3).map((s) => ({
      text: `Build request: ${s.text.split("\n")[1]}`,
      metadata: { ...s.metadata, type: "build" },
    })),
  );
  await local.seedBestPractices();
  const loadMs = performance.now() - t0;
  return {
    local,
    http,
    chroma,
    ollama,
    dataDir,
    loadMs,
    async close() {
      await ollama.close();
      await chroma.stop();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

async function measure(
  label: string,
  queries: number,
  fn: (i: number) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < 10; i++) await fn(i); // warm-up
  const times: number[] = [];
  for (let i = 0; i < queries; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(58)} p50 ${
      percentile(times, 50).toFixed(2).padStart(7)
    } ms` +
      `  p95 ${percentile(times, 95).toFixed(2).padStart(7)} ms`,
  );
}

const q = (i: number) => QUERIES[i % QUERIES.length]!;
const userOf = (i: number) => `user-${i % USERS}`;

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 10_000);
  const queries = Number(Deno.args[1] ?? 200);
  const f = await setup(n);
  try {
    console.log(
      `loaded ${n} snippets + 1000 docs + 1000 conversations + best practices in ${
        (f.loadMs / 1000).toFixed(1)
      } s (${
        (n / (f.loadMs / 1000)).toFixed(0)
      } items/s incl. other collections)`,
    );
    console.log(`${queries} queries each, k = 5 (context: k = 5 per kind)\n`);
    await measure(
      "search code_snippets, unfiltered (embed in-process)",
      queries,
      (i) => f.local.search("code_snippets", q(i), { k: 5 }),
    );
    await measure(
      "search code_snippets, user + language (embed in-process)",
      queries,
      (i) =>
        f.local.search("code_snippets", q(i), {
          k: 5,
          where: { userId: userOf(i), language: "typescript" },
        }),
    );
    await measure(
      "search code_snippets, user + language (embed via Ollama)",
      queries,
      (i) =>
        f.http.search("code_snippets", q(i), {
          k: 5,
          where: { userId: userOf(i), language: "typescript" },
        }),
    );
    await measure(
      "contextForBuild, 4 collections (embed in-process)",
      queries,
      (i) =>
        contextForBuild(f.local, {
          userId: userOf(i),
          requirements: q(i),
          language: "typescript",
        }),
    );
    await measure(
      "contextForBuild, 4 collections (embed via Ollama)",
      queries,
      (i) =>
        contextForBuild(f.http, {
          userId: userOf(i),
          requirements: q(i),
          language: "typescript",
        }),
    );
  } finally {
    await f.close();
  }
} else {
  const f = await setup(10_000);
  // deno bench has no teardown hook: the Chroma child exits with this process
  // (its stdin closes); the data directory is removed here.
  globalThis.addEventListener("unload", () => {
    try {
      Deno.kill(f.chroma.pid, "SIGTERM");
    } catch {
      // already gone
    }
    // Unload handlers cannot await: wait for the server to exit (it may still
    // be writing its files) by polling /proc, then remove the directory.
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 200; i++) {
      try {
        const stat = Deno.readTextFileSync(`/proc/${f.chroma.pid}/stat`);
        if (/\) Z /.test(stat)) break; // exited, not yet reaped
      } catch {
        break;
      }
      Atomics.wait(pause, 0, 0, 10);
    }
    try {
      Deno.removeSync(f.dataDir, { recursive: true });
    } catch {
      // best effort
    }
  });
  let i = 0;
  Deno.bench({
    name: "search code_snippets at 10k, user + language filter",
    group: "search",
    baseline: true,
    async fn() {
      i++;
      await f.local.search("code_snippets", q(i), {
        k: 5,
        where: { userId: userOf(i), language: "typescript" },
      });
    },
  });
  Deno.bench({
    name: "search code_snippets at 10k, embedding via Ollama client",
    group: "search",
    async fn() {
      i++;
      await f.http.search("code_snippets", q(i), {
        k: 5,
        where: { userId: userOf(i), language: "typescript" },
      });
    },
  });
  Deno.bench({
    name: "contextForBuild (4 collections in parallel)",
    group: "context",
    baseline: true,
    async fn() {
      i++;
      await contextForBuild(f.local, {
        userId: userOf(i),
        requirements: q(i),
        language: "typescript",
      });
    },
  });
  Deno.bench({
    name: "contextForBuild, embedding via Ollama client",
    group: "context",
    async fn() {
      i++;
      await contextForBuild(f.http, {
        userId: userOf(i),
        requirements: q(i),
        language: "typescript",
      });
    },
  });
}
