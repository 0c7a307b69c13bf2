import { assert } from "../deps.ts";
import { createWorkflowGraph } from "../../actors/workflow/graph.ts";
import { createWorkflowDeps } from "../../actors/workflow/mod.ts";
import { createCheckpointer } from "../../actors/workflow/checkpointer.ts";
import { createModelClient } from "../../actors/workflow/llm.ts";
import { openDatabase } from "../../storage/db.ts";
import {
  chromaClient,
  startEmbeddedChroma,
} from "../../storage/chroma_server.ts";
import { openVectorStore } from "../../storage/vector.ts";
import { startFakeOllama } from "../fakes/ollama.ts";
import { openTestDatabase } from "../storage/_db.ts";
import { listBuildEvents } from "../../storage/build_events.ts";
import { loadBuild } from "../../storage/builds.ts";
import { getBuildAnalysis } from "../../storage/code_analyses.ts";
import type { BuildMessage, CancelReply } from "../../actors/build.ts";
import type { WorkflowMessage } from "../../actors/workflow.ts";
import {
  FAILING_CODE,
  GOOD_CODE,
  isPlanRequest,
  MALFORMED,
  PLAN_REPLY,
  scriptBuild,
} from "./_scripts.ts";
import {
  EMBED_MODEL,
  MODEL,
  newQueuedBuild,
  openWorkflowHarness,
  startTestNode,
  statusTrail,
  waitForStatus,
} from "./_support.ts";

Deno.test("builds end to end on the real stack", async (t) => {
  await using ollama = await startFakeOllama();
  await using tdb = await openTestDatabase();
  await using h = await openWorkflowHarness({
    ollamaUrl: ollama.url,
    db: tdb.db,
  });
  const db = tdb.db;
  await using node = await startTestNode({ db, deps: h.deps });
  const start = (buildId: string) =>
    node.system.ref("build", buildId).tell({ type: "start" });

  await t.step(
    "a build goes from queued to succeeded with files, tests, scores, snippets and ordered events",
    async () => {
      scriptBuild(ollama, [GOOD_CODE]);
      const { buildId, userId } = await newQueuedBuild(db);
      await start(buildId);
      const build = await waitForStatus(db, buildId);
      assert.equal(build.status, "succeeded", build.error ?? "");
      assert.equal(build.error, null);
      assert.equal(build.attempts, 1);
      assert.ok(build.startedAt && build.finishedAt);

      const files = build.files as { path: string; content: string }[];
      assert.deepEqual(files.map((f) => f.path), [
        "stack.ts",
        "stack_test.ts",
        "README.md",
      ]);
      const result = build.result as {
        testReport: { status: string; passed: number; failed: number };
        scores: { security: number };
      };
      // The generated tests really ran in the sandbox.
      assert.equal(result.testReport.status, "passed");
      assert.equal(result.testReport.passed, 2);
      assert.ok((build.plan as { phases: unknown[] }).phases.length > 0);

      const analysis = await getBuildAnalysis(db, userId, buildId);
      assert.ok(analysis, "code_analyses row");
      assert.ok(analysis.security >= 0 && analysis.security <= 100);
      assert.equal(analysis.security, result.scores.security);

      // Chroma is written right after the build is reported: wait for the workflow's turn to end.
      const ran = await node.system.ref<WorkflowMessage>("workflow", buildId)
        .ask<{ outcome: string }>({ type: "run", buildId }, {
          timeoutMs: 60_000,
        });
      assert.equal(ran.outcome, "succeeded");
      const snippets = await h.vector.search(
        "code_snippets",
        "Stack push pop",
        {
          k: 5,
          where: { buildId },
        },
      );
      assert.deepEqual(
        snippets.map((s) => s.metadata.path).sort(),
        ["stack.ts", "stack_test.ts"],
      );
      const rows = await db.selectFrom("vector_memories").select("collection")
        .where("build_id", "=", buildId).execute();
      assert.ok(rows.some((r) => r.collection === "code_snippets"));

      const events = await listBuildEvents(db, buildId);
      assert.deepEqual(
        events.map((e) => e.seq),
        events.map((_, i) => i + 1),
        "gapless, ordered sequence numbers",
      );
      assert.deepEqual(await statusTrail(db, buildId), [
        "queued>analyzing",
        "analyzing>planning",
        "planning>generating",
        "generating>testing",
        "testing>finalizing",
        "finalizing>succeeded",
      ]);
      const types = events.map((e) => e.type);
      assert.ok(types.includes("tokens"), "model tokens became progress");
      const tests = events.find((e) => e.type === "tests");
      assert.equal((tests?.data as { status: string }).status, "passed");
      assert.ok(
        types.indexOf("tests") > types.lastIndexOf("tokens"),
        "test results come after generation",
      );
    },
  );

  await t.step(
    "code whose tests fail first passes after a retry",
    async () => {
      scriptBuild(ollama, [FAILING_CODE, GOOD_CODE]);
      const { buildId } = await newQueuedBuild(db);
      await start(buildId);
      const build = await waitForStatus(db, buildId);
      assert.equal(build.status, "succeeded", build.error ?? "");
      assert.equal(build.attempts, 2);
      assert.deepEqual(await statusTrail(db, buildId), [
        "queued>analyzing",
        "analyzing>planning",
        "planning>generating",
        "generating>testing",
        "testing>generating",
        "generating>testing",
        "testing>finalizing",
        "finalizing>succeeded",
      ]);
      const tests = (await listBuildEvents(db, buildId)).filter((e) =>
        e.type === "tests"
      ).map((e) => (e.data as { status: string }).status);
      assert.deepEqual(tests, ["failed", "passed"]);
    },
  );

  await t.step("malformed model output fails the build", async () => {
    scriptBuild(ollama, [MALFORMED]);
    const { buildId } = await newQueuedBuild(db);
    await start(buildId);
    const build = await waitForStatus(db, buildId);
    assert.equal(build.status, "failed");
    assert.match(build.error ?? "", /malformed twice/);
    const retry = (await listBuildEvents(db, buildId)).find((e) =>
      e.type === "retry"
    );
    assert.ok(retry, "the corrective retry is visible");
    const remembered = await db.selectFrom("vector_memories").select("id")
      .where("build_id", "=", buildId).execute();
    assert.deepEqual(remembered, [], "failed builds are not remembered");
  });

  await t.step(
    "model down fails the build with an error naming OLLAMA_HOST",
    async () => {
      scriptBuild(ollama, [GOOD_CODE]);
      await ollama.down();
      try {
        const { buildId } = await newQueuedBuild(db);
        await start(buildId);
        const build = await waitForStatus(db, buildId);
        assert.equal(build.status, "failed");
        assert.match(build.error ?? "", /OLLAMA_HOST/);
        assert.match(build.error ?? "", new RegExp(ollama.url));
        assert.deepEqual(
          (await statusTrail(db, buildId)).at(-1),
          "planning>failed",
        );
      } finally {
        ollama.up();
      }
    },
  );

  await t.step("a slow model against the timeout fails the build", async () => {
    await using slow = await openWorkflowHarness({
      ollamaUrl: ollama.url,
      db,
      chroma: h.chroma,
      modelTimeoutMs: 300,
    });
    await using slowNode = await startTestNode({ db, deps: slow.deps });
    scriptBuild(ollama, [GOOD_CODE], { delayMs: 5_000 });
    const { buildId } = await newQueuedBuild(db);
    await slowNode.system.ref("build", buildId).tell({ type: "start" });
    const build = await waitForStatus(db, buildId);
    assert.equal(build.status, "failed");
    assert.match(build.error ?? "", /within 300 ms/);
    assert.match(build.error ?? "", /OLLAMA_TIMEOUT_MS/);
  });

  await t.step("cancel mid-build stops the workflow", async () => {
    // Generation streams slowly so the cancel lands while the model writes.
    scriptBuild(ollama, [GOOD_CODE], { chunkDelayMs: 30 });
    const { buildId } = await newQueuedBuild(db);
    await start(buildId);
    await waitForStatus(db, buildId, ["generating"]);
    const reply = await node.system.ref<BuildMessage>("build", buildId).ask<
      CancelReply
    >({
      type: "cancel",
      reason: "changed my mind",
    });
    assert.deepEqual(reply, { ok: true, status: "cancelled" });
    const outcome = await node.system.ref<WorkflowMessage>("workflow", buildId)
      .ask<
        { outcome: string }
      >({ type: "run", buildId }, { timeoutMs: 60_000 });
    assert.equal(outcome.outcome, "cancelled");
    const build = await waitForStatus(db, buildId);
    assert.equal(build.status, "cancelled");
    assert.equal(build.files, null, "nothing was finalized");
    const trail = await statusTrail(db, buildId);
    assert.equal(trail.at(-1), "generating>cancelled");
    assert.ok(!trail.includes("generating>testing"));
    const again = await node.system.ref("build", buildId).ask<CancelReply>({
      type: "cancel",
    });
    assert.deepEqual(again, { ok: false, status: "cancelled" });
  });
});

/** Spawns the node fixture; yields its JSON lines. */
function spawnNode(options: Record<string, unknown>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      new URL("./fixtures/build_node.ts", import.meta.url).pathname,
      JSON.stringify(options),
    ],
    stdout: "piped",
    stderr: "inherit",
    env: { RUST_BACKTRACE: "0" },
  }).spawn();
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  const done = (async () => {
    let buffer = "";
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      for (const part of parts) {
        if (part.trim().startsWith("{")) lines.push(JSON.parse(part));
      }
      waiters.splice(0).forEach((w) => w());
    }
  })();
  return {
    child,
    lines,
    done,
    async line(key: string): Promise<Record<string, unknown>> {
      for (;;) {
        const found = lines.find((l) => key in l);
        if (found) return found;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

Deno.test(
  "a node killed during generate resumes the build in a new process without re-running analyze and plan",
  async () => {
    await using ollama = await startFakeOllama();
    const dataDir = await Deno.makeTempDir({ prefix: "troupe-crash-" });
    await using chroma = await startEmbeddedChroma({ dataDir });
    try {
      let generateCalls = 0;
      ollama.respond((request) => {
        if (request.endpoint !== "chat") return undefined;
        if (isPlanRequest(request)) return { content: PLAN_REPLY };
        generateCalls++;
        // The first generation hangs until the node running it is killed.
        return generateCalls === 1
          ? { content: GOOD_CODE, delayMs: 120_000 }
          : { content: GOOD_CODE };
      });
      const chats = () => ollama.requests.filter((r) => r.endpoint === "chat");
      const common = {
        dataDir,
        ollamaUrl: ollama.url,
        chromaUrl: chroma.url,
        collectionPrefix: "crash_",
      };

      const first = spawnNode({ ...common, create: true });
      const { buildId } = await first.line("buildId") as { buildId: string };
      while (generateCalls === 0) {
        await new Promise((r) => setTimeout(r, 20));
      }
      first.child.kill("SIGKILL");
      const killed = await first.child.status;
      await first.done;
      assert.equal(killed.signal, "SIGKILL");
      assert.equal(chats().filter(isPlanRequest).length, 1);

      const second = spawnNode({ ...common, buildId });
      const final = await second.line("status");
      assert.equal((await second.child.status).code, 0);
      await second.done;
      assert.equal(final.status, "succeeded", String(final.error));

      // Analyze and plan ran once in total; only generate ran again.
      assert.equal(chats().filter(isPlanRequest).length, 1);
      assert.equal(generateCalls, 2);

      await using database = await openDatabase({ pgliteDir: `${dataDir}/pg` });
      const trail = await statusTrail(database.db, buildId);
      assert.deepEqual(trail, [
        "queued>analyzing",
        "analyzing>planning",
        "planning>generating",
        "generating>testing",
        "testing>finalizing",
        "finalizing>succeeded",
      ]);
      // Every checkpoint of the thread, oldest first: one input, then one
      // checkpoint per scheduled node. A re-run of analyze or plan would show
      // up as a second input checkpoint and a second analyze/plan entry.
      const graph = createWorkflowGraph({
        ...createWorkflowDeps({
          model: createModelClient({
            host: ollama.url,
            model: MODEL,
            embedModel: EMBED_MODEL,
            dimensions: 768,
          }),
          vector: openVectorStore({
            client: chromaClient(chroma.url),
            embedder: { embed: () => Promise.resolve([]) },
            model: EMBED_MODEL,
            dimensions: 768,
          }),
          checkpointer: await createCheckpointer(database.db),
          workspaceRoot: dataDir,
        }),
        onProgress: () => {},
        isCancelled: () => false,
      });
      const history = [];
      for await (
        const snapshot of graph.getStateHistory({
          configurable: { thread_id: buildId },
        })
      ) history.unshift(snapshot);
      assert.deepEqual(
        history.map((s) => `${s.metadata?.source}:${s.next.join(",")}`),
        [
          "input:__start__",
          "loop:analyze",
          "loop:plan",
          "loop:generate",
          "loop:test",
          "loop:finalize",
          "loop:",
        ],
      );
    } finally {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
);

Deno.test(
  "a node that stops mid-build hands the run on and another node finishes it",
  async () => {
    await using ollama = await startFakeOllama();
    await using tdb = await openTestDatabase();
    await using h = await openWorkflowHarness({
      ollamaUrl: ollama.url,
      db: tdb.db,
    });
    const dir = await Deno.makeTempDir({ prefix: "troupe-drain-" });
    try {
      let generateCalls = 0;
      ollama.respond((request) => {
        if (request.endpoint !== "chat") return undefined;
        if (isPlanRequest(request)) return { content: PLAN_REPLY };
        generateCalls++;
        return generateCalls === 1
          ? { content: GOOD_CODE, delayMs: 60_000 }
          : { content: GOOD_CODE };
      });
      const stop = new AbortController();
      const first = await startTestNode({
        db: tdb.db,
        deps: h.deps,
        kvPath: `${dir}/kv.sqlite3`,
        nodeId: "first",
        stopSignal: stop.signal,
      });
      const { buildId } = await newQueuedBuild(tdb.db);
      await first.system.ref("build", buildId).tell({ type: "start" });
      while (generateCalls === 0) await new Promise((r) => setTimeout(r, 20));
      // SIGTERM: stop the graphs, then drain the system. It does not wait for the model.
      stop.abort(new Error("shutting down"));
      await first.close();
      // Step messages may still be on their way, but nothing finished or failed.
      const status = (await loadBuild(tdb.db, buildId))?.status;
      assert.ok(
        status === "analyzing" || status === "planning" ||
          status === "generating",
        `a stopped node does not fail the build (status ${status})`,
      );

      await using _second = await startTestNode({
        db: tdb.db,
        deps: h.deps,
        kvPath: `${dir}/kv.sqlite3`,
        nodeId: "second",
      });
      const build = await waitForStatus(tdb.db, buildId);
      assert.equal(build.status, "succeeded", build.error ?? "");
      assert.equal(generateCalls, 2);
      assert.equal(
        ollama.requests.filter((r) => r.endpoint === "chat").filter(
          isPlanRequest,
        ).length,
        1,
        "plan was not run again",
      );
      assert.deepEqual(
        await tdb.db.selectFrom("dead_letters").selectAll().execute(),
        [],
      );
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);
