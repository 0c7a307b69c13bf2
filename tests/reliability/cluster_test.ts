/**
 * Three `main.ts start` nodes on one real PostgreSQL server with the
 * PostgreSQL actor transport (no shared KV file, no KV Connect): the client
 * spreads 60 builds round-robin over the three, one node is SIGKILLed
 * mid-run, and the other two finish everything.
 *
 * Checked afterwards: every build ended exactly once (one status chain, one
 * terminal event, one code analysis: `checkExactlyOnce`); each build's
 * event log has seqs 1..n with no repeats, which two activations of one build
 * actor writing at once would break (the fenced store refuses the stale
 * one's commit); no build was planned twice (plan requests per build counted
 * at the fake model, so no completed step re-ran).
 *
 * PostgreSQL: a private cluster from the installed server binaries, else
 * TEST_DATABASE_URL; without either the test is ignored (start one with
 * `bash .ci/postgres.sh`).
 *
 * @module
 */
import { sql } from "kysely";
import { assert } from "../deps.ts";
import { startEmbeddedChroma } from "../../storage/chroma_server.ts";
import { openDatabase } from "../../storage/db.ts";
import {
  Api,
  checkExactlyOnce,
  describeBuild,
  isTerminal,
  type NodeProcess,
  postgresBinDir,
  reapProcesses,
  secondsSince,
  startModelProcess,
  startNode,
  startPostgresCluster,
  tally,
  waitAllTerminal,
} from "./_support.ts";

const BUILDS = Number(Deno.env.get("TROUPE_CLUSTER_BUILDS") ?? 60);
const LEASE_TTL_MS = "3000";
const externalUrl = Deno.env.get("TEST_DATABASE_URL");
const canRun = postgresBinDir() !== undefined || externalUrl !== undefined;
if (!canRun) {
  console.log(
    "cluster test skipped: no PostgreSQL server binaries and no TEST_DATABASE_URL " +
      "(start one with: export TEST_DATABASE_URL=$(bash .ci/postgres.sh))",
  );
}

async function freshDatabase(): Promise<
  { url: string; close(): Promise<void> }
> {
  if (postgresBinDir()) {
    const cluster = await startPostgresCluster();
    return { url: cluster.url, close: () => cluster.stop() };
  }
  const name = `troupe_cluster_${crypto.randomUUID().replaceAll("-", "")}`;
  const admin = await openDatabase({ url: externalUrl! });
  try {
    await sql.raw(`CREATE DATABASE ${name}`).execute(admin.db);
  } finally {
    await admin.close();
  }
  const url = new URL(externalUrl!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    close: async () => {
      const again = await openDatabase({ url: externalUrl! });
      try {
        await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
          .execute(again.db);
      } finally {
        await again.close();
      }
    },
  };
}

/** Submits build `n` with a `(#n)` marker the fake model's plan log records. */
async function submit(api: Api, n: number): Promise<string> {
  const r = await api.request<{ id?: string }>("POST", "/v1/builds", {
    project: `stack-${n}`,
    language: "typescript",
    requirements: `A typed LIFO stack (#${n}) with push, pop, peek and size.`,
  });
  if (r.status !== 202 || typeof r.body.id !== "string") {
    throw new Error(
      `POST /v1/builds answered ${r.status}: ${JSON.stringify(r.body)}`,
    );
  }
  return r.body.id;
}

Deno.test({
  name:
    "three nodes on one PostgreSQL finish every build once when one is killed",
  ignore: !canRun,
}, async () => {
  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "troupe-rel-cluster-" });
  const planLog = `${dir}/plans.log`;
  const model = await startModelProcess({ FAKE_OLLAMA_PLAN_LOG: planLog });
  const pg = await freshDatabase();
  const chroma = await startEmbeddedChroma({ dataDir: `${dir}/chroma` });
  const nodes: (NodeProcess | undefined)[] = [];
  const shared = {
    DATABASE_URL: pg.url,
    ACTOR_TRANSPORT: "postgres",
    ACTOR_LEASE_TTL_MS: LEASE_TTL_MS,
    CHROMA_URL: chroma.url,
    OLLAMA_HOST: model.url,
  };
  try {
    // The first start migrates and creates the admin; then the others.
    nodes.push(
      await startNode({ ...shared, DATA_DIR: `${dir}/n0`, NODE_ID: "node-0" }),
    );
    const key = nodes[0]!.adminKey;
    assert.ok(key, `no admin key printed:\n${nodes[0]!.output()}`);
    nodes.push(
      ...await Promise.all(
        [1, 2].map((i) =>
          startNode({
            ...shared,
            DATA_DIR: `${dir}/n${i}`,
            NODE_ID: `node-${i}`,
          })
        ),
      ),
    );
    const apis = nodes.map((n) => new Api(n!.url, key));
    await apis[0]!.liftQuota();
    console.log(`cluster: 3 nodes up at ${secondsSince(started)} s`);

    // Round-robin: consecutive builds of the one user land on all three
    // nodes, so most asks to the user's session actor cross nodes.
    const ids: string[] = [];
    const victim = 1;
    let killedAt = 0;
    for (let i = 0; i < BUILDS; i++) {
      const live = [0, 1, 2].filter((n) => !(killedAt && n === victim));
      ids.push(await submit(apis[live[i % live.length]!]!, i));
      if (i === Math.floor(BUILDS / 2) && !killedAt) {
        nodes[victim]!.kill("SIGKILL");
        await nodes[victim]!.exited;
        killedAt = performance.now();
        console.log(
          `cluster: killed node-${victim} at ${secondsSince(started)} s after ${
            i + 1
          } builds, ${JSON.stringify(tally(await apis[0]!.statuses(), ids))}`,
        );
      }
    }
    const statuses = await waitAllTerminal(() => apis[0]!, ids, 200_000)
      .catch(async (error) => {
        await using database = await openDatabase({ url: pg.url });
        const last = await apis[0]!.statuses().catch(() => new Map());
        for (
          const id of ids.filter((id) => !isTerminal(last.get(id))).slice(0, 3)
        ) console.log(await describeBuild(database.db, id));
        throw error;
      });
    console.log(
      `cluster: all terminal at ${secondsSince(started)} s: ${
        JSON.stringify(tally(statuses, ids))
      }`,
    );
    for (const i of [0, 2]) {
      const status = await nodes[i]!.stop();
      assert.equal(status.code, 0, `node-${i} did not drain`);
      nodes[i] = undefined;
    }
    await model.stop();

    await using database = await openDatabase({ url: pg.url });
    const report = await checkExactlyOnce(database.db, ids);
    if (report.errors.length) {
      console.log(`cluster: failed builds:\n  ${report.errors.join("\n  ")}`);
    }
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.byStatus, { succeeded: ids.length });

    const plans = new Map<string, number>();
    for (const line of (await Deno.readTextFile(planLog)).split("\n")) {
      if (line) plans.set(line, (plans.get(line) ?? 0) + 1);
    }
    const twice = [...plans].filter(([, n]) => n > 1);
    console.log(
      `cluster: ${plans.size} builds planned, ${twice.length} planned again`,
    );
    assert.equal(plans.size, ids.length, "every build was planned");
    assert.deepEqual(twice, [], "no build was planned twice");
  } catch (error) {
    for (const [i, n] of nodes.entries()) {
      if (n) console.log(`cluster: node-${i}'s last output:\n${n.output()}`);
    }
    throw error;
  } finally {
    for (const n of nodes) await n?.stop(5_000);
    await chroma.stop();
    await model.stop().catch(() => {});
    await pg.close();
    await reapProcesses(dir, 1_000);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    console.log(`cluster: took ${secondsSince(started)} s`);
  }
});
