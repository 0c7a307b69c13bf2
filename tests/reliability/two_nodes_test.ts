/**
 * Two nodes sharing one PostgreSQL server, one Deno KV file and one Chroma
 * server (started by the test); node A runs the builds, is killed with
 * SIGKILL mid-run, and node B finishes them (lease expiry and the lease
 * watch, which B sees on its next poll of the shared KV queue) and keeps
 * taking new builds.
 *
 * PostgreSQL: a private cluster from the installed server binaries, else
 * TEST_DATABASE_URL (a fresh database is created in it); without either the
 * test is ignored.
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
  describeKv,
  isTerminal,
  type NodeProcess,
  postgresBinDir,
  type PostgresCluster,
  reapProcesses,
  secondsSince,
  sleep,
  startModelProcess,
  startNode,
  startPostgresCluster,
  tally,
  waitAllTerminal,
} from "./_support.ts";

const BUILDS = Number(Deno.env.get("TROUPE_TWO_NODES_BUILDS") ?? 10);
const externalUrl = Deno.env.get("TEST_DATABASE_URL");
const canRun = postgresBinDir() !== undefined || externalUrl !== undefined;

/** A fresh database: on a private cluster, or created in TEST_DATABASE_URL's server. */
async function freshDatabase(): Promise<
  { url: string; close(): Promise<void> }
> {
  if (postgresBinDir()) {
    const cluster: PostgresCluster = await startPostgresCluster();
    return { url: cluster.url, close: () => cluster.stop() };
  }
  const name = `troupe_rel_${crypto.randomUUID().replaceAll("-", "")}`;
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
        await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(
          again.db,
        );
      } finally {
        await again.close();
      }
    },
  };
}

Deno.test({
  name: "when one of two nodes is killed the other finishes its builds",
  ignore: !canRun,
}, async () => {
  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "troupe-rel-two-" });
  const model = await startModelProcess();
  const pg = await freshDatabase();
  const chroma = await startEmbeddedChroma({ dataDir: `${dir}/chroma` });
  let a: NodeProcess | undefined;
  let b: NodeProcess | undefined;
  let outputB = () => "";
  const shared = {
    DATABASE_URL: pg.url,
    DENO_KV_URL: `${dir}/kv.sqlite3`,
    CHROMA_URL: chroma.url,
    OLLAMA_HOST: model.url,
  };
  try {
    a = await startNode({ ...shared, DATA_DIR: `${dir}/a`, NODE_ID: "node-a" });
    const key = a.adminKey;
    assert.ok(key, `no admin key printed:\n${a.output()}`);
    b = await startNode({ ...shared, DATA_DIR: `${dir}/b`, NODE_ID: "node-b" });
    const nodeB = b;
    outputB = () => nodeB.output();
    const apiA = new Api(a.url, key);
    const apiB = new Api(b.url, key);
    await apiA.liftQuota();

    // Submitted to A: the user's session actor, and so the builds it starts, live on A.
    const ids: string[] = [];
    for (let i = 0; i < BUILDS; i++) ids.push(await apiA.submitBuild(i));
    // Kill A once the builds are under way and before they are done.
    for (;;) {
      const t = tally(await apiB.statuses(), ids);
      if ((t.queued ?? 0) < BUILDS) {
        console.log(
          `two nodes: killing A at ${secondsSince(started)} s, builds ${
            JSON.stringify(t)
          }`,
        );
        break;
      }
      await sleep(100);
    }
    a.kill("SIGKILL");
    await a.exited;

    // B takes a new build too (its session lease on A expires first).
    let late: string | undefined;
    const deadline = Date.now() + 120_000;
    while (!late) {
      try {
        late = await apiB.submitBuild(BUILDS);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(1_000);
      }
    }
    console.log(
      `two nodes: B accepted a new build at ${secondsSince(started)} s`,
    );
    const all = [...ids, late];
    let statuses: Map<string, string>;
    try {
      statuses = await waitAllTerminal(() => apiB, all, 240_000);
    } catch (error) {
      // Say where the stuck builds are: their rows, events, actors and KV keys.
      const last = await apiB.statuses().catch(() => new Map<string, string>());
      await using database = await openDatabase({ url: pg.url });
      for (const id of all.filter((id) => !isTerminal(last.get(id)))) {
        console.log(await describeBuild(database.db, id));
        console.log(await describeKv(shared.DENO_KV_URL, id));
      }
      throw error;
    }
    console.log(
      `two nodes: all terminal on B at ${secondsSince(started)} s: ${
        JSON.stringify(tally(statuses, all))
      }`,
    );
    assert.ok(all.every((id) => isTerminal(statuses.get(id))));

    const status = await b.stop();
    assert.equal(status.code, 0, `node B did not drain:\n${b.output()}`);
    b = undefined;
    await using database = await openDatabase({ url: pg.url });
    const report = await checkExactlyOnce(database.db, all);
    if (report.errors.length) {
      console.log(`two nodes: failed builds:\n  ${report.errors.join("\n  ")}`);
      for (const line of report.errors.slice(0, 3)) {
        console.log(await describeBuild(database.db, line.slice(0, 36)));
      }
    }
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.byStatus, { succeeded: all.length });
  } catch (error) {
    console.log(`two nodes: A's last output:\n${a?.output()}`);
    console.log(`two nodes: B's last output:\n${outputB()}`);
    throw error;
  } finally {
    await a?.stop(5_000);
    await b?.stop(5_000);
    await chroma.stop();
    await model.stop();
    await pg.close();
    await reapProcesses(dir, 1_000);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    console.log(`two nodes: took ${secondsSince(started)} s`);
  }
});
