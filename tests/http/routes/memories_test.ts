import { assert } from "../../deps.ts";
import { ManualClock } from "../../../runtime/clock.ts";
import { json } from "../_app.ts";
import { openRouteFixture, read } from "./_setup.ts";

Deno.test("memory routes", async (t) => {
  const clock = new ManualClock(Date.parse("2026-03-01T12:00:00Z"));
  await using f = await openRouteFixture({ clock });
  const { app, db, bob, eve } = f;
  const put = (key: string, body: unknown, auth = bob.auth) =>
    app.request(`/v1/memories/${key}`, json(body, auth, "PUT"));
  const get = (key: string, auth = bob.auth) =>
    app.request(`/v1/memories/${key}`, { headers: auth });

  await t.step(
    "POST stores a memory with a ttl that becomes expiresAt",
    async () => {
      const { status, body } = await read(
        await app.request(
          "/v1/memories",
          json({ key: "style", value: { tests: "bdd" }, ttl: 60 }, bob.auth),
        ),
      );
      assert.equal(status, 201, JSON.stringify(body));
      assert.deepEqual(body.value, { tests: "bdd" });
      assert.equal(body.expiresAt, "2026-03-01T12:01:00.000Z");
      const audit = await db.selectFrom("audit_logs").selectAll()
        .where("action", "=", "memory.set").execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actor_user_id, bob.user.id);
    },
  );

  await t.step(
    "POST on an existing key replaces it: 200, no Location; a new key: 201 with Location",
    async () => {
      const post = (key: string, value: unknown) =>
        app.request("/v1/memories", json({ key, value }, bob.auth));
      const created = await post("fresh", 1);
      assert.equal(created.status, 201);
      assert.equal(created.headers.get("Location"), "/v1/memories/fresh");
      await created.body?.cancel();
      await clock.advance(1000);
      const replaced = await read(await post("fresh", 2));
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      assert.equal(replaced.body.value, 2);
      assert.notEqual(replaced.body.createdAt, replaced.body.updatedAt);
      // Same instant (a frozen clock) still tells a replacement apart.
      const sameInstant = await post("fresh", 3);
      assert.equal(sameInstant.status, 200);
      assert.equal(sameInstant.headers.get("Location"), null);
      await sameInstant.body?.cancel();
      const del = await app.request("/v1/memories/fresh", {
        method: "DELETE",
        headers: bob.auth,
      });
      assert.equal(del.status, 204);
    },
  );

  await t.step("an expired memory is never returned", async () => {
    assert.equal((await read(await get("style"))).status, 200);
    await clock.advance(60_000);
    const gone = await read(await get("style"));
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, "memory_not_found");
    const list = await read(
      await app.request("/v1/memories", { headers: bob.auth }),
    );
    assert.deepEqual(list.body.items, []);
  });

  await t.step(
    "PUT creates or replaces; without ttl it never expires",
    async () => {
      const first = await read(await put("lang", { value: "typescript" }));
      assert.equal(first.status, 200);
      assert.equal(first.body.expiresAt, null);
      const second = await read(
        await put("lang", { value: "javascript", ttl: null }),
      );
      assert.equal(second.body.value, "javascript");
      await clock.advance(365 * 24 * 3600 * 1000);
      assert.equal((await read(await get("lang"))).body.value, "javascript");
    },
  );

  await t.step(
    "GET /v1/memories lists by key and filters by prefix",
    async () => {
      await put("proj.a", { value: 1 });
      await put("proj.b", { value: 2 });
      const { body } = await read(
        await app.request("/v1/memories?prefix=proj.", { headers: bob.auth }),
      );
      assert.deepEqual(
        body.items.map((m: { key: string }) => m.key),
        ["proj.a", "proj.b"],
      );
    },
  );

  await t.step(
    "memories are per user: another user's key is a 404 and their own namespace",
    async () => {
      assert.equal((await read(await get("lang", eve.auth))).status, 404);
      await put("lang", { value: "go" }, eve.auth);
      assert.equal((await read(await get("lang"))).body.value, "javascript");
      const del = await app.request("/v1/memories/proj.a", {
        method: "DELETE",
        headers: eve.auth,
      });
      assert.equal(del.status, 404);
      await del.body?.cancel();
    },
  );

  await t.step("DELETE forgets a memory once", async () => {
    const first = await app.request("/v1/memories/proj.a", {
      method: "DELETE",
      headers: bob.auth,
    });
    assert.equal(first.status, 204);
    await first.body?.cancel();
    const again = await app.request("/v1/memories/proj.a", {
      method: "DELETE",
      headers: bob.auth,
    });
    assert.equal(again.status, 404);
    await again.body?.cancel();
  });

  await t.step(
    "invalid bodies and keys are 400s naming the field",
    async () => {
      const noValue = await read(
        await app.request("/v1/memories", json({ key: "k" }, bob.auth)),
      );
      assert.equal(noValue.status, 400);
      assert.equal(noValue.body.error.details.issues[0].path, "body.value");
      const badTtl = await read(await put("k", { value: 1, ttl: -5 }));
      assert.equal(badTtl.status, 400);
      assert.equal(badTtl.body.error.details.issues[0].path, "body.ttl");
      const badKey = await read(
        await app.request(
          "/v1/memories",
          json({ key: "a b", value: 1 }, bob.auth),
        ),
      );
      assert.equal(badKey.status, 400);
      assert.equal(badKey.body.error.details.issues[0].path, "body.key");
      const big = await read(await put("k", { value: "x".repeat(70_000) }));
      assert.equal(big.status, 400);
    },
  );

  await t.step("without a key: 401", async () => {
    const res = await read(await app.request("/v1/memories"));
    assert.equal(res.status, 401);
  });
});
