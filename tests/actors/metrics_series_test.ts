/**
 * Series that exist before their first event (so `increase()` sees the
 * first one), the Telegram metrics and the scrape-time dependency gauge.
 */
import { assert } from "../deps.ts";
import {
  createMetrics,
  declareActorKinds,
  record,
  recordRuntimeEvent,
  recordTelegram,
  TELEGRAM_SEND_METHODS,
  TELEGRAM_UPDATE_TYPES,
  watchDependencies,
  watchTelegramOutbox,
} from "../../actors/metrics.ts";
import { promtoolCheck } from "../http/_promtool.ts";

/** The value of one exposition line, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length));
}

Deno.test("labelled counters exist at 0 for their known label values before any event", async () => {
  const metrics = createMetrics({
    defaultMetrics: false,
    actorKinds: ["build", "session"],
    models: ["qwen"],
  });
  declareActorKinds(metrics, ["chat"]);
  const text = await metrics.registry.metrics();
  for (const status of ["succeeded", "failed", "cancelled"]) {
    assert.equal(sample(text, `troupe_builds_total{status="${status}"}`), 0);
  }
  for (
    const status of ["passed", "failed", "timeout", "crashed", "refused"]
  ) {
    assert.equal(
      sample(text, `troupe_sandbox_runs_total{status="${status}"}`),
      0,
    );
  }
  for (const kind of ["metrics", "build", "session", "chat"]) {
    for (
      const name of [
        "troupe_actor_messages_total",
        "troupe_actor_failures_total",
        "troupe_actor_restarts_total",
        "troupe_actor_stops_total",
        "troupe_actor_dead_letters_total",
        "troupe_actor_mailbox_depth",
        "troupe_actor_activations",
      ]
    ) {
      assert.equal(sample(text, `${name}{kind="${kind}"}`), 0, name + kind);
    }
  }
  for (const operation of ["chat", "embed"]) {
    for (const outcome of ["ok", "error", "timeout"]) {
      assert.equal(
        sample(
          text,
          `troupe_llm_requests_total{model="qwen",operation="${operation}",outcome="${outcome}"}`,
        ),
        0,
      );
    }
  }
  for (const type of TELEGRAM_UPDATE_TYPES) {
    assert.equal(
      sample(text, `troupe_telegram_updates_total{type="${type}"}`),
      0,
    );
  }
  for (const method of TELEGRAM_SEND_METHODS) {
    for (
      const name of [
        "troupe_telegram_sends_total",
        "troupe_telegram_send_failures_total",
        "troupe_telegram_rate_limited_total",
      ]
    ) {
      assert.equal(sample(text, `${name}{method="${method}"}`), 0);
    }
  }
  assert.equal(
    sample(text, `troupe_telegram_rate_limited_total{method="getUpdates"}`),
    0,
  );
  assert.equal(sample(text, "troupe_telegram_outbox_depth"), 0);
});

Deno.test("the first dead letter moves a series that already stood at 0", async () => {
  const metrics = createMetrics({
    defaultMetrics: false,
    actorKinds: ["build"],
  });
  const series = `troupe_actor_dead_letters_total{kind="build"}`;
  assert.equal(sample(await metrics.registry.metrics(), series), 0);
  recordRuntimeEvent(metrics, {
    type: "dead_lettered",
    kind: "build",
    id: "b1",
    messageType: "start",
    error: "boom",
  });
  assert.equal(sample(await metrics.registry.metrics(), series), 1);
});

Deno.test("declaring kinds again keeps the counts and the gauges already there", async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  recordRuntimeEvent(metrics, { type: "activated", kind: "build", id: "b1" });
  recordRuntimeEvent(metrics, {
    type: "failed",
    kind: "build",
    id: "b1",
    messageType: "start",
    error: "x",
    attempt: 1,
  });
  declareActorKinds(metrics, ["build"]);
  const text = await metrics.registry.metrics();
  assert.equal(sample(text, `troupe_actor_failures_total{kind="build"}`), 1);
  assert.equal(sample(text, `troupe_actor_activations{kind="build"}`), 1);
});

Deno.test("Telegram observations are counted by type and method; the outbox depth is read at scrape", async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  let depth = 3;
  watchTelegramOutbox(metrics, () => depth);
  recordTelegram(metrics, { type: "update", update: "message" });
  recordTelegram(metrics, { type: "update", update: "message" });
  recordTelegram(metrics, { type: "update", update: "callback_query" });
  recordTelegram(metrics, { type: "sent", method: "sendMessage" });
  recordTelegram(metrics, { type: "send_failed", method: "editMessageText" });
  recordTelegram(metrics, { type: "rate_limited", method: "getUpdates" });
  await record(metrics, {
    type: "telegram",
    observation: { type: "rate_limited", method: "sendMessage" },
  });
  let text = await metrics.registry.metrics();
  assert.equal(
    sample(text, `troupe_telegram_updates_total{type="message"}`),
    2,
  );
  assert.equal(
    sample(text, `troupe_telegram_updates_total{type="callback_query"}`),
    1,
  );
  assert.equal(
    sample(text, `troupe_telegram_sends_total{method="sendMessage"}`),
    1,
  );
  assert.equal(
    sample(
      text,
      `troupe_telegram_send_failures_total{method="editMessageText"}`,
    ),
    1,
  );
  for (const method of ["getUpdates", "sendMessage"]) {
    assert.equal(
      sample(text, `troupe_telegram_rate_limited_total{method="${method}"}`),
      1,
    );
  }
  assert.equal(sample(text, "troupe_telegram_outbox_depth"), 3);
  depth = 0;
  text = await metrics.registry.metrics();
  assert.equal(sample(text, "troupe_telegram_outbox_depth"), 0);
});

Deno.test("troupe_dependency_up follows the readiness check at each scrape", async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  let text = await metrics.registry.metrics();
  assert.ok(
    !text.includes("troupe_dependency_up{"),
    "no series before a check is wired",
  );
  let ollama = true;
  let calls = 0;
  watchDependencies(metrics, () => {
    calls++;
    return Promise.resolve({ postgres: true, ollama });
  });
  text = await metrics.registry.metrics();
  assert.equal(sample(text, `troupe_dependency_up{dependency="postgres"}`), 1);
  assert.equal(sample(text, `troupe_dependency_up{dependency="ollama"}`), 1);
  ollama = false;
  text = await metrics.registry.metrics();
  assert.equal(sample(text, `troupe_dependency_up{dependency="ollama"}`), 0);
  assert.equal(calls, 2);
});

const promtool = await promtoolCheck.available();

Deno.test({
  name:
    "the exposition with the new families and default metrics passes promtool check metrics",
  ignore: !promtool,
  async fn() {
    const metrics = createMetrics({
      actorKinds: ["build"],
      models: ["qwen"],
    });
    watchDependencies(metrics, () => Promise.resolve({ postgres: true }));
    watchTelegramOutbox(metrics, () => 1);
    recordTelegram(metrics, { type: "sent", method: "sendMessage" });
    const text = await metrics.registry.metrics();
    assert.match(text, /^process_resident_memory_bytes /m);
    assert.match(text, /^nodejs_heap_size_used_bytes /m);
    assert.doesNotMatch(text, /troupe_(process|nodejs)_/);
    const result = await promtoolCheck(text);
    assert.equal(result.code, 0, result.output);
    assert.equal(result.output.trim(), "", result.output);
  },
});
