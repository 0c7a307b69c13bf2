/**
 * PostgreSQL is restarted mid-run, with builds in flight: `pg_ctl stop -m
 * fast` (every connection is dropped), three seconds down, `pg_ctl start`.
 * The node (not restarted) reports it on /readyz (503 naming postgres),
 * recovers by itself (/readyz 200 again), ends the builds that were in
 * flight — each terminal exactly once — and completes builds submitted
 * after the restart.
 *
 * Needs PostgreSQL's server binaries (a private cluster that the test stops
 * and starts); ignored without them.
 *
 * @module
 */
import { assert } from "../deps.ts";
import { openDatabase } from "../../storage/db.ts";
import {
  Api,
  checkExactlyOnce,
  describeBuild,
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

const BEFORE = 5;
const AFTER = 5;

async function readyz(api: Api, want: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while ((last = await api.readyz()) !== want) {
    if (Date.now() > deadline) {
      throw new Error(
        `/readyz is ${last}, not ${want}, after ${timeoutMs} ms`,
      );
    }
    await sleep(100);
  }
}

Deno.test({
  name:
    "the platform recovers from a PostgreSQL restart mid-run without being restarted",
  ignore: postgresBinDir() === undefined,
}, async () => {
  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "troupe-rel-pgrestart-" });
  const model = await startModelProcess();
  const pg: PostgresCluster = await startPostgresCluster();
  let node: NodeProcess | undefined;
  try {
    node = await startNode({
      DATA_DIR: `${dir}/data`,
      DATABASE_URL: pg.url,
      OLLAMA_HOST: model.url,
    });
    assert.ok(node.adminKey, `no admin key printed:\n${node.output()}`);
    const api = new Api(node.url, node.adminKey);
    await api.liftQuota();

    const before: string[] = [];
    for (let i = 0; i < BEFORE; i++) before.push(await api.submitBuild(i));
    for (;;) {
      const t = tally(await api.statuses(), before);
      if ((t.queued ?? 0) < BEFORE) break;
      await sleep(100);
    }
    console.log(
      `postgres restart: stopping PostgreSQL at ${
        secondsSince(started)
      } s, builds ${JSON.stringify(tally(await api.statuses(), before))}`,
    );
    // Down for a few seconds (what an operator's restart or a failover looks like).
    await pg.down();
    await readyz(api, 503, 30_000);
    const probe = await fetch(`${node.url}/readyz`);
    const checks = await probe.json() as {
      checks: Record<string, { status: string }>;
    };
    assert.notEqual(
      checks.checks.postgres?.status,
      "ok",
      "readyz names postgres",
    );
    await sleep(3_000);
    await pg.up();
    await readyz(api, 200, 60_000);
    console.log(
      `postgres restart: /readyz 200 again at ${secondsSince(started)} s`,
    );

    const after: string[] = [];
    for (let i = 0; i < AFTER; i++) {
      after.push(await api.submitBuild(BEFORE + i));
    }
    const all = [...before, ...after];
    const statuses = await waitAllTerminal(() => api, all, 180_000);
    console.log(
      `postgres restart: all terminal at ${
        secondsSince(started)
      } s: in flight ${JSON.stringify(tally(statuses, before))}, after ${
        JSON.stringify(tally(statuses, after))
      }`,
    );
    assert.deepEqual(tally(statuses, after), { succeeded: AFTER });

    const status = await node.stop();
    assert.equal(status.code, 0, `the node did not drain:\n${node.output()}`);
    await using database = await openDatabase({ url: pg.url });
    const report = await checkExactlyOnce(database.db, all);
    if (report.errors.length) {
      console.log(
        `postgres restart: failed builds:\n  ${report.errors.join("\n  ")}`,
      );
      for (const line of report.errors.slice(0, 3)) {
        console.log(await describeBuild(database.db, line.slice(0, 36)));
      }
    }
    assert.deepEqual(report.problems, []);
  } catch (error) {
    console.log(`postgres restart: the node's last output:\n${node?.output()}`);
    throw error;
  } finally {
    await node?.stop(5_000);
    await model.stop();
    await pg.stop();
    await reapProcesses(dir, 1_000);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    console.log(`postgres restart: took ${secondsSince(started)} s`);
  }
});
