import { assert } from "../deps.ts";
import { ManualClock } from "../../runtime/clock.ts";
import { checkReadiness, type Probe } from "../../http/health.ts";
import {
  databaseProbe,
  kvProbe,
  modelProbe,
  vectorProbe,
} from "../../http/probes.ts";
import { testApp } from "./_app.ts";

const ok = (name: string, required = true): Probe => ({
  name,
  required,
  check: () => Promise.resolve(),
});
const down = (name: string, required = true, message = "refused"): Probe => ({
  name,
  required,
  check: () => Promise.reject(new Error(message)),
});

Deno.test("/livez answers without running any probe", async () => {
  let ran = false;
  const { app } = testApp({
    probes: [{
      name: "postgres",
      required: true,
      check: () => {
        ran = true;
        return Promise.reject(new Error("down"));
      },
    }],
  });
  const res = await app.request("/livez");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok" });
  assert.equal(ran, false);
});

Deno.test("/readyz is 200 with each check's status and latency when all pass", async () => {
  const { app } = testApp({
    probes: [ok("postgres"), ok("kv"), ok("chroma"), ok("ollama", false)],
  });
  const res = await app.request("/readyz");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.status, "ok");
  assert.deepEqual(Object.keys(body.checks).sort(), [
    "chroma",
    "kv",
    "ollama",
    "postgres",
  ]);
  for (const check of Object.values(body.checks) as { latencyMs: number }[]) {
    assert.equal(typeof check.latencyMs, "number");
  }
});

Deno.test("/readyz is 503 naming the required dependency that is down", async () => {
  const { app } = testApp({
    probes: [ok("kv"), down("postgres", true, "connect ECONNREFUSED")],
  });
  const res = await app.request("/readyz");
  assert.equal(res.status, 503);
  const body = await res.json();
  assert.equal(body.status, "fail");
  assert.equal(body.checks.postgres.status, "fail");
  assert.equal(body.checks.postgres.error, "connect ECONNREFUSED");
  assert.equal(body.checks.kv.status, "ok");
});

Deno.test("an optional dependency down makes /readyz degraded but 200", async () => {
  const { app } = testApp({ probes: [ok("postgres"), down("ollama", false)] });
  const res = await app.request("/readyz");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.status, "degraded");
  assert.equal(body.checks.ollama.required, false);
});

Deno.test("a probe that hangs fails at its timeout and is aborted", async () => {
  const clock = new ManualClock(0);
  let aborted: unknown;
  const hang: Probe = {
    name: "chroma",
    required: true,
    check: (signal) =>
      new Promise((_, reject) => {
        signal.addEventListener("abort", () => {
          aborted = signal.reason;
          reject(signal.reason);
        });
      }),
  };
  const report = checkReadiness([hang, ok("kv")], { clock, timeoutMs: 500 });
  await clock.advance(499);
  let settled = false;
  report.then(() => settled = true);
  await clock.advance(0);
  assert.equal(settled, false, "still waiting before the timeout");
  await clock.advance(1);
  const result = await report;
  assert.equal(result.status, "fail");
  assert.deepEqual(result.checks.chroma, {
    status: "fail",
    required: true,
    latencyMs: 500,
    error: "timed out after 500 ms",
  });
  assert.ok(aborted instanceof Error);
  assert.equal(clock.pending, 0, "no timer left behind");
});

Deno.test("probes run in parallel, not one after another", async () => {
  const started: string[] = [];
  const release: (() => void)[] = [];
  const gated = (name: string): Probe => ({
    name,
    required: true,
    check: () => {
      started.push(name);
      return new Promise<void>((resolve) => release.push(resolve));
    },
  });
  const clock = new ManualClock(0);
  const report = checkReadiness([gated("a"), gated("b"), gated("c")], {
    clock,
  });
  await clock.advance(0);
  assert.deepEqual(started, ["a", "b", "c"], "all started before any ended");
  release.forEach((r) => r());
  assert.equal((await report).status, "ok");
});

Deno.test("a probe that throws synchronously is a failed check, not a 500", async () => {
  const { app } = testApp({
    probes: [{
      name: "kv",
      required: true,
      check: () => {
        throw new Error("kv not opened");
      },
    }],
  });
  const res = await app.request("/readyz");
  assert.equal(res.status, 503);
  assert.equal((await res.json()).checks.kv.error, "kv not opened");
});

Deno.test("dependency probes report a real KV and the reasons others give", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const { app } = testApp({
      probes: [
        kvProbe(kv),
        databaseProbe({
          ping: () =>
            Promise.reject(new Error("PostgreSQL at db:5432 is unavailable")),
        }),
        vectorProbe({
          health: () => Promise.resolve({ ok: false, error: "no heartbeat" }),
        }),
        modelProbe({ health: () => Promise.resolve({ ok: true }) }),
      ],
    });
    const res = await app.request("/readyz");
    assert.equal(res.status, 503);
    const { checks } = await res.json();
    assert.equal(checks.kv.status, "ok");
    assert.equal(checks.postgres.status, "fail");
    assert.match(checks.postgres.error, /unavailable/);
    assert.deepEqual(
      [checks.chroma.status, checks.chroma.required, checks.chroma.error],
      ["fail", false, "no heartbeat"],
    );
    assert.equal(checks.ollama.status, "ok");
  } finally {
    kv.close();
  }
});
