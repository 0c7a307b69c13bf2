import { assert } from "../../deps.ts";
import { undocumentedRoutes } from "../../../http/openapi.ts";
import { type ApiClient, createBuild } from "../../../cli/builds.ts";
import { AskTimeoutError } from "../../../runtime/errors.ts";
import { revokeApiKey } from "../../../storage/api_keys.ts";
import { listBuildEvents } from "../../../storage/build_events.ts";
import { getBuild, updateBuild } from "../../../storage/builds.ts";
import { saveCodeAnalysis } from "../../../storage/code_analyses.ts";
import { makeBuild, T0 } from "../../storage/_db.ts";
import { json } from "../_app.ts";
import { openRouteFixture, read, until } from "./_setup.ts";

const REQUEST = {
  project: "todo-api",
  language: "typescript",
  requirements: "A REST API for todos with tests.",
};

Deno.test("build routes", async (t) => {
  await using f = await openRouteFixture();
  const { app, db, bob, eve } = f;

  await t.step("every served route is in the OpenAPI document", () => {
    assert.deepEqual(undocumentedRoutes(app), []);
  });

  await t.step(
    "POST /v1/builds queues a build through the session actor and starts it",
    async () => {
      const { status, body } = await read(
        await app.request("/v1/builds", json(REQUEST, bob.auth)),
      );
      assert.equal(status, 202, JSON.stringify(body));
      assert.equal(body.status, "queued");
      assert.equal(body.links.events, `/v1/builds/${body.id}/events`);
      const row = await getBuild(db, bob.user.id, body.id);
      assert.equal(row?.status, "queued");
      assert.equal(row?.source, "api");
      await until(() => f.runs.includes(body.id), "workflow run");
      const audit = await db.selectFrom("audit_logs").selectAll()
        .where("action", "=", "build.create").where("target", "=", body.id)
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actor_user_id, bob.user.id);
    },
  );

  await t.step(
    "a retried POST with the same Idempotency-Key returns the same build, not a second one",
    async () => {
      const headers = { ...bob.auth, "Idempotency-Key": "retry-me-1" };
      const first = await read(
        await app.request("/v1/builds", json(REQUEST, headers)),
      );
      const again = await read(
        await app.request("/v1/builds", json(REQUEST, headers)),
      );
      assert.equal(first.status, 202);
      assert.equal(again.status, 202);
      assert.equal(again.body.id, first.body.id);
      const other = await read(
        await app.request(
          "/v1/builds",
          json(REQUEST, { ...bob.auth, "Idempotency-Key": "retry-me-2" }),
        ),
      );
      assert.notEqual(other.body.id, first.body.id);
      const rows = await db.selectFrom("builds").select("id").where(
        "id",
        "in",
        [first.body.id, other.body.id],
      )
        .execute();
      assert.equal(rows.length, 2);
      // The same key from another user is another build.
      const eves = await read(
        await app.request(
          "/v1/builds",
          json(REQUEST, { ...eve.auth, "Idempotency-Key": "retry-me-1" }),
        ),
      );
      assert.equal(eves.status, 202);
      assert.notEqual(eves.body.id, first.body.id);
    },
  );

  await t.step(
    "the same Idempotency-Key with another body is a 422 naming the key, and the stored build keeps the first body",
    async () => {
      const headers = { ...bob.auth, "Idempotency-Key": "reused-key" };
      const first = await read(
        await app.request("/v1/builds", json(REQUEST, headers)),
      );
      assert.equal(first.status, 202);
      const other = { ...REQUEST, project: "another-project" };
      const again = await read(
        await app.request("/v1/builds", json(other, headers)),
      );
      assert.equal(again.status, 422, JSON.stringify(again.body));
      assert.equal(again.body.error.code, "idempotency_key_reused");
      assert.match(again.body.error.message, /reused-key/);
      assert.deepEqual(again.body.error.details.fields, ["project"]);
      const row = await getBuild(db, bob.user.id, first.body.id);
      assert.equal(row?.project, REQUEST.project);
      // The same body again is still the same build.
      const same = await read(
        await app.request("/v1/builds", json(REQUEST, headers)),
      );
      assert.equal(same.status, 202);
      assert.equal(same.body.id, first.body.id);
      assert.equal(same.body.project, REQUEST.project);
    },
  );

  await t.step(
    "an unsupported language is a 400 that names the field and what is supported",
    async () => {
      const { status, body } = await read(
        await app.request(
          "/v1/builds",
          json({ ...REQUEST, language: "cobol" }, bob.auth),
        ),
      );
      assert.equal(status, 400);
      const issue = body.error.details.issues[0];
      assert.equal(issue.path, "body.language");
      assert.match(issue.message, /typescript, javascript, python/);
    },
  );

  await t.step(
    "Python builds are accepted, by name or alias in any case, and listed in the OpenAPI enum",
    async () => {
      for (const language of ["python", "Python", " py "]) {
        const { status, body } = await read(
          await app.request(
            "/v1/builds",
            json({ ...REQUEST, language }, bob.auth),
          ),
        );
        assert.equal(status, 202, JSON.stringify(body));
        assert.equal(body.language, "python");
        const row = await getBuild(db, bob.user.id, body.id);
        assert.equal(row?.language, "python");
      }
      const spec = await (await app.request("/openapi.json")).json();
      assert.deepEqual(
        spec.components.schemas.CreateBuild.properties.language.enum,
        ["typescript", "javascript", "python"],
      );
    },
  );

  await t.step(
    "missing and malformed fields are 400s naming each field",
    async () => {
      const { status, body } = await read(
        await app.request(
          "/v1/builds",
          json({ language: "typescript", requirements: 5 }, bob.auth),
        ),
      );
      assert.equal(status, 400);
      const paths = body.error.details.issues.map((i: { path: string }) =>
        i.path
      );
      assert.ok(paths.includes("body.project"), paths.join());
      assert.ok(paths.includes("body.requirements"), paths.join());
      const bad = await read(
        await app.request("/v1/builds", json("{not json", bob.auth)),
      );
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, "invalid_json");
    },
  );

  await t.step(
    "over the daily quota is a 429 that says when it resets",
    async () => {
      const capped = await f.addUser("cap@example.com", { quota: 1 });
      const first = await app.request("/v1/builds", json(REQUEST, capped.auth));
      assert.equal(first.status, 202);
      await first.body?.cancel();
      const { status, body } = await read(
        await app.request("/v1/builds", json(REQUEST, capped.auth)),
      );
      assert.equal(status, 429);
      assert.equal(body.error.code, "quota_exceeded");
      assert.equal(body.error.details.limit, 1);
      const reset = Date.parse(body.error.details.resetAt);
      assert.ok(reset > Date.now() && reset <= Date.now() + 86_400_000);
      assert.match(body.error.message, /resets at/);
    },
  );

  await t.step(
    "the quota counter is per user and concurrent creates cannot race past it",
    async () => {
      const capped = await f.addUser("race@example.com", { quota: 3 });
      const results = await Promise.all(
        Array.from(
          { length: 8 },
          async () =>
            await read(
              await app.request("/v1/builds", json(REQUEST, capped.auth)),
            ),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [202, 202, 202, 429, 429, 429, 429, 429]);
    },
  );

  await t.step(
    "keys: missing, invalid, revoked and expired are refused",
    async () => {
      const missing = await read(
        await app.request("/v1/builds", { method: "GET" }),
      );
      assert.equal(missing.status, 401);
      assert.equal(missing.body.error.code, "missing_api_key");
      const invalid = await read(
        await app.request("/v1/builds", {
          headers: { Authorization: "Bearer trp_nope" },
        }),
      );
      assert.equal(invalid.status, 401);
      const revoked = await f.addUser("revoked@example.com");
      await revokeApiKey(db, revoked.user.id, revoked.keyId, {
        actorUserId: null,
      });
      const r = await app.request("/v1/builds", { headers: revoked.auth });
      assert.equal(r.status, 401);
      await r.body?.cancel();
      const expired = await f.addUser("expired@example.com");
      await db.updateTable("api_keys").set({ expires_at: new Date(T0) })
        .where("id", "=", expired.keyId).execute();
      const e = await app.request("/v1/builds", { headers: expired.auth });
      assert.equal(e.status, 401);
      await e.body?.cancel();
    },
  );

  await f.tdb.reset();
  // Users and keys are gone after reset; recreate them for the next steps.
  const ann = await f.addUser("ann@example.com");
  const zed = await f.addUser("zed@example.com");

  await t.step(
    "GET /v1/builds lists only the caller's builds, newest first, in pages",
    async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const b = await makeBuild(db, ann.user.id, {
          project: `p${i}`,
          now: new Date(T0.getTime() + i * 1000),
        });
        ids.push(b.id);
      }
      await makeBuild(db, zed.user.id, { project: "not-yours" });
      const first = await read(
        await app.request("/v1/builds?limit=2", { headers: ann.auth }),
      );
      assert.equal(first.status, 200);
      assert.deepEqual(
        first.body.items.map((b: { project: string }) => b.project),
        ["p4", "p3"],
      );
      assert.equal(typeof first.body.nextCursor, "string");
      const seen = [...first.body.items];
      let cursor = first.body.nextCursor;
      while (cursor) {
        const page = await read(
          await app.request(`/v1/builds?limit=2&cursor=${cursor}`, {
            headers: ann.auth,
          }),
        );
        seen.push(...page.body.items);
        cursor = page.body.nextCursor;
      }
      assert.deepEqual(
        seen.map((b: { id: string }) => b.id),
        [...ids].reverse(),
      );
    },
  );

  await t.step(
    "GET /v1/builds filters by status and validates the query",
    async () => {
      const b = await makeBuild(db, ann.user.id, { project: "filtered" });
      await updateBuild(db, b.id, { status: "failed", error: "boom" });
      const { body } = await read(
        await app.request("/v1/builds?status=failed", { headers: ann.auth }),
      );
      assert.deepEqual(
        body.items.map((x: { id: string }) => x.id),
        [b.id],
      );
      const bad = await read(
        await app.request("/v1/builds?status=exploded&limit=0", {
          headers: ann.auth,
        }),
      );
      assert.equal(bad.status, 400);
      const paths = bad.body.error.details.issues.map((i: { path: string }) =>
        i.path
      );
      assert.ok(
        paths.includes("query.status") && paths.includes("query.limit"),
      );
      const cursor = await read(
        await app.request("/v1/builds?cursor=garbage", { headers: ann.auth }),
      );
      assert.equal(cursor.status, 400);
      assert.equal(cursor.body.error.details.issues[0].path, "query.cursor");
    },
  );

  await t.step(
    "GET /v1/builds/:id shows the caller's build and 404s another user's",
    async () => {
      const b = await makeBuild(db, ann.user.id, { project: "mine" });
      const mine = await read(
        await app.request(`/v1/builds/${b.id}`, { headers: ann.auth }),
      );
      assert.equal(mine.status, 200);
      assert.equal(mine.body.project, "mine");
      assert.equal(mine.body.requirements, "a REST API for todos");
      assert.equal(mine.body.fileCount, 0);
      const theirs = await read(
        await app.request(`/v1/builds/${b.id}`, { headers: zed.auth }),
      );
      assert.equal(theirs.status, 404);
      assert.equal(theirs.body.error.code, "build_not_found");
      const bad = await read(
        await app.request("/v1/builds/not-a-uuid", { headers: ann.auth }),
      );
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.issues[0].path, "path.id");
    },
  );

  await t.step(
    "POST /v1/builds/:id/cancel cancels through the build actor, once",
    async () => {
      const b = await makeBuild(db, ann.user.id);
      const theirs = await read(
        await app.request(`/v1/builds/${b.id}/cancel`, {
          method: "POST",
          headers: zed.auth,
        }),
      );
      assert.equal(theirs.status, 404);
      const ok = await read(
        await app.request(`/v1/builds/${b.id}/cancel`, {
          method: "POST",
          headers: ann.auth,
        }),
      );
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(ok.body, { id: b.id, status: "cancelled" });
      assert.equal(
        (await getBuild(db, ann.user.id, b.id))?.status,
        "cancelled",
      );
      const events = await listBuildEvents(db, b.id);
      assert.equal(events.at(-1)?.type, "status");
      const audit = await db.selectFrom("audit_logs").selectAll()
        .where("action", "=", "build.cancel").where("target", "=", b.id)
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actor_user_id, ann.user.id);
      const again = await read(
        await app.request(`/v1/builds/${b.id}/cancel`, {
          method: "POST",
          headers: ann.auth,
        }),
      );
      assert.equal(again.status, 409);
      assert.equal(again.body.error.details.status, "cancelled");
    },
  );

  await t.step(
    "GET /v1/builds/:id/files returns generated files, one by ?path=",
    async () => {
      const b = await makeBuild(db, ann.user.id);
      const empty = await read(
        await app.request(`/v1/builds/${b.id}/files`, { headers: ann.auth }),
      );
      assert.deepEqual(empty.body.files, []);
      await updateBuild(db, b.id, {
        files: [
          { path: "mod.ts", kind: "source", content: "export const x = 1;\n" },
          {
            path: "mod_test.ts",
            kind: "test",
            content: "Deno.test('x', () => {});\n",
          },
        ],
      });
      const all = await read(
        await app.request(`/v1/builds/${b.id}/files`, { headers: ann.auth }),
      );
      assert.equal(all.status, 200);
      assert.deepEqual(
        all.body.files.map((
          x: { path: string; size: number },
        ) => [x.path, x.size]),
        [["mod.ts", 20], ["mod_test.ts", 26]],
      );
      const one = await read(
        await app.request(`/v1/builds/${b.id}/files?path=mod.ts`, {
          headers: ann.auth,
        }),
      );
      assert.equal(one.body.files.length, 1);
      const missing = await read(
        await app.request(`/v1/builds/${b.id}/files?path=nope.ts`, {
          headers: ann.auth,
        }),
      );
      assert.equal(missing.status, 404);
      const theirs = await read(
        await app.request(`/v1/builds/${b.id}/files`, { headers: zed.auth }),
      );
      assert.equal(theirs.status, 404);
    },
  );

  await t.step(
    "GET /v1/builds/:id/analysis: 404 until analysed, then the scores",
    async () => {
      const b = await makeBuild(db, ann.user.id);
      const before = await read(
        await app.request(`/v1/builds/${b.id}/analysis`, { headers: ann.auth }),
      );
      assert.equal(before.status, 404);
      assert.equal(before.body.error.code, "analysis_not_found");
      await saveCodeAnalysis(db, {
        userId: ann.user.id,
        buildId: b.id,
        security: 90,
        quality: 80,
        maintainability: 70,
        findings: [{ rule: "no-eval" }],
      });
      const after = await read(
        await app.request(`/v1/builds/${b.id}/analysis`, { headers: ann.auth }),
      );
      assert.equal(after.status, 200);
      assert.equal(after.body.security, 90);
      assert.deepEqual(after.body.findings, [{ rule: "no-eval" }]);
      const theirs = await read(
        await app.request(`/v1/builds/${b.id}/analysis`, { headers: zed.auth }),
      );
      assert.equal(theirs.status, 404);
      assert.equal(theirs.body.error.code, "build_not_found");
    },
  );

  void eve;
});

Deno.test("POST /v1/builds when the session actor answers too late", async (t) => {
  // The session actor does its work, but its answer arrives after the ask
  // timed out (a busy node): `late` decides which asks are "late".
  let late: "after_work" | "before_work" | false = false;
  await using f = await openRouteFixture({
    wrapActors: (system) => ({
      ref(kind, id) {
        const real = system.ref(kind, id);
        return {
          async ask<T>(message: Parameters<typeof real.ask>[0], options?: {
            timeoutMs?: number;
          }): Promise<T> {
            if (kind !== "session" || !late) {
              return real.ask<T>(message, options);
            }
            if (late === "after_work") await real.ask(message, options);
            throw new AskTimeoutError(kind, id, message.type, 10);
          },
        };
      },
    }),
  });
  const { app, db, bob } = f;

  await t.step(
    "the build exists: 202 with that build, and a retry with the key gets the same one",
    async () => {
      late = "after_work";
      const headers = { ...bob.auth, "Idempotency-Key": "late-1" };
      const first = await read(
        await app.request("/v1/builds", json(REQUEST, headers)),
      );
      assert.equal(first.status, 202, JSON.stringify(first.body));
      const row = await getBuild(db, bob.user.id, first.body.id);
      assert.equal(row?.project, REQUEST.project);
      assert.equal(first.body.status, row?.status);
      late = false;
      const retry = await read(
        await app.request("/v1/builds", json(REQUEST, headers)),
      );
      assert.equal(retry.status, 202);
      assert.equal(retry.body.id, first.body.id);
      const count = await db.selectFrom("builds").select("id")
        .where("user_id", "=", bob.user.id).execute();
      assert.equal(count.length, 1);
    },
  );

  await t.step(
    "also without an Idempotency-Key the created build is found and answered",
    async () => {
      late = "after_work";
      const { status, body } = await read(
        await app.request("/v1/builds", json(REQUEST, bob.auth)),
      );
      assert.equal(status, 202, JSON.stringify(body));
      assert.ok(await getBuild(db, bob.user.id, body.id));
    },
  );

  await t.step(
    "nothing was created: 503 with Retry-After telling to retry with an Idempotency-Key",
    async () => {
      late = "before_work";
      const res = await app.request("/v1/builds", json(REQUEST, bob.auth));
      const { status, body } = await read(res);
      assert.equal(status, 503);
      assert.equal(body.error.code, "actor_timeout");
      assert.match(body.error.message, /Idempotency-Key/);
      assert.ok(Number(res.headers.get("Retry-After")) >= 1);
    },
  );

  await t.step(
    "deno task build's client sends an Idempotency-Key and retries a 503 with the same key: one build",
    async () => {
      const before = await db.selectFrom("builds").select("id")
        .where("user_id", "=", bob.user.id).execute();
      const keys: (string | null)[] = [];
      const api: ApiClient = {
        async request(method, path, body, headers) {
          const request = new Request(`http://node${path}`, {
            method,
            headers: {
              ...headers,
              ...bob.auth,
              "content-type": "application/json",
            },
            body: JSON.stringify(body),
          });
          keys.push(request.headers.get("idempotency-key"));
          const answer = await app.request(request);
          late = false; // only the first attempt times out
          return answer;
        },
      };
      late = "before_work";
      const res = await createBuild(api, REQUEST, {
        sleep: () => Promise.resolve(),
      });
      const { status, body } = await read(res);
      assert.equal(status, 202, JSON.stringify(body));
      assert.equal(keys.length, 2);
      assert.ok(keys[0]);
      assert.equal(keys[1], keys[0]);
      const after = await db.selectFrom("builds").select("id")
        .where("user_id", "=", bob.user.id).execute();
      assert.equal(after.length, before.length + 1);
    },
  );
});
