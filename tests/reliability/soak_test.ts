/**
 * Soak: many builds through one node (embedded PGlite, KV and Chroma, the fake
 * model in its own process), at most TROUPE_SOAK_CONCURRENCY (default 20) in
 * flight. Asserts only functional outcomes (every build terminal exactly
 * once); prints the node's resident memory at the start, every 100 builds,
 * its peak and at the end, so growth is visible. Never asserts on time.
 *
 * TROUPE_SOAK_BUILDS sets the size (default 1,000; each build type-checks and
 * runs its generated tests in the sandbox, so a build costs about a second of
 * CPU — lower it where the suite must be quick).
 *
 * @module
 */
import { assert } from "../deps.ts";
import {
  Api,
  checkExactlyOnce,
  childrenOf,
  isTerminal,
  type NodeProcess,
  openNodeDatabase,
  reapProcesses,
  rssMiB,
  secondsSince,
  sleep,
  startModelProcess,
  startNode,
} from "./_support.ts";

const BUILDS = Number(Deno.env.get("TROUPE_SOAK_BUILDS") ?? 1_000);
const CONCURRENCY = Number(Deno.env.get("TROUPE_SOAK_CONCURRENCY") ?? 20);

function memory(node: NodeProcess): { node: number; children: number } {
  return {
    node: rssMiB(node.pid),
    children: childrenOf(node.pid).reduce((sum, pid) => sum + rssMiB(pid), 0),
  };
}

Deno.test(
  `a soak of ${BUILDS} builds ends with every build terminal (RSS printed)`,
  async () => {
    const started = performance.now();
    const dir = await Deno.makeTempDir({ prefix: "troupe-rel-soak-" });
    const model = await startModelProcess();
    let node: NodeProcess | undefined;
    try {
      node = await startNode({
        DATA_DIR: `${dir}/data`,
        OLLAMA_HOST: model.url,
      });
      const live = node;
      assert.ok(node.adminKey, `no admin key printed:\n${node.output()}`);
      const api = new Api(node.url, node.adminKey);
      await api.liftQuota();
      const atStart = memory(node);
      console.log(
        `soak: ${BUILDS} builds, ${CONCURRENCY} at a time; RSS at start: node ${atStart.node} MiB, its children ${atStart.children} MiB`,
      );

      const ids: string[] = [];
      const open = new Set<string>();
      const statuses: Record<string, number> = {};
      let peak = atStart.node;
      let nextReport = 100;
      while (ids.length < BUILDS || open.size > 0) {
        while (ids.length < BUILDS && open.size < CONCURRENCY) {
          const id = await api.submitBuild(ids.length);
          ids.push(id);
          open.add(id);
        }
        await sleep(250);
        for (const id of [...open]) {
          const r = await api.request<{ status: string }>(
            "GET",
            `/v1/builds/${id}`,
          );
          if (r.status === 200 && isTerminal(r.body.status)) {
            open.delete(id);
            statuses[r.body.status] = (statuses[r.body.status] ?? 0) + 1;
          }
        }
        const done = ids.length - open.size;
        peak = Math.max(peak, rssMiB(live.pid));
        if (done >= nextReport) {
          const m = memory(live);
          console.log(
            `soak: ${done} done at ${
              secondsSince(started)
            } s; RSS node ${m.node} MiB, children ${m.children} MiB`,
          );
          nextReport += 100;
        }
      }
      const atEnd = memory(node);
      console.log(
        `soak: all ${BUILDS} terminal at ${secondsSince(started)} s: ${
          JSON.stringify(statuses)
        }`,
      );
      console.log(
        `soak: RSS node start ${atStart.node} MiB, peak ${peak} MiB, end ${atEnd.node} MiB; children start ${atStart.children} MiB, end ${atEnd.children} MiB`,
      );

      const status = await node.stop();
      assert.equal(status.code, 0, `the node did not drain:\n${node.output()}`);
      node = undefined;
      await using database = await openNodeDatabase({
        pgliteDir: `${dir}/data/pg`,
      });
      const report = await checkExactlyOnce(database.db, ids);
      if (report.errors.length) {
        console.log(
          `soak: failed builds:\n  ${report.errors.slice(0, 10).join("\n  ")}`,
        );
      }
      assert.deepEqual(report.problems.slice(0, 20), []);
    } catch (error) {
      console.log(`soak: the node's last output:\n${node?.output()}`);
      throw error;
    } finally {
      await node?.stop(5_000);
      await model.stop();
      await reapProcesses(dir, 1_000);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      console.log(`soak: took ${secondsSince(started)} s`);
    }
  },
);
