/**
 * Builds per minute with 1, 2 and 3 nodes (`main.ts start` processes on the
 * postgres transport) on one real PostgreSQL server, with the fake model
 * (tests/reliability/fixtures/fake_ollama_server.ts: instant answers, passing
 * tests). The client spreads builds round-robin; each configuration runs on
 * a fresh database. On a small machine the nodes share its cores, so this
 * shows what the cores allow, not how far the design scales.
 *
 * Usage (`bash .ci/postgres.sh` starts a server):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres \
 *     deno run -A bench/cluster_builds.ts [--builds 30] [--nodes 1,2,3]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { openDatabase } from "../storage/db.ts";
import { startEmbeddedChroma } from "../storage/chroma_server.ts";
import {
  Api,
  type NodeProcess,
  reapProcesses,
  startModelProcess,
  startNode,
  waitAllTerminal,
} from "../tests/reliability/_support.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    builds: { type: "string", default: "30" },
    nodes: { type: "string", default: "1,2,3" },
  },
});
const BUILDS = Number(values.builds);
const counts = values.nodes.split(",").map(Number);
const url = Deno.env.get("DATABASE_URL");
if (!url) {
  console.error("DATABASE_URL is required (bash .ci/postgres.sh prints one)");
  Deno.exit(2);
}

const dir = await Deno.makeTempDir({ prefix: "troupe-bench-builds-" });
const model = await startModelProcess();
const chroma = await startEmbeddedChroma({ dataDir: `${dir}/chroma` });
const results: Record<string, number> = {};
try {
  for (const n of counts) {
    const name = `troupe_bench_${crypto.randomUUID().replaceAll("-", "")}`;
    await using admin = await openDatabase({ url });
    await sql.raw(`CREATE DATABASE ${name}`).execute(admin.db);
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${name}`;
    const shared = {
      DATABASE_URL: dbUrl.toString(),
      ACTOR_TRANSPORT: "postgres",
      CHROMA_URL: chroma.url,
      OLLAMA_HOST: model.url,
      ACTOR_LEASE_TTL_MS: "3000",
    };
    const nodes: NodeProcess[] = [];
    try {
      nodes.push(
        await startNode({
          ...shared,
          DATA_DIR: `${dir}/${n}-0`,
          NODE_ID: "b0",
        }),
      );
      const key = nodes[0]!.adminKey!;
      for (let i = 1; i < n; i++) {
        nodes.push(
          await startNode({
            ...shared,
            DATA_DIR: `${dir}/${n}-${i}`,
            NODE_ID: `b${i}`,
          }),
        );
      }
      const apis = nodes.map((node) => new Api(node.url, key));
      await apis[0]!.liftQuota();
      const t0 = performance.now();
      const ids: string[] = [];
      for (let i = 0; i < BUILDS; i++) {
        ids.push(await apis[i % apis.length]!.submitBuild(i));
      }
      await waitAllTerminal(() => apis[0]!, ids, 600_000);
      const minutes = (performance.now() - t0) / 60_000;
      results[`${n}`] = +(BUILDS / minutes).toFixed(1);
      console.log(`${n} node(s): ${results[`${n}`]} builds/minute`);
    } finally {
      for (const node of nodes) await node.stop(10_000);
      await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        .execute(admin.db);
    }
  }
} finally {
  await chroma.stop();
  await model.stop();
  await reapProcesses(dir, 1_000);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
const base = results[`${counts[0]}`]!;
console.log(JSON.stringify({
  bench: "cluster_builds",
  builds: BUILDS,
  cores: navigator.hardwareConcurrency,
  buildsPerMinute: results,
  vsFirst: Object.fromEntries(
    Object.entries(results).map(([k, v]) => [k, +(v / base).toFixed(2)]),
  ),
}));
