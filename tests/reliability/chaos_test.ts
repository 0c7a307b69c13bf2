/**
 * Chaos: 50 builds in flight on one node (embedded PGlite, KV file and
 * Chroma in a temporary DATA_DIR, the fake model in its own process); the
 * node is killed with SIGKILL at random moments five times and restarted on
 * the same directory each time. Each kill lands while builds make progress:
 * after the restarted node has written new events (which takes the dead
 * node's lease time, 30 s), then a random 0-3 s. Afterwards every build is
 * terminal exactly once: no lost build, gapless event sequences, one status
 * chain with one terminal event, at most one code analysis.
 *
 * TROUPE_CHAOS_BUILDS and TROUPE_CHAOS_KILLS change the size (default 50, 5).
 *
 * @module
 */
import { assert } from "../deps.ts";
import {
  Api,
  checkExactlyOnce,
  describeBuild,
  describeKv,
  isTerminal,
  type NodeProcess,
  openNodeDatabase,
  processesMatching,
  reapProcesses,
  secondsSince,
  sleep,
  startModelProcess,
  startNode,
  tally,
  waitAllTerminal,
} from "./_support.ts";

const BUILDS = Number(Deno.env.get("TROUPE_CHAOS_BUILDS") ?? 50);
const KILLS = Number(Deno.env.get("TROUPE_CHAOS_KILLS") ?? 5);

Deno.test({
  name:
    "builds killed mid-run five times all end in a terminal state exactly once",
  sanitizeResources: true,
  sanitizeOps: true,
}, async () => {
  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "troupe-rel-chaos-" });
  const model = await startModelProcess();
  let node: NodeProcess | undefined;
  const env = { DATA_DIR: `${dir}/data`, OLLAMA_HOST: model.url };
  try {
    node = await startNode(env);
    const key = node.adminKey;
    assert.ok(key, `no admin key printed:\n${node.output()}`);
    let api = new Api(node.url, key);
    await api.liftQuota();

    const ids: string[] = [];
    for (let i = 0; i < BUILDS; i++) ids.push(await api.submitBuild(i));
    console.log(`chaos: ${BUILDS} builds submitted`);

    for (let kill = 1; kill <= KILLS; kill++) {
      // A random point while builds are moving: after this run has written
      // new events (the last one's leases must expire first), then 0-3 s.
      const before = await api.eventCount().catch(() => 0);
      const waitUntil = Date.now() + 90_000;
      while (Date.now() < waitUntil) {
        await sleep(250);
        if (await api.eventCount().catch(() => 0) > before) break;
      }
      await sleep(Math.random() * 3_000);
      let progress = "";
      try {
        progress = JSON.stringify(tally(await api.statuses(), ids));
      } catch {
        progress = "(no answer)";
      }
      node.kill("SIGKILL");
      await node.exited;
      // The embedded Chroma child notices its parent's death and exits on its
      // own; sandboxed test runs finish or time out. Wait for them, so the
      // next start does not share the directory with a survivor.
      const orphans = await reapProcesses(dir, 20_000);
      console.log(
        `chaos: kill ${kill} at ${secondsSince(started)} s, builds ${progress}${
          orphans.length ? `; had to kill orphans ${orphans.join()}` : ""
        }`,
      );
      node = await startNode(env);
      api = new Api(node.url, key);
    }

    let statuses: Map<string, string>;
    try {
      statuses = await waitAllTerminal(
        () => api,
        ids,
        Number(Deno.env.get("TROUPE_CHAOS_WAIT_MS") ?? 240_000),
      );
    } catch (error) {
      // Say where the stuck builds are: their rows, events, actors and KV keys.
      const last = await api.statuses().catch(() => new Map<string, string>());
      const stuck = ids.filter((id) => !isTerminal(last.get(id))).slice(0, 3);
      console.log(`chaos: the node's last output:\n${node.output()}`);
      await node.stop();
      node = undefined;
      await using database = await openNodeDatabase({
        pgliteDir: `${dir}/data/pg`,
      });
      for (const id of stuck) {
        console.log(await describeBuild(database.db, id));
        console.log(await describeKv(`${dir}/data/kv.sqlite3`, id));
      }
      throw error;
    }
    console.log(
      `chaos: all terminal at ${secondsSince(started)} s: ${
        JSON.stringify(tally(statuses, ids))
      }`,
    );
    const status = await node.stop();
    assert.equal(status.code, 0, `the node did not drain:\n${node.output()}`);
    node = undefined;
    assert.deepEqual(
      processesMatching(dir),
      [],
      "no process outlives the node",
    );

    await using database = await openNodeDatabase({
      pgliteDir: `${dir}/data/pg`,
    });
    const report = await checkExactlyOnce(database.db, ids);
    if (report.errors.length) {
      console.log(`chaos: failed builds:\n  ${report.errors.join("\n  ")}`);
      for (const line of report.errors.slice(0, 3)) {
        console.log(await describeBuild(database.db, line.slice(0, 36)));
      }
    }
    assert.deepEqual(report.problems, []);
    // The model always writes passing code, so a crash must not fail a build.
    assert.deepEqual(report.byStatus, { succeeded: BUILDS });
  } catch (error) {
    console.log(`chaos: the node's last output:\n${node?.output()}`);
    throw error;
  } finally {
    await node?.stop(5_000);
    await model.stop();
    await reapProcesses(dir, 1_000);
    if (Deno.env.get("TROUPE_RELIABILITY_KEEP")) console.log(`kept ${dir}`);
    else await Deno.remove(dir, { recursive: true }).catch(() => {});
    console.log(`chaos: took ${secondsSince(started)} s`);
  }
});
