import { MemorySaver } from "@langchain/langgraph";
import { assert, fc } from "../deps.ts";
import {
  buildBehavior,
  type BuildMessage,
  type CancelReply,
} from "../../actors/build.ts";
import { canTransition, isFinal, pathTo } from "../../actors/build_status.ts";
import type { MetricsObservation } from "../../actors/metrics.ts";
import { workflowBehavior } from "../../actors/workflow.ts";
import { ActorSystem } from "../../runtime/system.ts";
import {
  type BuildEvent,
  listBuildEvents,
} from "../../storage/build_events.ts";
import { loadBuild } from "../../storage/builds.ts";
import { BUILD_STATUSES, type BuildStatus } from "../../storage/schema.ts";
import { startFakeOllama } from "../fakes/ollama.ts";
import { openTestDatabase } from "../storage/_db.ts";
import { GOOD_CODE, scriptBuild } from "./_scripts.ts";
import {
  newQueuedBuild,
  openWorkflowHarness,
  statusTrail,
  waitForStatus,
} from "./_support.ts";

Deno.test("build status machine allows only the documented moves", () => {
  const allowed = new Set([
    "queued>analyzing",
    "analyzing>planning",
    "planning>generating",
    "generating>testing",
    "testing>generating",
    "testing>finalizing",
    "finalizing>succeeded",
  ]);
  for (const from of BUILD_STATUSES) {
    for (const to of BUILD_STATUSES) {
      const expected = !isFinal(from) && from !== to &&
        (allowed.has(`${from}>${to}`) || to === "failed" ||
          to === "cancelled");
      assert.equal(canTransition(from, to), expected, `${from} -> ${to}`);
    }
  }
});

Deno.test("build status machine: every walk ends in a final status it never leaves", () => {
  const status = fc.constantFrom(...BUILD_STATUSES);
  fc.assert(fc.property(fc.array(status, { maxLength: 30 }), (targets) => {
    let current: BuildStatus = "queued";
    for (const to of targets) {
      if (canTransition(current, to)) current = to;
      if (isFinal(current)) {
        assert.ok(BUILD_STATUSES.every((s) => !canTransition(current, s)));
      }
    }
  }));
});

Deno.test("build status machine finds forward paths only", () => {
  assert.deepEqual(pathTo("queued", "generating"), [
    "analyzing",
    "planning",
    "generating",
  ]);
  assert.deepEqual(pathTo("testing", "succeeded"), ["finalizing", "succeeded"]);
  assert.deepEqual(pathTo("generating", "failed"), ["failed"]);
  assert.equal(pathTo("finalizing", "planning"), undefined);
  assert.equal(pathTo("succeeded", "failed"), undefined);
});

Deno.test("build actor", async (t) => {
  await using ollama = await startFakeOllama();
  await using tdb = await openTestDatabase();
  await using h = await openWorkflowHarness({ ollamaUrl: ollama.url });
  const db = tdb.db;
  const notified: BuildEvent[] = [];
  const metrics: MetricsObservation[] = [];
  let checkpointer = new MemorySaver();
  const { onProgress: _p, isCancelled: _c, ...graph } = h.deps;
  const system = new ActorSystem({
    behaviors: [
      buildBehavior({
        db,
        notify: (events) => {
          notified.push(...events);
        },
        metrics: (m) => metrics.push(m),
      }),
      workflowBehavior({
        db,
        // The getter lets a step swap in a failing checkpointer.
        get graph() {
          return { ...graph, checkpointer };
        },
        cancelCheckMs: 0,
      }),
    ],
    random: () => 0.5,
  });
  system.start();
  const build = (id: string) => system.ref<BuildMessage>("build", id);

  try {
    await t.step("answers get with the row's status", async () => {
      const { buildId } = await newQueuedBuild(db);
      assert.deepEqual(await build(buildId).ask({ type: "get" }), {
        status: "queued",
      });
    });

    await t.step(
      "rejects an illegal transition and changes nothing",
      async () => {
        const { buildId } = await newQueuedBuild(db);
        const reply = await build(buildId).ask<{ ok: boolean; error: string }>(
          { type: "step", node: "finalize", attempt: 1 },
        );
        assert.equal(reply.ok, false);
        assert.match(reply.error, /from queued to finalizing/);
        assert.equal((await loadBuild(db, buildId))?.status, "queued");
        assert.deepEqual(await listBuildEvents(db, buildId), []);
      },
    );

    await t.step(
      "applies workflow steps in order and ignores a repeated step",
      async () => {
        const { buildId } = await newQueuedBuild(db);
        for (const node of ["analyze", "plan", "plan", "generate"] as const) {
          await build(buildId).tell({ type: "step", node, attempt: 1 });
        }
        assert.deepEqual(await build(buildId).ask({ type: "get" }), {
          status: "generating",
        });
        assert.deepEqual(await statusTrail(db, buildId), [
          "queued>analyzing",
          "analyzing>planning",
          "planning>generating",
        ]);
        const mine = notified.filter((e) => e.buildId === buildId);
        assert.deepEqual(
          mine.map((e) => e.seq),
          [1, 2, 3],
          "subscribers see every event, in order",
        );
        assert.ok(
          metrics.some((m) =>
            m.type === "workflow_step" && m.step === "analyzing"
          ),
        );
      },
    );

    await t.step(
      "refuses a step backwards but lets a finished workflow catch up",
      async () => {
        const { buildId } = await newQueuedBuild(db);
        for (const node of ["analyze", "plan", "generate", "test"] as const) {
          await build(buildId).tell({ type: "step", node, attempt: 1 });
        }
        const back = await build(buildId).ask<{ ok: boolean }>({
          type: "step",
          node: "plan",
          attempt: 1,
        });
        assert.equal(back.ok, false);
        // The finalize report was lost (say, a crash before it was posted).
        await build(buildId).tell({
          type: "completed",
          summary: {
            outcome: "succeeded",
            attempts: 1,
            files: [],
            tests: null,
            scores: null,
          },
        });
        assert.deepEqual((await statusTrail(db, buildId)).slice(-2), [
          "testing>finalizing",
          "finalizing>succeeded",
        ]);
      },
    );

    await t.step("cancels a queued build once", async () => {
      const { buildId } = await newQueuedBuild(db);
      const first = await build(buildId).ask<CancelReply>({
        type: "cancel",
        reason: "not needed",
      });
      assert.deepEqual(first, { ok: true, status: "cancelled" });
      const row = await loadBuild(db, buildId);
      assert.equal(row?.status, "cancelled");
      assert.equal(row?.error, "not needed");
      assert.ok(row?.finishedAt);
      const second = await build(buildId).ask<CancelReply>({ type: "cancel" });
      assert.deepEqual(second, { ok: false, status: "cancelled" });
      // A late message from a workflow cannot revive it.
      await build(buildId).tell({ type: "step", node: "analyze", attempt: 1 });
      assert.deepEqual(await build(buildId).ask({ type: "get" }), {
        status: "cancelled",
      });
      assert.ok(
        metrics.some((m) =>
          m.type === "build_finished" && m.status === "cancelled"
        ),
      );
    });

    await t.step("refuses messages of the wrong shape", async () => {
      const { buildId } = await newQueuedBuild(db);
      await assert.rejects(
        () =>
          system.ref("build", buildId).tell(
            { type: "step", node: "dance" } as unknown as BuildMessage,
          ),
        /invalid message for build/,
      );
    });

    await t.step("start runs the workflow child to success", async () => {
      scriptBuild(ollama, [GOOD_CODE]);
      const { buildId } = await newQueuedBuild(db);
      await build(buildId).tell({ type: "start" });
      const row = await waitForStatus(db, buildId);
      assert.equal(row.status, "succeeded", row.error ?? "");
      // A second start of a finished build does nothing.
      const again = await build(buildId).ask<{ ok: boolean }>({
        type: "start",
      });
      assert.equal(again.ok, false);
    });

    await t.step(
      "a workflow that keeps crashing fails the build through supervision",
      async () => {
        checkpointer = new (class extends MemorySaver {
          override getTuple(): never {
            throw new Error("checkpoint store unreachable");
          }
        })();
        const { buildId } = await newQueuedBuild(db);
        await build(buildId).tell({ type: "start" });
        const row = await waitForStatus(db, buildId);
        assert.equal(row.status, "failed");
        assert.match(row.error ?? "", /checkpoint store unreachable/);
      },
    );
  } finally {
    await system.shutdown();
  }
});
