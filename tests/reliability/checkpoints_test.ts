/**
 * LangGraph checkpoints stay with their own build when many builds run at
 * once, so a build resumed after a crash finds its finished steps.
 *
 * A workflow turn used to start inside the async context of another build's
 * running graph node (a tell from inside a node led to the other actor's
 * drain), and LangGraph took the second run for a subgraph of the first: its
 * checkpoints went under `checkpoint_ns = "plan:<other task>"`, and after a
 * SIGKILL the resumed build found nothing of its own and asked the model to
 * plan again. Here 20 builds start within 2 s on a node in its own
 * process, the node is killed once every build has asked for its code (the
 * builds are generating or testing), and a new process finishes them.
 *
 * @module
 */
import { sql } from "kysely";
import { assert } from "../deps.ts";
import { GOOD_CODE, isPlanRequest, PLAN_REPLY } from "../actors/_scripts.ts";
import { startFakeOllama } from "../fakes/ollama.ts";
import { startEmbeddedChroma } from "../../storage/chroma_server.ts";
import { openDatabase } from "../../storage/db.ts";
import { childEnv, reapProcesses, sleep, spawnDeno } from "./_support.ts";

const BUILDS = 20;
const FIXTURE = "tests/reliability/fixtures/builds_node.ts";

Deno.test({
  name:
    "20 builds started within 2 s keep their checkpoints in their own namespace; after a SIGKILL in testing none plans again",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  await using ollama = await startFakeOllama();
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-rel-ckpt-" });
  await using chroma = await startEmbeddedChroma({ dataDir });
  let generates = 0;
  ollama.respond((request) => {
    if (request.endpoint !== "chat") return undefined;
    if (isPlanRequest(request)) return { content: PLAN_REPLY };
    generates++;
    return { content: GOOD_CODE };
  });
  const plans = () =>
    ollama.requests.filter((r) => r.endpoint === "chat" && isPlanRequest(r))
      .length;
  const common = {
    dataDir,
    ollamaUrl: ollama.url,
    chromaUrl: chroma.url,
    collectionPrefix: "ckpt_",
  };
  const spawn = (options: Record<string, unknown>) =>
    spawnDeno(
      [
        "run",
        "-A",
        "--quiet",
        FIXTURE,
        JSON.stringify({ ...common, ...options }),
      ],
      childEnv({}),
    );
  try {
    const first = spawn({ count: BUILDS });
    let ids: string[];
    try {
      const line = await first.waitForLine(/^\{"buildIds":.*\}$/, 120_000);
      ids = (JSON.parse(line[0]) as { buildIds: string[] }).buildIds;
      // Every build has planned and asked for its code: they are generating or
      // testing (the sandbox runs their tests) when the node dies.
      const deadline = Date.now() + 180_000;
      while (generates < BUILDS && Date.now() < deadline) await sleep(20);
      assert.equal(
        generates,
        BUILDS,
        `not all builds generated:\n${first.output()}`,
      );
      await sleep(300);
    } finally {
      first.kill("SIGKILL");
      await first.exited;
    }
    assert.equal(plans(), BUILDS);
    // Sandboxed test runs of the dead node finish or time out on their own.
    await reapProcesses(`${dataDir}/workspaces`, 20_000);

    const second = spawn({ buildIds: ids });
    const line = await second.waitForLine(/^\{"statuses":.*\}$/, 300_000);
    const status = await second.exited;
    assert.equal(status.code, 0, second.output());
    const statuses = (JSON.parse(line[0]) as {
      statuses: Record<string, string>;
    }).statuses;
    assert.deepEqual(
      Object.values(statuses),
      ids.map(() => "succeeded"),
      JSON.stringify(statuses),
    );

    await using database = await openDatabase({ pgliteDir: `${dataDir}/pg` });
    const { rows } = await sql<
      { thread_id: string; checkpoint_ns: string; n: number }
    >`select thread_id, checkpoint_ns, count(*)::int as n from checkpoints group by thread_id, checkpoint_ns order by thread_id`
      .execute(database.db);
    assert.deepEqual(
      [...new Set(rows.map((r) => r.thread_id))].sort(),
      [...ids].sort(),
      "every build checkpointed under its own thread",
    );
    // The workflow graph has no subgraphs: a namespace names another run.
    assert.deepEqual(
      rows.filter((r) => r.checkpoint_ns !== ""),
      [],
      "checkpoints filed under another build's run",
    );
    // The restarted node resumed each build from its own checkpoints.
    assert.equal(plans(), BUILDS, "a resumed build asked for a plan again");
  } finally {
    await reapProcesses(dataDir, 10_000);
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
