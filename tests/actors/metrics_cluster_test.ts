/**
 * The metrics actor's cluster work: two nodes (two actor systems) on one
 * database publish their runtime figures; each sees both, marks a node that
 * stops publishing as down, then drops it; the cluster gauges follow.
 */
import { assert } from "../deps.ts";
import {
  type ClusterView,
  createMetrics,
  type Metrics,
  METRICS_KIND,
  metricsActor,
  type MetricsMessage,
  recordRuntimeEvent,
} from "../../actors/metrics.ts";
import { defineActor } from "../../runtime/actor.ts";
import { ManualClock } from "../../runtime/clock.ts";
import { ActorSystem } from "../../runtime/system.ts";
import { listClusterNodes } from "../../storage/cluster_nodes.ts";
import type { Db } from "../../storage/schema.ts";
import { openTestDatabase } from "../storage/_db.ts";

const PERIOD_MS = 1_000;

type WorkMsg = { type: "work" } | { type: "run" };

/** One node: an actor system with a worker kind, a "workflow" kind whose run blocks, and the metrics actor. */
function startNode(db: Db, nodeId: string, clock: ManualClock) {
  const metrics = createMetrics({ defaultMetrics: false });
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const worker = defineActor<number, WorkMsg>({
    kind: "worker",
    durable: false,
    idleTimeoutMs: 10 * 60_000,
    initialState: () => 0,
    receive: (_ctx, n) => n + 1,
  });
  const workflow = defineActor<number, WorkMsg>({
    kind: "workflow",
    durable: false,
    idleTimeoutMs: 10 * 60_000,
    initialState: () => 0,
    async receive(_ctx, n) {
      await released;
      return n + 1;
    },
  });
  const system = new ActorSystem({
    nodeId,
    behaviors: [
      worker,
      workflow,
      metricsActor(metrics, {
        db,
        nodeId,
        clock,
        periodMs: PERIOD_MS,
        dropAfterMs: 10 * PERIOD_MS,
        startedAt: new Date(clock.now()),
      }),
    ],
    onEvent: (event) => recordRuntimeEvent(metrics, event),
  });
  system.start();
  const ref = system.ref<MetricsMessage>(METRICS_KIND, nodeId);
  return {
    metrics,
    system,
    release,
    publish: () => ref.ask<{ published: boolean }>({ type: "publish" }),
    tellPublish: () => ref.tell({ type: "publish" }),
    cluster: () => ref.ask<ClusterView>({ type: "cluster" }),
    worker: (id: string) => system.ref<WorkMsg>("worker", id),
    workflow: (id: string) => system.ref<WorkMsg>("workflow", id),
  };
}

async function gauge(
  metrics: Metrics,
  line: RegExp,
): Promise<string | undefined> {
  return line.exec(await metrics.registry.metrics())?.[1];
}

Deno.test("two nodes on one database see each other; a silent node is marked down, then dropped", async () => {
  await using tdb = await openTestDatabase();
  const clock = new ManualClock(Date.parse("2026-12-05T09:00:00Z"));
  const a = startNode(tdb.db, "node-a", clock);
  const b = startNode(tdb.db, "node-b", clock);
  try {
    // Work on each node: two workers on a, one on b and a build run under way on b.
    await a.worker("w1").tell({ type: "work" });
    await a.worker("w2").tell({ type: "work" });
    await b.worker("w3").tell({ type: "work" });
    await b.workflow("build-1").tell({ type: "run" });
    await a.worker("w1").tell({ type: "work" });

    await a.tellPublish();
    await b.tellPublish();
    // A tell is processed in order: the cluster question comes after the publish.
    const fromA = await a.cluster();
    await b.cluster(); // b's publish is done too once b answers
    const both = await a.cluster();
    assert.deepEqual(both.nodes.map((n) => [n.nodeId, n.state, n.self]), [
      ["node-a", "up", true],
      ["node-b", "up", false],
    ]);
    assert.ok(fromA.nodes.some((n) => n.nodeId === "node-a"));
    const nodeB = both.nodes.find((n) => n.nodeId === "node-b")!;
    assert.equal(nodeB.buildsInProgress, 1, "b's workflow turn is running");
    // (Mailbox depth is the runtime's report at the start of a turn batch: not asserted.)
    assert.equal(
      nodeB.kinds.find((k) => k.kind === "worker")?.activations,
      1,
    );
    const nodeA = both.nodes.find((n) => n.nodeId === "node-a")!;
    assert.equal(nodeA.buildsInProgress, 0);
    assert.equal(
      nodeA.kinds.find((k) => k.kind === "worker")?.activations,
      2,
    );
    assert.equal(both.totals.nodesUp, 2);
    assert.equal(both.totals.nodesDown, 0);
    assert.equal(both.totals.buildsInProgress, 1);
    assert.equal(
      both.totals.kinds.find((k) => k.kind === "worker")?.activations,
      3,
    );
    // The gauges on a say the same, though the build runs on b.
    assert.equal(
      await gauge(a.metrics, /^troupe_cluster_builds_in_progress (\d+)$/m),
      "1",
    );
    assert.equal(
      await gauge(
        a.metrics,
        /^troupe_cluster_activations\{kind="worker"\} (\d+)$/m,
      ),
      "3",
    );
    assert.equal(
      await gauge(a.metrics, /^troupe_cluster_nodes\{state="up"\} (\d+)$/m),
      "2",
    );
    // a's own registry has no such figure: the build runs on b.
    assert.doesNotMatch(
      await a.metrics.registry.metrics(),
      /^troupe_actor_activations\{kind="workflow"\} [1-9]/m,
    );

    // b's run ends: the next publication says so.
    b.release();
    await b.workflow("build-1").tell({ type: "work" });
    await b.publish();
    assert.equal((await a.cluster()).totals.buildsInProgress, 0);

    // b stops publishing; a goes on. After three periods b is down.
    await clock.advance(2 * PERIOD_MS);
    await a.publish();
    assert.equal(
      (await a.cluster()).nodes.find((n) => n.nodeId === "node-b")?.state,
      "up",
      "two periods missed is not down yet",
    );
    await clock.advance(2 * PERIOD_MS);
    await a.publish();
    const silent = await a.cluster();
    assert.deepEqual(silent.nodes.map((n) => [n.nodeId, n.state]), [
      ["node-a", "up"],
      ["node-b", "down"],
    ]);
    assert.equal(silent.totals.nodesUp, 1);
    assert.equal(silent.totals.nodesDown, 1);
    assert.equal(
      silent.totals.kinds.find((k) => k.kind === "worker")?.activations,
      2,
      "a down node's figures are left out of the totals",
    );
    assert.equal(
      await gauge(a.metrics, /^troupe_cluster_nodes\{state="down"\} (\d+)$/m),
      "1",
    );

    // After the drop delay its row is deleted.
    await clock.advance(10 * PERIOD_MS);
    await a.publish();
    assert.deepEqual(
      (await a.cluster()).nodes.map((n) => n.nodeId),
      ["node-a"],
    );
    assert.deepEqual(
      (await listClusterNodes(tdb.db)).map((n) => n.nodeId),
      ["node-a"],
    );
    assert.equal(
      await gauge(a.metrics, /^troupe_cluster_nodes\{state="down"\} (\d+)$/m),
      "0",
    );
  } finally {
    b.release();
    await a.system.shutdown();
    await b.system.shutdown();
  }
});

Deno.test("dead letters are counted per kind on each node and summed over the cluster", async () => {
  await using tdb = await openTestDatabase();
  const clock = new ManualClock(Date.parse("2026-12-05T09:00:00Z"));
  const a = startNode(tdb.db, "node-a", clock);
  const b = startNode(tdb.db, "node-b", clock);
  try {
    for (const node of [a, b]) {
      recordRuntimeEvent(node.metrics, {
        type: "dead_lettered",
        kind: "build",
        id: "x",
        messageType: "start",
        error: "boom",
      });
    }
    assert.deepEqual(await b.publish(), { published: true });
    await a.publish();
    const view = await a.cluster();
    assert.deepEqual(
      view.nodes.map((n) =>
        n.kinds.find((k) => k.kind === "build")?.deadLetters
      ),
      [1, 1],
    );
    assert.equal(
      view.totals.kinds.find((k) => k.kind === "build")?.deadLetters,
      2,
    );
    assert.equal(
      await gauge(
        a.metrics,
        /^troupe_cluster_dead_letters\{kind="build"\} (\d+)$/m,
      ),
      "2",
    );
  } finally {
    a.release();
    b.release();
    await a.system.shutdown();
    await b.system.shutdown();
  }
});

Deno.test("the metrics actor refuses a message it does not know", async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const system = new ActorSystem({ behaviors: [metricsActor(metrics)] });
  system.start();
  try {
    const ref = system.ref<MetricsMessage>(METRICS_KIND, system.nodeId);
    await assert.rejects(() =>
      ref.tell({ type: "sandbox_run" } as unknown as MetricsMessage)
    );
    // Without a shared database the view is this node alone.
    const view = await ref.ask<ClusterView>({ type: "cluster" });
    assert.deepEqual(view.nodes.map((n) => n.nodeId), [system.nodeId]);
  } finally {
    await system.shutdown();
  }
});

Deno.test("a publication that fails is reported and neither retried nor dead-lettered", async () => {
  const tdb = await openTestDatabase();
  await tdb.close(); // the database is away
  const metrics = createMetrics({ defaultMetrics: false });
  const errors: unknown[] = [];
  const dead: unknown[] = [];
  const system = new ActorSystem({
    nodeId: "node-a",
    behaviors: [
      metricsActor(metrics, {
        db: tdb.db,
        nodeId: "node-a",
        onPublishError: (error) => errors.push(error),
      }),
    ],
    onDeadLetter: (letter) => dead.push(letter),
  });
  system.start();
  try {
    const ref = system.ref<MetricsMessage>(METRICS_KIND, "node-a");
    assert.deepEqual(await ref.ask({ type: "publish" }), { published: false });
    assert.equal(errors.length, 1);
    assert.deepEqual(dead, []);
  } finally {
    await system.shutdown();
  }
});
