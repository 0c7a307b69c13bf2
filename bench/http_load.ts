/**
 * Load test over real sockets with wrk (Debian's `wrk`): the Troupe app's
 * platform routes against a bare Hono hello-world served the same way, so
 * the ratio shows what the middleware chain costs.
 *
 * Run: `RUST_BACKTRACE=0 deno run -A bench/http_load.ts [seconds] [connections]`
 * (defaults: 5 s, 100 connections). Keys come from an in-memory table, so
 * this measures the HTTP layer, not PostgreSQL.
 */
import { createMetrics, recordBuildFinished } from "../actors/metrics.ts";
import { createApp } from "../http/app.ts";
import type { Principal } from "../http/context.ts";
import { silentLogger } from "../http/middleware/logger.ts";
import { printWrkTable, serveWithHello, wrk as runWrk } from "./_wrk.ts";

const seconds = Number(Deno.args[0] ?? 5);
const connections = Number(Deno.args[1] ?? 100);
const TOKEN = "trp_loadtest_secret";

const principal: Principal = {
  user: { id: "u1", name: "Load", role: "user" },
  key: { id: "k1", prefix: "trp_load" },
};
const metrics = createMetrics();
for (let i = 0; i < 10_000; i++) {
  recordBuildFinished(metrics, {
    status: ["succeeded", "failed", "cancelled"][i % 3]!,
    durationSeconds: i % 1800,
  });
}
const app = createApp({
  authenticate: (token) =>
    Promise.resolve(
      token === TOKEN
        ? { ok: true, principal }
        : { ok: false, reason: "invalid" },
    ),
  metrics,
  logger: silentLogger,
  rateLimit: false,
  probes: ["postgres", "kv", "chroma", "ollama"].map((name) => ({
    name,
    required: true,
    check: () => Promise.resolve(),
  })),
});
const targets = serveWithHello(app.fetch);
const wrk = (name: string, url: string, headers: string[] = []) =>
  runWrk(name, url, { seconds, connections, headers });

try {
  const auth = [`Authorization: Bearer ${TOKEN}`];
  const results = [
    await wrk("bare Hono hello-world", `${targets.hello}/`),
    await wrk("GET /livez", `${targets.app}/livez`),
    await wrk("GET /v1/me (auth)", `${targets.app}/v1/me`, auth),
    await wrk("GET /readyz (4 probes)", `${targets.app}/readyz`),
    await wrk("GET /metrics (10k builds)", `${targets.app}/metrics`),
  ];
  console.log(
    `wrk -t2 -c${connections} -d${seconds}s, loopback, Deno ${Deno.version.deno}\n`,
  );
  printWrkTable(results, 2);
} finally {
  await targets.shutdown();
}
