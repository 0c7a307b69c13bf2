/**
 * HTTP platform benchmarks, through `app.request` (no sockets):
 * - `/metrics` scrape with 10,000 builds recorded (replaced system: 150 ms; goal < 10 ms)
 * - `/readyz` with four fast probes (replaced system: 250 ms)
 *
 * Run: `RUST_BACKTRACE=0 deno bench -A bench/http_bench.ts`
 */
import {
  createMetrics,
  recordBuildFinished,
  recordHttpRequest,
  recordRuntimeEvent,
} from "../actors/metrics.ts";
import { createApp } from "../http/app.ts";
import { silentLogger } from "../http/middleware/logger.ts";
import type { Principal } from "../http/context.ts";

const principal: Principal = {
  user: { id: "u1", name: "Bench", role: "user" },
  key: { id: "k1", prefix: "trp_bnch" },
};

function benchApp(metrics = createMetrics()) {
  return createApp({
    authenticate: (token) =>
      Promise.resolve(
        token === "trp_bnch_secret"
          ? { ok: true, principal }
          : { ok: false, reason: "invalid" },
      ),
    metrics,
    logger: silentLogger,
    rateLimit: false,
    probes: ["postgres", "kv", "chroma", "ollama"].map((name) => ({
      name,
      required: name !== "ollama",
      check: () => Promise.resolve(),
    })),
  });
}

// 10,000 finished builds, plus the traffic and actor events that came with them.
const metrics = createMetrics();
const statuses = ["succeeded", "failed", "cancelled"];
const kinds = ["build", "workflow", "session", "chat", "metrics"];
for (let i = 0; i < 10_000; i++) {
  recordBuildFinished(metrics, {
    status: statuses[i % 3]!,
    durationSeconds: (i * 7919) % 1800,
  });
  recordHttpRequest(metrics, {
    method: i % 2 ? "GET" : "POST",
    route: i % 2 ? "/v1/builds/:id" : "/v1/builds",
    status: i % 10 ? 200 : 404,
    durationSeconds: (i % 50) / 1000,
  });
  const kind = kinds[i % kinds.length]!;
  recordRuntimeEvent(metrics, { type: "activated", kind, id: `b${i}` });
  recordRuntimeEvent(metrics, {
    type: "processed",
    kind,
    id: `b${i}`,
    messageType: "step",
    durationMs: i % 100,
  });
}
const scrapeApp = benchApp(metrics);
const plainApp = benchApp();

Deno.bench("GET /metrics, 10,000 builds recorded", {
  group: "metrics",
  baseline: true,
}, async () => {
  const res = await scrapeApp.request("/metrics");
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  await res.text();
});

Deno.bench("registry.metrics() alone, 10,000 builds recorded", {
  group: "metrics",
}, async () => {
  await metrics.registry.metrics();
});

Deno.bench(
  "GET /readyz, four fast probes",
  { group: "health", baseline: true },
  async () => {
    const res = await plainApp.request("/readyz");
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    await res.text();
  },
);

Deno.bench("GET /livez", { group: "health" }, async () => {
  const res = await plainApp.request("/livez");
  await res.text();
});

Deno.bench(
  "GET /v1/me (auth + middleware chain)",
  { group: "health" },
  async () => {
    const res = await plainApp.request("/v1/me", {
      headers: { Authorization: "Bearer trp_bnch_secret" },
    });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    await res.text();
  },
);
