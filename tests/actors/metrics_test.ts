import { assert } from "../deps.ts";
import {
  applyClusterView,
  clusterView,
  createMetrics,
  type Metrics,
  METRICS_KIND,
  metricsActor,
  type MetricsMessage,
  type MetricsObservation,
  nodeFigures,
  record,
  recordApiKeyCache,
  recordLlmRequest,
  recordRuntimeEvent,
  recordVectorOperation,
  type Scrape,
} from "../../actors/metrics.ts";
import { type ActorContext, defineActor } from "../../runtime/actor.ts";
import { ActorSystem } from "../../runtime/system.ts";
import type { ModelClientOptions } from "../../actors/workflow/llm.ts";
import type { VectorStoreOptions } from "../../storage/vector.ts";
import type { RuntimeEvent } from "../../runtime/events.ts";
import { promtoolCheck } from "../http/_promtool.ts";

async function valueOf(
  metric: { get(): Promise<{ values: { labels: object; value: number }[] }> },
  labels: Record<string, string>,
): Promise<number | undefined> {
  const { values } = await metric.get();
  return values.find((v) =>
    Object.entries(labels).every(([k, val]) =>
      (v.labels as Record<string, unknown>)[k] === val
    )
  )?.value;
}

async function histogramCount(
  metric: Metrics["actorMessageDuration"],
  labels: Record<string, string>,
): Promise<number | undefined> {
  const { values } = await metric.get();
  return values.find((v) =>
    (v as { metricName?: string }).metricName?.endsWith("_count") &&
    Object.entries(labels).every(([k, val]) =>
      (v.labels as Record<string, unknown>)[k] === val
    )
  )?.value;
}

/** A context with only what the metrics actor uses: reply. */
function minimalContext(replies: unknown[]): ActorContext<MetricsMessage> {
  const unused = () => {
    throw new Error("the metrics actor does not send messages");
  };
  return {
    self: { kind: "metrics", id: "node-1" },
    parent: undefined,
    now: () => 0,
    seq: 0,
    fence: 0,
    reply: (value) => replies.push(value),
    ref: unused,
    spawn: unused,
    setTimer: unused,
    cancelTimer: unused,
    remind: unused,
  };
}

Deno.test("activations are counted per kind, once per id", async () => {
  const m = createMetrics({ defaultMetrics: false });
  const events: RuntimeEvent[] = [
    { type: "activated", kind: "build", id: "b1" },
    { type: "activated", kind: "build", id: "b2" },
    { type: "activated", kind: "build", id: "b2" },
    { type: "activated", kind: "session", id: "u1" },
    { type: "passivated", kind: "build", id: "b1" },
    { type: "stopped", kind: "session", id: "u1", reason: "too many restarts" },
  ];
  for (const e of events) recordRuntimeEvent(m, e);
  assert.equal(await valueOf(m.actorActivations, { kind: "build" }), 1);
  assert.equal(await valueOf(m.actorActivations, { kind: "session" }), 0);
  assert.equal(await valueOf(m.actorStops, { kind: "session" }), 1);
});

Deno.test("mailbox depth is the sum over a kind's actors, forgotten on passivation", async () => {
  const m = createMetrics({ defaultMetrics: false });
  const depth = (id: string, d: number): RuntimeEvent => ({
    type: "mailbox_depth",
    kind: "build",
    id,
    depth: d,
  });
  recordRuntimeEvent(m, depth("b1", 3));
  recordRuntimeEvent(m, depth("b2", 4));
  assert.equal(await valueOf(m.actorMailboxDepth, { kind: "build" }), 7);
  recordRuntimeEvent(m, depth("b1", 1));
  assert.equal(await valueOf(m.actorMailboxDepth, { kind: "build" }), 5);
  recordRuntimeEvent(m, { type: "passivated", kind: "build", id: "b2" });
  assert.equal(await valueOf(m.actorMailboxDepth, { kind: "build" }), 1);
  recordRuntimeEvent(m, depth("b1", 0));
  assert.equal(await valueOf(m.actorMailboxDepth, { kind: "build" }), 0);
  assert.equal(m.tracking.depths.get("build")?.byId.size, 0);
});

Deno.test("processed, failed, restarted and dead-lettered messages are counted by kind", async () => {
  const m = createMetrics({ defaultMetrics: false });
  const base = { kind: "workflow", id: "b1", messageType: "step" };
  recordRuntimeEvent(m, { type: "processed", ...base, durationMs: 12 });
  recordRuntimeEvent(m, { type: "processed", ...base, durationMs: 1500 });
  recordRuntimeEvent(m, { type: "failed", ...base, error: "x", attempt: 1 });
  recordRuntimeEvent(m, {
    type: "restarted",
    kind: "workflow",
    id: "b1",
    delayMs: 100,
  });
  recordRuntimeEvent(m, { type: "dead_lettered", ...base, error: "x" });
  const kind = { kind: "workflow" };
  assert.equal(await valueOf(m.actorMessages, kind), 2);
  assert.equal(await histogramCount(m.actorMessageDuration, kind), 2);
  assert.equal(await valueOf(m.actorFailures, kind), 1);
  assert.equal(await valueOf(m.actorRestarts, kind), 1);
  assert.equal(await valueOf(m.actorDeadLetters, kind), 1);
  const { values } = await m.actorMessageDuration.get();
  const sum = values.find((v) =>
    (v as { metricName?: string }).metricName?.endsWith("_sum")
  );
  assert.equal(sum?.value, 1.512, "durations are in seconds");
});

Deno.test("actor and build ids never become label values", async () => {
  const m = createMetrics({ defaultMetrics: false });
  const id = "b-7f3c-unique-id";
  recordRuntimeEvent(m, { type: "activated", kind: "build", id });
  recordRuntimeEvent(m, {
    type: "processed",
    kind: "build",
    id,
    messageType: "start",
    durationMs: 3,
  });
  recordRuntimeEvent(m, { type: "mailbox_depth", kind: "build", id, depth: 2 });
  record(m, {
    type: "build_finished",
    status: "succeeded",
    durationSeconds: 90,
  });
  const text = await m.registry.metrics();
  assert.ok(!text.includes(id), "an id leaked into the exposition");
});

Deno.test("record() counts each observation; the actor replies to scrape", async () => {
  const m = createMetrics({ defaultMetrics: false });
  const behavior = metricsActor(m);
  assert.equal(behavior.kind, "metrics");
  assert.equal(behavior.durable, false);
  const replies: unknown[] = [];
  const ctx = minimalContext(replies);
  const messages: MetricsObservation[] = [
    {
      type: "runtime",
      event: { type: "activated", kind: "chat", id: "42" },
    },
    {
      type: "http",
      method: "GET",
      route: "/v1/builds/:id",
      status: 200,
      durationSeconds: 0.004,
    },
    { type: "build_finished", status: "failed", durationSeconds: 1200 },
    { type: "db_query", operation: "select", durationSeconds: 0.002 },
    {
      type: "vector_operation",
      operation: "query",
      collection: "code_snippets",
      durationSeconds: 0.003,
    },
    { type: "workflow_step", step: "generate", durationSeconds: 31 },
    {
      type: "llm_request",
      model: "qwen2.5-coder:7b",
      operation: "chat",
      durationSeconds: 4.2,
      promptTokens: 300,
      completionTokens: 120,
    },
    { type: "sandbox_run", status: "passed" },
  ];
  for (const message of messages) record(m, message);
  let state = behavior.initialState("node-1");
  state = await behavior.receive(ctx, state, { type: "scrape" });
  assert.equal(state.received, 1);
  const scrape = replies[0] as Scrape;
  assert.match(scrape.contentType, /^text\/plain/);
  const expected = [
    'troupe_actor_activations{kind="chat"} 1',
    'troupe_http_requests_total{method="GET",route="/v1/builds/:id",status="200"} 1',
    'troupe_builds_total{status="failed"} 1',
    'troupe_build_duration_seconds_bucket{le="1800",status="failed"} 1',
    'troupe_build_duration_seconds_bucket{le="900",status="failed"} 0',
    'troupe_db_queries_total{operation="select"} 1',
    'troupe_vector_operation_duration_seconds_count{operation="query",collection="code_snippets"} 1',
    'troupe_workflow_step_duration_seconds_count{step="generate"} 1',
    'troupe_llm_tokens_total{model="qwen2.5-coder:7b",direction="prompt"} 300',
    'troupe_llm_tokens_total{model="qwen2.5-coder:7b",direction="completion"} 120',
    'troupe_llm_request_duration_seconds_count{model="qwen2.5-coder:7b",operation="chat"} 1',
    'troupe_sandbox_runs_total{status="passed"} 1',
  ];
  for (const line of expected) {
    assert.ok(scrape.text.includes(line), `missing: ${line}`);
  }
});

Deno.test("the API key cache gauge follows the change feed", async () => {
  const m = createMetrics({ defaultMetrics: false });
  recordApiKeyCache(m, true);
  assert.match(await m.registry.metrics(), /^troupe_api_key_cache_active 1$/m);
  recordApiKeyCache(m, false);
  assert.match(await m.registry.metrics(), /^troupe_api_key_cache_active 0$/m);
});

Deno.test("two metrics objects never share series (no global registry)", async () => {
  const a = createMetrics({ defaultMetrics: false });
  const b = createMetrics({ defaultMetrics: false });
  record(a, { type: "sandbox_run", status: "timeout" });
  assert.equal(await valueOf(a.sandboxRuns, { status: "timeout" }), 1);
  // b's series exists from the start (at 0) and stays there.
  assert.equal(await valueOf(b.sandboxRuns, { status: "timeout" }), 0);
});

const promtool = await promtoolCheck.available();
if (!promtool) {
  console.warn(
    "promtool is not on PATH: the promtool test is ignored. " +
      "Install it with `apt-get install -y prometheus` (the lead's CI does).",
  );
}

Deno.test({
  name: "the exposition with every metric family passes promtool check metrics",
  ignore: !promtool,
  async fn() {
    const m = createMetrics({ defaultLabels: { node: "node-1" } });
    const all: MetricsObservation[] = [
      { type: "runtime", event: { type: "activated", kind: "b", id: "1" } },
      {
        type: "runtime",
        event: {
          type: "processed",
          kind: "b",
          id: "1",
          messageType: "x",
          durationMs: 1,
        },
      },
      {
        type: "runtime",
        event: {
          type: "failed",
          kind: "b",
          id: "1",
          messageType: "x",
          error: "e",
          attempt: 1,
        },
      },
      {
        type: "runtime",
        event: { type: "restarted", kind: "b", id: "1", delayMs: 1 },
      },
      {
        type: "runtime",
        event: { type: "stopped", kind: "b", id: "1", reason: "r" },
      },
      {
        type: "runtime",
        event: {
          type: "dead_lettered",
          kind: "b",
          id: "1",
          messageType: "x",
          error: "e",
        },
      },
      {
        type: "runtime",
        event: { type: "mailbox_depth", kind: "b", id: "1", depth: 1 },
      },
      {
        type: "http",
        method: "POST",
        route: "/v1/analyze",
        status: 400,
        durationSeconds: 0.001,
      },
      { type: "build_finished", status: "succeeded", durationSeconds: 60 },
      { type: "db_query", operation: "insert", durationSeconds: 0.001 },
      {
        type: "vector_operation",
        operation: "add",
        collection: "documentation",
        durationSeconds: 0.1,
      },
      { type: "workflow_step", step: "plan", durationSeconds: 2 },
      {
        type: "llm_request",
        model: "m",
        operation: "embed",
        durationSeconds: 0.2,
        promptTokens: 5,
      },
      { type: "sandbox_run", status: "failed" },
    ];
    for (const message of all) record(m, message);
    applyClusterView(
      m,
      clusterView(
        [{
          nodeId: "node-2",
          startedAt: new Date(0),
          lastSeen: new Date(0),
          figures: { activations: 0, buildsInProgress: 0, kinds: [] },
        }],
        {
          nodeId: "node-1",
          startedAt: new Date(0),
          figures: nodeFigures(m.tracking, "b"),
        },
        60_000,
        { downAfterMs: 15_000, dropAfterMs: 600_000 },
      ),
    );
    const text = await m.registry.metrics();
    assert.match(
      text,
      /^troupe_cluster_nodes\{state="down",node="node-1"\} 1$/m,
    );
    assert.match(text, /^process_cpu_seconds_total\{node="node-1"\} /m);
    assert.doesNotMatch(text, /troupe_process_|troupe_nodejs_/);
    const result = await promtoolCheck(text);
    assert.equal(result.code, 0, result.output);
    assert.equal(result.output.trim(), "", result.output);
  },
});

Deno.test("through an ActorSystem: runtime events feed the registry and the actor answers scrape", async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  type WorkMsg = { type: "work" } | { type: "crash" } | { type: "count" };
  const worker = defineActor<number, WorkMsg>({
    kind: "worker",
    durable: false,
    supervision: {
      strategy: "restart",
      maxAttempts: 2,
      backoff: { initialMs: 1, maxMs: 1, factor: 1, jitter: 0 },
    },
    initialState: () => 0,
    receive(ctx, n, msg) {
      if (msg.type === "crash") throw new Error("boom");
      if (msg.type === "count") ctx.reply(n);
      return n + 1;
    },
  });
  let deadLettered!: () => void;
  const deadLetter = new Promise<void>((resolve) => deadLettered = resolve);
  const system = new ActorSystem({
    behaviors: [metricsActor(metrics), worker],
    // Direct call, not a tell: telling the metrics actor about its own
    // events would loop forever.
    onEvent: (event) => recordRuntimeEvent(metrics, event),
    onDeadLetter: () => deadLettered(),
  });
  try {
    system.start();
    const a = system.ref<WorkMsg>("worker", "a");
    const b = system.ref<WorkMsg>("worker", "b");
    await a.tell({ type: "work" });
    await a.tell({ type: "work" });
    await b.tell({ type: "work" });
    assert.equal(await a.ask<number>({ type: "count" }), 2);
    assert.equal(await b.ask<number>({ type: "count" }), 1);
    await b.tell({ type: "crash" });
    await deadLetter;

    const node = system.ref<MetricsMessage>(METRICS_KIND, system.nodeId);
    record(metrics, { type: "sandbox_run", status: "passed" });
    const { text } = await node.ask<Scrape>({ type: "scrape" });
    const line = (name: string) =>
      new RegExp(`^${name}\\{kind="worker"\\} (\\d+)$`, "m").exec(text)?.[1];
    assert.equal(line("troupe_actor_messages_total"), "5", text);
    assert.equal(line("troupe_actor_activations"), "2");
    assert.equal(line("troupe_actor_failures_total"), "2");
    assert.equal(line("troupe_actor_dead_letters_total"), "1");
    assert.match(text, /^troupe_sandbox_runs_total\{status="passed"\} 1$/m);
    assert.match(text, /^troupe_actor_activations\{kind="metrics"\} 1$/m);
  } finally {
    await system.shutdown();
  }
});

Deno.test("the model client's and vector store's observe reports plug in as they are", async () => {
  const m = createMetrics({ defaultMetrics: false });
  // Type-checked: these are the hooks main.ts passes to the clients.
  const llmObserve: NonNullable<ModelClientOptions["observe"]> = (o) =>
    recordLlmRequest(m, o);
  const vectorObserve: NonNullable<VectorStoreOptions["observe"]> = (o) =>
    recordVectorOperation(m, o);
  llmObserve({
    model: "qwen",
    operation: "embed",
    durationSeconds: 0.3,
    promptTokens: 12,
    outcome: "ok",
  });
  vectorObserve({
    operation: "add",
    collection: "code_snippets",
    durationSeconds: 0.01,
  });
  const text = await m.registry.metrics();
  assert.match(
    text,
    /^troupe_llm_tokens_total\{model="qwen",direction="prompt"\} 12$/m,
  );
  assert.match(
    text,
    /^troupe_vector_operation_duration_seconds_count\{operation="add",collection="code_snippets"\} 1$/m,
  );
  // The outcome is counted per call, folded to ok / error / timeout.
  assert.match(
    text,
    /^troupe_llm_requests_total\{model="qwen",operation="embed",outcome="ok"\} 1$/m,
  );
  llmObserve({
    model: "qwen",
    operation: "chat",
    durationSeconds: 120,
    outcome: "ModelTimeoutError",
  });
  llmObserve({
    model: "qwen",
    operation: "chat",
    durationSeconds: 1,
    outcome: "ModelNotFoundError",
  });
  llmObserve({
    model: "qwen",
    operation: "health",
    durationSeconds: 0.01,
    outcome: "ok",
  });
  const after = await m.registry.metrics();
  for (const outcome of ["timeout", "error"]) {
    assert.match(
      after,
      new RegExp(
        `^troupe_llm_requests_total\\{model="qwen",operation="chat",outcome="${outcome}"\\} 1$`,
        "m",
      ),
    );
  }
  assert.ok(
    !after.includes('operation="health",outcome'),
    "health checks are not calls",
  );
});
