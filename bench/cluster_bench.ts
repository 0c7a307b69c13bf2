/**
 * The PostgreSQL transport on a real server, with ratios from the same run:
 *
 * - cross-node latency: node A tells an actor whose lease node B holds
 *   (two actor systems, each with its own connection pool and LISTEN
 *   connection, in this process): tell -> handled on B, p50/p99;
 * - durable delivery throughput: N tells from A handled on B, against a raw
 *   `INSERT ...; NOTIFY` loop on the same server (one transaction per row,
 *   the engine's own limit for one client) and against the KV transport on
 *   one node (same state store).
 *
 * Usage (`bash .ci/postgres.sh` starts a server):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres \
 *     deno run -A bench/cluster_bench.ts [--pings 500] [--tells 5000]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { ActorSystem } from "../runtime/system.ts";
import { KvTransport } from "../runtime/kv.ts";
import type { StateStore } from "../runtime/store.ts";
import type { Transport } from "../runtime/transport.ts";
import { openDatabase } from "../storage/db.ts";
import { migrateToLatest } from "../storage/migrate.ts";
import { FencedStateStore } from "../storage/pg_fenced_store.ts";
import { PgTransport } from "../storage/pg_transport.ts";
import { PostgresStateStore } from "../storage/state_store.ts";
import { probeKind, type ProbeMessage } from "./_cluster_probe.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    pings: { type: "string", default: "500" },
    tells: { type: "string", default: "5000" },
    actors: { type: "string", default: "50" },
  },
});
const PINGS = Number(values.pings);
const TELLS = Number(values.tells);
const ACTORS = Number(values.actors);
const url = Deno.env.get("DATABASE_URL");
if (!url) {
  console.error("DATABASE_URL is required (bash .ci/postgres.sh prints one)");
  Deno.exit(2);
}
const run = crypto.randomUUID().slice(0, 8);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

type Handled = (id: string, message: ProbeMessage) => void;
let onHandled: Handled = () => {};

async function pgNode(name: string) {
  const database = await openDatabase({ url: url! });
  const transport = new PgTransport({ database, nodeId: `${name}-${run}` });
  const system = node(
    transport,
    new FencedStateStore(database.db, { transport }),
  );
  return { database, system };
}

function node(transport: Transport, store: StateStore): ActorSystem {
  const system = new ActorSystem({
    behaviors: [probeKind((id, m) => onHandled(id, m))],
    transport,
    store,
    leaseTtlMs: 30_000,
    logger: quiet,
  });
  system.start();
  return system;
}

/** Tells every actor `ids` once from `system`, waiting until all were handled. */
async function pin(system: ActorSystem, ids: string[]): Promise<void> {
  const left = new Set(ids);
  const done = Promise.withResolvers<void>();
  onHandled = (id) => {
    left.delete(id);
    if (left.size === 0) done.resolve();
  };
  for (const id of ids) {
    await system.ref<ProbeMessage>("probe", id).tell({ type: "hold" });
  }
  await done.promise;
}

/** N tells over `ids` from `from`; ms until all were handled. */
async function throughput(
  from: ActorSystem,
  ids: string[],
  n: number,
): Promise<number> {
  let left = n;
  const done = Promise.withResolvers<void>();
  onHandled = (_, m) => {
    if (m.type === "ping" && --left === 0) done.resolve();
  };
  const t0 = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    sends.push(
      from.ref<ProbeMessage>("probe", ids[i % ids.length]!).tell({
        type: "ping",
        n: i,
      }),
    );
  }
  await Promise.all(sends);
  await done.promise;
  return performance.now() - t0;
}

const admin = await openDatabase({ url });
await migrateToLatest(admin.db);
const a = await pgNode("a");
const b = await pgNode("b");

// Latency: B holds the actor; A tells it, one message at a time.
const latId = `lat-${run}`;
await pin(b.system, [latId]);
const samples: number[] = [];
for (let i = 0; i < PINGS; i++) {
  const handled = Promise.withResolvers<number>();
  onHandled = (_, m) => {
    if (m.type === "ping") handled.resolve(performance.now());
  };
  const t0 = performance.now();
  await a.system.ref<ProbeMessage>("probe", latId).tell({ type: "ping", n: i });
  samples.push((await handled.promise) - t0);
}
samples.sort((x, y) => x - y);
const pct = (p: number) =>
  samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)]!;

// Throughput across nodes.
const ids = Array.from({ length: ACTORS }, (_, i) => `tp-${run}-${i}`);
await pin(b.system, ids);
const pgMs = await throughput(a.system, ids, TELLS);
await a.system.shutdown();
await b.system.shutdown();
await a.database.close();
await b.database.close();

// The engine's own limit for one client: INSERT + NOTIFY, one transaction each.
await sql`CREATE TABLE IF NOT EXISTS bench_raw_notify (
  id bigserial PRIMARY KEY, k text NOT NULL, body jsonb NOT NULL)`.execute(
  admin.db,
);
const raw0 = performance.now();
for (let i = 0; i < TELLS; i++) {
  await admin.db.transaction().execute(async (trx) => {
    await sql`INSERT INTO bench_raw_notify (k, body)
      VALUES (${ids[i % ids.length]}, ${
      JSON.stringify({ type: "ping", n: i })
    }::jsonb)`
      .execute(trx);
    await sql`SELECT pg_notify('bench_raw', ${String(i)})`.execute(trx);
  });
}
const rawMs = performance.now() - raw0;
await sql`DROP TABLE bench_raw_notify`.execute(admin.db);

// The KV transport on one node, same state store.
const dir = await Deno.makeTempDir({ prefix: "troupe-bench-kv-" });
const kv = await Deno.openKv(`${dir}/kv.sqlite3`);
const kvSystem = node(
  new KvTransport({ kv, nodeId: `kv-${run}` }),
  new PostgresStateStore(admin.db),
);
const kvIds = ids.map((id) => `kv-${id}`);
await pin(kvSystem, kvIds);
const kvMs = await throughput(kvSystem, kvIds, TELLS);
await kvSystem.shutdown();
kv.close();
await Deno.remove(dir, { recursive: true });
await admin.close();

const perS = (ms: number) => Math.round(TELLS / (ms / 1000));
console.log(JSON.stringify({
  bench: "cluster",
  crossNodeTellHandled: {
    pings: PINGS,
    p50Ms: +pct(0.5).toFixed(2),
    p99Ms: +pct(0.99).toFixed(2),
  },
  throughput: {
    tells: TELLS,
    actors: ACTORS,
    pgTransportPerS: perS(pgMs),
    rawInsertNotifyPerS: perS(rawMs),
    kvTransportPerS: perS(kvMs),
    pgVsRaw: +(rawMs / pgMs).toFixed(2),
    pgVsKv: +(kvMs / pgMs).toFixed(2),
  },
}));
