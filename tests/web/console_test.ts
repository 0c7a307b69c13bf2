/**
 * The web console through `app.request`: sessions, CSRF, pages, errors, the
 * archive and the admin operations, on the real domain routes and actors.
 */
import { strFromU8, unzipSync } from "fflate";
import { assert } from "../deps.ts";
import { revokeApiKey } from "../../storage/api_keys.ts";
import { getBuild, updateBuild } from "../../storage/builds.ts";
import { saveCodeAnalysis } from "../../storage/code_analyses.ts";
import { getDeadLetter, insertDeadLetter } from "../../storage/dead_letters.ts";
import { read, until } from "../http/routes/_setup.ts";
import { makeBuild } from "../storage/_db.ts";
import { appendBuildEvents } from "../../storage/build_events.ts";
import { json } from "../http/_app.ts";
import { Browser } from "./_client.ts";
import { openWebFixture } from "./_fixture.ts";

const REQUEST = {
  project: "todo-api",
  language: "typescript",
  requirements: "A todo list with add and remove, with tests.",
};

Deno.test("web console", async (t) => {
  await using f = await openWebFixture();
  const { app, admin, bob, eve } = f;

  await t.step(
    "pages need a session: they redirect to sign-in and come back",
    async () => {
      const anon = new Browser(app);
      const page = await anon.go("/builds/new");
      assert.equal(page.status, 303);
      assert.equal(page.location, "/sign-in?next=%2Fbuilds%2Fnew");
      const stream = await anon.go("/builds/status?ids=");
      assert.equal(stream.status, 401);
      const signed = await anon.signIn(bob.token);
      assert.equal(signed.status, 303);
      assert.equal(signed.location, "/");
    },
  );

  await t.step(
    "sign-in sets a sealed httpOnly SameSite=Strict cookie, Secure over HTTPS",
    async () => {
      const b = new Browser(app);
      await b.go("/sign-in");
      const res = await b.post("/sign-in", { apiKey: bob.token });
      const cookie = res.res.headers.getSetCookie().find((c) =>
        c.startsWith("troupe_session=")
      )!;
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      assert.doesNotMatch(cookie, /Secure/);
      assert.equal(
        cookie.includes(bob.token),
        false,
        "the key is not readable in the cookie",
      );
      const page = await b.go("/");
      assert.equal(
        page.text.includes(bob.token),
        false,
        "the key never reaches the page",
      );

      const https = new Browser(app, { "X-Forwarded-Proto": "https" });
      await https.go("/sign-in");
      const secure = await https.post("/sign-in", { apiKey: bob.token });
      assert.match(
        secure.res.headers.getSetCookie().join("\n"),
        /troupe_session=[^\n]*Secure/,
      );
    },
  );

  await t.step(
    "a wrong key is refused with the API's message; a forged cookie is no session",
    async () => {
      const b = new Browser(app);
      const res = await b.signIn("trp_nope_nope");
      assert.equal(res.status, 401);
      assert.match(res.text, /not valid/);
      b.cookies.set("troupe_session", "AAAA" + "x".repeat(60));
      const page = await b.go("/");
      assert.equal(page.status, 303);
    },
  );

  await t.step(
    "CSRF: sign-in and form posts without the token are refused",
    async () => {
      const b = new Browser(app);
      await b.go("/sign-in");
      const noToken = await b.post("/sign-in", { apiKey: bob.token }, false);
      assert.equal(noToken.status, 403);
      await b.signIn(bob.token);
      await b.go("/builds/new");
      const refused = await b.post("/builds", REQUEST, false);
      assert.equal(refused.status, 403);
      assert.match(refused.text, /security token/);
      const wrong = await b.post("/builds", {
        ...REQUEST,
        _csrf: "x".repeat(22),
      });
      assert.equal(wrong.status, 403);
      const page = await b.go("/");
      assert.doesNotMatch(page.text, /todo-api/, "no build was created");
    },
  );

  let buildId = "";
  await t.step(
    "new build: the API's validation messages on the form, then the build page",
    async () => {
      const b = new Browser(app);
      await b.signIn(bob.token);
      const form = await b.go("/builds/new");
      assert.match(form.text, /<option value="typescript"/);
      assert.match(form.text, /fake-coder:1b/);
      const bad = await b.post("/builds", {
        ...REQUEST,
        project: "  ",
        language: "cobol",
      });
      assert.equal(bad.status, 400);
      assert.match(bad.text, /body\.project/);
      assert.match(
        bad.text,
        /builds can target typescript, javascript, python/,
      );
      assert.match(
        bad.text,
        /value=" {2}"/,
        "the form keeps what was typed",
      );
      const missing = await b.post("/builds", {
        ...REQUEST,
        model: "llama-none:70b",
      });
      assert.equal(missing.status, 400);
      assert.match(missing.text, /llama-none:70b/);
      assert.match(missing.text, /fake-coder:1b/, "names the installed ones");
      const picked = await b.post("/builds", {
        ...REQUEST,
        model: "fake-coder:1b",
      });
      assert.equal(picked.status, 303);
      const pickedId = picked.location!.split("/").pop()!;
      assert.equal(
        (await getBuild(f.db, bob.user.id, pickedId))?.model,
        "fake-coder:1b",
      );
      const ok = await b.post("/builds", REQUEST);
      assert.equal(ok.status, 303);
      buildId = ok.location!.split("/").pop()!;
      const page = await b.go(ok.location!);
      assert.equal(page.status, 200);
      assert.match(page.text, /data-build-id="[0-9a-f-]{36}"/);
      assert.match(page.text, /id="cancel-form"/);
      const list = await b.go("/");
      assert.match(list.text, new RegExp(`href="/builds/${buildId}"`));
      assert.match(list.text, /data-live-build=/);
      const status = await b.go(`/builds/status?ids=${buildId},nope`);
      assert.equal(JSON.parse(status.text)[buildId], "queued");
      const filtered = await b.go("/?status=succeeded");
      assert.doesNotMatch(filtered.text, new RegExp(buildId));
    },
  );

  await t.step(
    "another user's build is a 404 page; admin pages are a 403 page for users",
    async () => {
      const b = new Browser(app);
      await b.signIn(eve.token);
      const other = await b.go(`/builds/${buildId}`);
      assert.equal(other.status, 404);
      assert.match(other.text, /build not found/);
      const zip = await b.go(`/builds/${buildId}/archive`);
      assert.equal(zip.status, 404);
      for (
        const path of [
          "/admin",
          "/admin/audit",
          "/admin/dead-letters",
          "/admin/cluster",
        ]
      ) {
        const page = await b.go(path);
        assert.equal(page.status, 403, path);
        assert.match(page.text, /admin role/);
      }
    },
  );

  await t.step(
    "files are highlighted, findings marked on their lines, the archive holds every file",
    async () => {
      const b = new Browser(app);
      await b.signIn(bob.token);
      const none = await read(
        await app.request(`/v1/builds/${buildId}/archive`, {
          headers: bob.auth,
        }),
      );
      assert.equal(none.status, 409);
      assert.equal(none.body.error.code, "no_files");
      await updateBuild(f.db, buildId, {
        status: "succeeded",
        files: [
          {
            path: "mod.ts",
            kind: "source",
            content:
              "export function add(a: number, b: number) {\n  return eval(`${a}+${b}`);\n}\n",
          },
          {
            path: "mod_test.ts",
            kind: "test",
            content: "import { add } from './mod.ts';\n",
          },
          { path: "../escape.ts", kind: "source", content: "nope" },
        ],
      });
      await saveCodeAnalysis(f.db, {
        userId: bob.user.id,
        buildId,
        security: 40,
        quality: 90,
        maintainability: 80,
        findings: [{
          rule: "eval",
          category: "security",
          severity: "critical",
          message: "eval runs arbitrary code",
          path: "mod.ts",
          line: 2,
          column: 10,
        }],
      });
      const page = await b.go(`/builds/${buildId}?file=mod.ts`);
      assert.match(page.text, /<span class="hljs-keyword">export<\/span>/);
      assert.match(
        page.text,
        /<li id="L2" class="has-finding">.*eval.*<span class="finding-note" role="note">⚠ critical eval: eval runs arbitrary code/s,
      );
      assert.doesNotMatch(page.text, /<li id="L1" class="has-finding">/);
      assert.match(page.text, /Security: <strong>40<\/strong>/);
      const results = await b.go(`/builds/${buildId}/results?file=mod_test.ts`);
      assert.match(results.text, /<ol data-path="mod_test.ts">/);
      assert.doesNotMatch(results.text, /<html/);

      const res = await app.request(`/v1/builds/${buildId}/archive`, {
        headers: bob.auth,
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("Content-Type"), "application/zip");
      assert.match(
        res.headers.get("Content-Disposition")!,
        /filename="todo-api.zip"/,
      );
      const entries = unzipSync(new Uint8Array(await res.arrayBuffer()));
      assert.deepEqual(Object.keys(entries).sort(), [
        "todo-api/mod.ts",
        "todo-api/mod_test.ts",
      ]);
      assert.match(strFromU8(entries["todo-api/mod.ts"]!), /return eval/);
      const viaConsole = await b.go(`/builds/${buildId}/archive`);
      assert.equal(viaConsole.status, 200);
      assert.equal(
        viaConsole.res.headers.get("Content-Type"),
        "application/zip",
      );
    },
  );

  await t.step(
    "cancel from the page goes through the build actor",
    async () => {
      const b = new Browser(app);
      await b.signIn(bob.token);
      const created = await read(
        await app.request(
          "/v1/builds",
          json({ ...REQUEST, project: "to-cancel" }, bob.auth),
        ),
      );
      await b.go(`/builds/${created.body.id}`);
      const res = await b.post(`/builds/${created.body.id}/cancel`);
      assert.equal(res.status, 303);
      await until(
        async () =>
          (await getBuild(f.db, bob.user.id, created.body.id))?.status ===
            "cancelled",
        "cancelled",
      );
    },
  );

  await t.step(
    "account: a new key is shown once, memories, link code; revoking the session's key ends it",
    async () => {
      const b = new Browser(app);
      await b.signIn(bob.token);
      await b.go("/account");
      const created = await b.post("/account/keys", { name: "laptop" });
      const token =
        /id="new-key-token"[^>]*value="(trp_[^"]+)"/.exec(created.text)?.[1] ??
          /value="(trp_[^"]+)"/.exec(created.text)?.[1];
      assert.ok(token, "the new key is on the page once");
      const again = await b.go("/account");
      assert.equal(again.text.includes(token), false);
      const remembered = await b.post("/account/memories", {
        key: "style",
        value: '{"tests":"bdd"}',
        ttl: "",
      });
      assert.equal(remembered.status, 303);
      const listed = await b.go("/account");
      assert.match(listed.text, /style/);
      assert.match(listed.text, /bdd/);
      const badMemory = await b.post("/account/memories", {
        key: "no spaces",
        value: "x",
      });
      assert.equal(badMemory.status, 400);
      assert.match(badMemory.text, /letters, digits/);
      const code = await b.post("/account/telegram-link");
      assert.match(code.text, /id="link-code">[A-Z0-9]+</);

      const laptop = new Browser(app);
      await laptop.signIn(token);
      assert.equal((await laptop.go("/")).status, 200);
      const keys = await read(
        await app.request("/v1/api-keys", { headers: bob.auth }),
      );
      const id =
        keys.body.items.find((k: { name: string }) => k.name === "laptop").id;
      await revokeApiKey(f.db, bob.user.id, id, { actorUserId: bob.user.id });
      let refused = "";
      await until(async () => {
        refused = (await laptop.go("/")).location ?? "";
        return refused !== "";
      }, "the revoked key's session ends");
      assert.match(refused, /reason=revoked_api_key/);
      assert.equal(
        laptop.cookies.has("troupe_session"),
        false,
        "the cookie is cleared",
      );
    },
  );

  await t.step(
    "sign-out clears the session; the build page then redirects to sign-in",
    async () => {
      const b = new Browser(app);
      await b.signIn(bob.token);
      await b.go("/");
      const out = await b.post("/sign-out");
      assert.equal(out.status, 303);
      assert.equal(b.cookies.has("troupe_session"), false);
      const page = await b.go(`/builds/${buildId}`);
      assert.equal(page.status, 303);
      assert.match(page.location!, /^\/sign-in\?next=/);
    },
  );

  await t.step(
    "admin: users, audit filters, dead letters retry and drop, cluster",
    async () => {
      const b = new Browser(app);
      await b.signIn(admin.token);
      const users = await b.go("/admin");
      assert.equal(users.status, 200);
      assert.match(users.text, new RegExp(bob.user.email));
      const made = await b.post("/admin/users", {
        email: "zoe@example.com",
        name: "Zoe",
        role: "user",
        dailyBuildQuota: "3",
      });
      assert.match(made.text, /id="new-user-token"[^>]*value="trp_/);
      const dupe = await b.post("/admin/users", {
        email: "not-an-email",
        name: "X",
        role: "user",
      });
      assert.equal(dupe.status, 400);
      assert.match(dupe.text, /body\.email/);
      const saved = await b.post(`/admin/users/${eve.user.id}`, {
        role: "user",
        dailyBuildQuota: "7",
        disabled: "true",
      });
      assert.equal(saved.status, 303);
      const eveBrowser = new Browser(app);
      const disabled = await eveBrowser.signIn(eve.token);
      assert.equal(disabled.status, 403);
      assert.match(disabled.text, /disabled/);

      const audit = await b.go("/admin/audit?action=user.update");
      assert.match(audit.text, /user\.update/);
      assert.doesNotMatch(audit.text, /<td>build\.create<\/td>/);
      const badFilter = await b.go("/admin/audit?from=yesterday");
      assert.equal(badFilter.status, 400);
      assert.match(badFilter.text, /query\.from/);

      const cancelled = await read(
        await app.request(
          "/v1/builds",
          json({ ...REQUEST, project: "dead" }, bob.auth),
        ),
      );
      const retryId = await insertDeadLetter(f.db, {
        kind: "build",
        actorId: cancelled.body.id,
        seq: 3,
        message: { type: "cancel", reason: "retried" },
        error: "boom",
        attempts: 5,
      });
      const dropId = await insertDeadLetter(f.db, {
        kind: "nope",
        actorId: "x",
        seq: 1,
        message: { type: "hello" },
        error: "bad",
        attempts: 5,
      });
      const letters = await b.go("/admin/dead-letters");
      assert.match(letters.text, /2 dead letter/);
      assert.match(letters.text, /build\/[0-9a-f-]{36}/);
      const unknown = await b.post(`/admin/dead-letters/${dropId}/retry`);
      assert.equal(unknown.status, 409);
      assert.match(unknown.text, /does not run/);
      const retried = await b.post(`/admin/dead-letters/${retryId}/retry`);
      assert.equal(retried.status, 303);
      assert.equal(await getDeadLetter(f.db, retryId), undefined);
      await until(
        async () =>
          (await getBuild(f.db, bob.user.id, cancelled.body.id))?.status ===
            "cancelled",
        "re-sent cancel ran",
      );
      const dropped = await b.post(`/admin/dead-letters/${dropId}/drop`);
      assert.equal(dropped.status, 303);
      assert.equal(await getDeadLetter(f.db, dropId), undefined);
      const gone = await read(
        await app.request(`/v1/admin/dead-letters/${dropId}`, {
          method: "DELETE",
          headers: admin.auth,
        }),
      );
      assert.equal(gone.status, 404);
      const api = await read(
        await app.request("/v1/admin/dead-letters", { headers: bob.auth }),
      );
      assert.equal(api.status, 403);
      const trail = await read(
        await app.request("/v1/admin/audit?action=dead_letter.retry", {
          headers: admin.auth,
        }),
      );
      assert.equal(trail.body.items.length, 1);

      const cluster = await b.go("/admin/cluster");
      assert.equal(cluster.status, 200);
      assert.match(cluster.text, /this node/);
      const figures = await read(
        await app.request("/v1/admin/cluster", { headers: admin.auth }),
      );
      assert.equal(figures.body.nodes[0].self, true);
    },
  );

  await t.step(
    "the page's event stream is the API's, resuming after Last-Event-ID",
    async () => {
      const b = new Browser(app);
      await b.signIn(bob.token);
      const build = await makeBuild(f.db, bob.user.id);
      await appendBuildEvents(f.db, build.id, [
        { type: "status", data: { from: "queued", to: "analyzing" } },
        { type: "tokens", data: { node: "generate", count: 3, tail: "abc" } },
        { type: "status", data: { from: "analyzing", to: "failed" } },
      ]);
      await updateBuild(f.db, build.id, { status: "failed" });
      const res = await b.go(`/builds/${build.id}/events`, {
        headers: { Accept: "text/event-stream", "Last-Event-ID": "1" },
      });
      assert.equal(res.status, 200);
      assert.match(res.res.headers.get("Content-Type")!, /text\/event-stream/);
      const ids = [...res.text.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]);
      assert.deepEqual(ids, ["2", "3"]);
      assert.match(res.text, /event: end\ndata: \{"status":"failed"\}/);
      const theirs = await new Browser(app).go(`/builds/${build.id}/events`);
      assert.equal(theirs.status, 401, "no session, no stream");
    },
  );

  await t.step("assets are served from the app with their types", async () => {
    for (
      const [name, type] of [["console.css", "text/css"], [
        "build.js",
        "text/javascript",
      ], ["list.js", "text/javascript"]]
    ) {
      const res = await app.request(`/assets/${name}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("Content-Type")!, new RegExp(type!));
      await res.body?.cancel();
    }
    const doc = await (await app.request("/openapi.json")).json();
    assert.ok(doc.paths["/v1/builds/{id}/archive"]?.get, "archive documented");
    assert.ok(
      doc.paths["/v1/builds/{id}/archive"].get.responses["200"].content[
        "application/zip"
      ],
    );
    assert.ok(doc.paths["/v1/admin/dead-letters/{id}/retry"]?.post);
    assert.ok(doc.paths["/v1/admin/dead-letters/{id}"]?.delete);
    assert.ok(doc.paths["/v1/admin/cluster"]?.get);
    const api = await app.request("/v1/me", { headers: bob.auth });
    assert.equal(
      api.headers.get("Content-Security-Policy"),
      null,
      "the API's answers are left alone",
    );
    await api.body?.cancel();
  });
});
