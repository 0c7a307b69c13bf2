import { assert } from "../../deps.ts";
import { bearer, json } from "../_app.ts";
import { openRouteFixture, read } from "./_setup.ts";

Deno.test("admin routes", async (t) => {
  await using f = await openRouteFixture();
  const { app, admin, bob } = f;

  await t.step(
    "every admin route is 403 for a user and 401 without a key",
    async () => {
      const calls: [string, RequestInit][] = [
        ["/v1/admin/users", {}],
        ["/v1/admin/users", json({ email: "x@example.com", name: "x" })],
        [
          `/v1/admin/users/${bob.user.id}`,
          json({ disabled: true }, {}, "PATCH"),
        ],
        ["/v1/admin/audit", {}],
      ];
      for (const [path, init] of calls) {
        const headers = { ...init.headers as Record<string, string> };
        const asUser = await read(
          await app.request(path, {
            ...init,
            headers: { ...headers, ...bob.auth },
          }),
        );
        assert.equal(asUser.status, 403, `${init.method ?? "GET"} ${path}`);
        assert.equal(asUser.body.error.code, "insufficient_role");
        const anonymous = await read(
          await app.request(path, { ...init, headers }),
        );
        assert.equal(anonymous.status, 401);
      }
    },
  );

  await t.step(
    "GET /v1/admin/users lists users with offset paging and a role filter",
    async () => {
      const page = await read(
        await app.request("/v1/admin/users?limit=2", { headers: admin.auth }),
      );
      assert.equal(page.status, 200);
      assert.equal(page.body.items.length, 2);
      assert.equal(page.body.nextOffset, 2);
      const admins = await read(
        await app.request("/v1/admin/users?role=admin", {
          headers: admin.auth,
        }),
      );
      assert.deepEqual(
        admins.body.items.map((u: { email: string }) => u.email),
        ["ada@example.com"],
      );
    },
  );

  let carol = "";
  await t.step(
    "POST /v1/admin/users creates a user and, on request, a key",
    async () => {
      const { status, body } = await read(
        await app.request(
          "/v1/admin/users",
          json({
            email: "Carol@Example.com",
            name: "Carol",
            dailyBuildQuota: 5,
            apiKey: { name: "first" },
          }, admin.auth),
        ),
      );
      assert.equal(status, 201, JSON.stringify(body));
      assert.equal(body.user.email, "carol@example.com");
      assert.equal(body.user.role, "user");
      assert.equal(body.user.dailyBuildQuota, 5);
      carol = body.user.id;
      const me = await read(
        await app.request("/v1/me", { headers: bearer(body.apiKey.token) }),
      );
      assert.equal(me.body.id, carol);
      const dup = await read(
        await app.request(
          "/v1/admin/users",
          json({ email: "carol@example.com", name: "Again" }, admin.auth),
        ),
      );
      assert.equal(dup.status, 409);
      const bad = await read(
        await app.request(
          "/v1/admin/users",
          json({ email: "not-an-email", name: "", role: "god" }, admin.auth),
        ),
      );
      assert.equal(bad.status, 400);
      const paths = bad.body.error.details.issues.map((i: { path: string }) =>
        i.path
      );
      assert.deepEqual(paths.sort(), ["body.email", "body.name", "body.role"]);
    },
  );

  await t.step(
    "PATCH /v1/admin/users/:id changes role, quota and disabled",
    async () => {
      const { status, body } = await read(
        await app.request(
          `/v1/admin/users/${bob.user.id}`,
          json({ role: "admin", dailyBuildQuota: 50 }, admin.auth, "PATCH"),
        ),
      );
      assert.equal(status, 200);
      assert.equal(body.role, "admin");
      assert.equal(body.dailyBuildQuota, 50);
      const disabled = await read(
        await app.request(
          `/v1/admin/users/${carol}`,
          json({ disabled: true }, admin.auth, "PATCH"),
        ),
      );
      assert.equal(disabled.body.disabled, true);
      const missing = await read(
        await app.request(
          `/v1/admin/users/${crypto.randomUUID()}`,
          json({ disabled: true }, admin.auth, "PATCH"),
        ),
      );
      assert.equal(missing.status, 404);
      const empty = await read(
        await app.request(
          `/v1/admin/users/${carol}`,
          json({}, admin.auth, "PATCH"),
        ),
      );
      assert.equal(empty.status, 400);
      const unknown = await read(
        await app.request(
          `/v1/admin/users/${carol}`,
          json({ email: "x@y.z" }, admin.auth, "PATCH"),
        ),
      );
      assert.equal(unknown.status, 400);
      const self = await read(
        await app.request(
          `/v1/admin/users/${admin.user.id}`,
          json({ disabled: true }, admin.auth, "PATCH"),
        ),
      );
      assert.equal(self.status, 409);
    },
  );

  await t.step(
    "GET /v1/admin/audit filters by user, action and time, newest first",
    async () => {
      const all = await read(
        await app.request(`/v1/admin/audit?userId=${admin.user.id}`, {
          headers: admin.auth,
        }),
      );
      assert.equal(all.status, 200);
      const actions = all.body.items.map((e: { action: string }) => e.action);
      assert.deepEqual(actions, [
        "user.update",
        "user.update",
        "api_key.create",
        "user.create",
      ]);
      const updates = await read(
        await app.request(
          `/v1/admin/audit?userId=${admin.user.id}&action=user.update&limit=1`,
          { headers: admin.auth },
        ),
      );
      assert.equal(updates.body.items.length, 1);
      assert.equal(updates.body.items[0].target, carol);
      const next = await read(
        await app.request(
          `/v1/admin/audit?userId=${admin.user.id}&action=user.update&limit=1&cursor=${updates.body.nextCursor}`,
          { headers: admin.auth },
        ),
      );
      assert.equal(next.body.items[0].target, bob.user.id);
      const future = new Date(Date.now() + 60_000).toISOString();
      const none = await read(
        await app.request(`/v1/admin/audit?from=${future}`, {
          headers: admin.auth,
        }),
      );
      assert.deepEqual(none.body.items, []);
      const past = await read(
        await app.request(`/v1/admin/audit?to=2000-01-01T00:00:00Z`, {
          headers: admin.auth,
        }),
      );
      assert.deepEqual(past.body.items, []);
      const bad = await read(
        await app.request("/v1/admin/audit?from=yesterday&userId=42", {
          headers: admin.auth,
        }),
      );
      assert.equal(bad.status, 400);
      const paths = bad.body.error.details.issues.map((i: { path: string }) =>
        i.path
      );
      assert.deepEqual(paths.sort(), ["query.from", "query.userId"]);
    },
  );
});
