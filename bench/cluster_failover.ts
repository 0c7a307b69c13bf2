/**
 * Fail-over time of the PostgreSQL transport: how long after a node is
 * SIGKILLed its actors are served by another node. Each round starts a node
 * (bench/_cluster_node.ts) that takes an actor's lease, kills it with
 * SIGKILL, tells the actor at once from this process (a listening node
 * itself), and times until this node handled the message: the killed lease's
 * remaining time plus the sweep that finds it.
 *
 * Usage (a real server; `bash .ci/postgres.sh` starts one):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres \
 *     deno run -A bench/cluster_failover.ts [--rounds 10] [--ttl 3000]
 *
 * Prints p50/p95/max in ms and the lease renewals per second per active
 * actor that the TTL costs (one UPDATE every third of it).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ActorSystem } from "../runtime/system.ts";
import { openDatabase } from "../storage/db.ts";
import { migrateToLatest } from "../storage/migrate.ts";
import { FencedStateStore } from "../storage/pg_fenced_store.ts";
import { PgTransport } from "../storage/pg_transport.ts";
import { probeKind, type ProbeMessage } from "./_cluster_probe.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "10" },
    ttl: { type: "string", default: "3000" },
  },
});
const rounds = Number(values.rounds);
const ttl = Number(values.ttl);
const url = Deno.env.get("DATABASE_URL");
if (!url) {
  console.error("DATABASE_URL is required (bash .ci/postgres.sh prints one)");
  Deno.exit(2);
}

const database = await openDatabase({ url });
await migrateToLatest(database.db);
const run = crypto.randomUUID().slice(0, 8);
const waiting = new Map<string, (at: number) => void>();
const transport = new PgTransport({ database, nodeId: `observer-${run}` });
const system = new ActorSystem({
  behaviors: [
    probeKind((id, message) => {
      if (message.type === "ping") waiting.get(id)?.(performance.now());
    }),
  ],
  transport,
  store: new FencedStateStore(database.db, { transport }),
  leaseTtlMs: ttl,
});
system.start();

const samples: number[] = [];
for (let round = 0; round < rounds; round++) {
  const probe = `failover-${run}-${round}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./_cluster_node.ts", import.meta.url).pathname,
    ],
    env: {
      DATABASE_URL: url,
      NODE_ID: `victim-${run}-${round}`,
      PROBE_ID: probe,
      ACTOR_LEASE_TTL_MS: String(ttl),
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("held")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`node exited before holding: ${out}`);
    out += value;
  }
  // Kill at a random point of the renewal cycle, as a crash would.
  await new Promise((r) => setTimeout(r, Math.random() * ttl));
  const handled = new Promise<number>((resolve) => waiting.set(probe, resolve));
  child.kill("SIGKILL");
  const killed = performance.now();
  await child.status;
  reader.releaseLock();
  await child.stdout.cancel().catch(() => {});
  await system.ref<ProbeMessage>("probe", probe).tell({
    type: "ping",
    n: round,
  });
  const ms = (await handled) - killed;
  samples.push(ms);
  console.log(`round ${round + 1}: ${ms.toFixed(0)} ms`);
}
await system.shutdown();
await database.close();

const sorted = [...samples].sort((a, b) => a - b);
const pct = (p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
console.log(
  JSON.stringify({
    bench: "cluster_failover",
    leaseTtlMs: ttl,
    rounds,
    p50Ms: Math.round(pct(0.5)),
    p95Ms: Math.round(pct(0.95)),
    maxMs: Math.round(sorted.at(-1)!),
    renewalsPerSecondPerActor: +(3_000 / ttl).toFixed(2),
  }),
);
