import { assert } from "../deps.ts";
import { storageAuthenticate } from "../../http/auth_storage.ts";
import { evalRoutes } from "../../http/routes/evals.ts";
import { undocumentedRoutes } from "../../http/openapi.ts";
import { summarize } from "../../eval/report.ts";
import type { EvalReport, EvalSettings } from "../../eval/result.ts";
import { createApiKey } from "../../storage/api_keys.ts";
import { createUser } from "../../storage/users.ts";
import { openTestDatabase } from "../storage/_db.ts";
import { bearer, json, testApp } from "../http/_app.ts";

async function userWithKey(
  db: Parameters<typeof createUser>[0],
  email: string,
  role: "admin" | "user",
) {
  const user = await createUser(db, { email, name: email, role }, {
    actorUserId: null,
  });
  const { token } = await createApiKey(db, { userId: user.id, name: "t" }, {
    actorUserId: null,
  });
  return bearer(token);
}

function reportFor(settings: EvalSettings): EvalReport {
  const result = {
    taskId: "ts_slugify",
    model: settings.models[0]!,
    language: "typescript",
    difficulty: "easy",
    buildId: null,
    buildStatus: "succeeded",
    passed: true,
    passedFirst: true,
    attempts: 1,
    malformed: 0,
    modelCalls: 2,
    tokensIn: 100,
    tokensOut: 50,
    wallMs: 1000,
    modelMs: 10,
    sandboxMs: 500,
    scores: null,
    hidden: { status: "passed", passed: 5, failed: 0 },
  };
  return {
    settings,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    taskIds: ["ts_slugify"],
    summaries: [summarize(result.model, [result], 1)],
    results: [result],
  };
}

Deno.test("admin eval routes start a background run, report progress and keep the result", async () => {
  await using tdb = await openTestDatabase();
  const db = tdb.db;
  const admin = await userWithKey(db, "ada@example.com", "admin");
  const user = await userWithKey(db, "bob@example.com", "user");
  const runs: {
    settings: EvalSettings;
    finish: () => void;
    fail: (e: Error) => void;
  }[] = [];
  const { app } = testApp({
    authenticate: storageAuthenticate(db),
    routes: [evalRoutes({
      db,
      defaultModel: "qwen2.5-coder:7b",
      defaultAttempts: 4,
      matchesAnyTask: (p) => Promise.resolve(p.startsWith("ts_")),
      run: (settings, onProgress) =>
        new Promise((resolve, reject) => {
          runs.push({
            settings,
            finish: () => {
              onProgress({
                model: settings.models[0]!,
                modelIndex: 0,
                models: 1,
                done: 1,
                total: 1,
                passed: 1,
                last: reportFor(settings).results[0]!,
              });
              resolve(reportFor(settings));
            },
            fail: reject,
          });
        }),
    })],
  });
  const get = async (id: string) => {
    const res = await app.request(`/v1/admin/evals/${id}`, { headers: admin });
    return { status: res.status, body: await res.json() };
  };
  const until = async (id: string, status: string) => {
    for (let i = 0; i < 200; i++) {
      const run = await get(id);
      if (run.body.status === status) return run.body;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`eval ${id} never became ${status}`);
  };

  const started = await app.request(
    "/v1/admin/evals",
    json({ tasks: "ts_*" }, admin),
  );
  assert.equal(started.status, 202);
  const { id, links } = await started.json();
  assert.equal(links.self, `/v1/admin/evals/${id}`);
  assert.deepEqual(runs[0]?.settings, {
    models: ["qwen2.5-coder:7b"],
    tasks: "ts_*",
    attempts: 4,
    concurrency: 2,
  });
  assert.equal((await get(id)).body.status, "running");
  runs[0]!.finish();
  const done = await until(id, "succeeded");
  assert.equal(done.report.summaries[0].passRateLast, 1);
  assert.deepEqual(done.progress.done, 1);
  assert.ok(done.finishedAt);

  const second = await (await app.request(
    "/v1/admin/evals",
    json({ models: ["a", "b"], attempts: 2, concurrency: 1 }, admin),
  )).json();
  runs[1]!.fail(new Error("Ollama at http://127.0.0.1:1 is down"));
  const failed = await until(second.id, "failed");
  assert.match(failed.error, /Ollama/);

  const forbidden = await app.request("/v1/admin/evals", json({}, user));
  assert.equal(forbidden.status, 403);
  const bad = await app.request(
    "/v1/admin/evals",
    json({ attempts: 0 }, admin),
  );
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(await bad.json()), /attempts/);
  const noTasks = await app.request(
    "/v1/admin/evals",
    json({ tasks: "zz*" }, admin),
  );
  assert.equal(noTasks.status, 400);
  assert.match((await noTasks.json()).error.message, /no task matches/);
  assert.equal((await get(crypto.randomUUID())).status, 404);
  assert.equal(runs.length, 2, "refused requests start nothing");

  const doc = await (await app.request("/openapi.json")).json();
  assert.ok(doc.paths["/v1/admin/evals"]?.post);
  assert.ok(doc.paths["/v1/admin/evals/{id}"]?.get);
  assert.deepEqual(
    undocumentedRoutes(app).filter((r) => r.includes("evals")),
    [],
  );
});
