/**
 * One node of the cluster benchmarks: an actor system on the PostgreSQL
 * transport that takes the lease of `probe/<PROBE_ID>` (it tells itself),
 * prints `held` once the probe handled that message, and then serves until
 * killed. Usage (from bench/cluster_failover.ts):
 *
 *   DATABASE_URL=... NODE_ID=n1 PROBE_ID=p1 ACTOR_LEASE_TTL_MS=3000 \
 *     deno run -A bench/_cluster_node.ts
 *
 * @module
 */
import { ActorSystem } from "../runtime/system.ts";
import { openDatabase } from "../storage/db.ts";
import { FencedStateStore } from "../storage/pg_fenced_store.ts";
import { PgTransport } from "../storage/pg_transport.ts";
import { probeKind } from "./_cluster_probe.ts";

const env = (name: string) => {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const database = await openDatabase({ url: env("DATABASE_URL") });
const transport = new PgTransport({ database, nodeId: env("NODE_ID") });
const held = Promise.withResolvers<void>();
const system = new ActorSystem({
  behaviors: [probeKind(() => held.resolve())],
  transport,
  store: new FencedStateStore(database.db, { transport }),
  leaseTtlMs: Number(env("ACTOR_LEASE_TTL_MS")),
});
system.start();
await system.ref("probe", env("PROBE_ID")).tell({ type: "hold" });
await held.promise;
console.log("held");
await new Promise(() => {}); // serves until killed
