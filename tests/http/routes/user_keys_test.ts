/**
 * Quotas and keys: the default daily quota applies to users made through the
 * API, admins manage any user's keys, a user keeps at least one active key,
 * the key count is capped, and the rate limit is per user across keys.
 */
import { assert } from "../../deps.ts";
import { tokenBucket } from "../../../http/middleware/rate_limit.ts";
import { bearer, json } from "../_app.ts";
import { openRouteFixture, read } from "./_setup.ts";

Deno.test("admin key management, key rules and the default quota", async (t) => {
  await using f = await openRouteFixture({
    deps: { defaultDailyQuota: 7, maxApiKeysPerUser: 3 },
  });
  const { app, db, admin, bob } = f;

  await t.step(
    "POST /v1/admin/users without a quota gives DEFAULT_DAILY_QUOTA",
    async () => {
      const created = await read(
        await app.request(
          "/v1/admin/users",
          json({ email: "quota@example.com", name: "Q" }, admin.auth),
        ),
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.user.dailyBuildQuota, 7);
      const explicit = await read(
        await app.request(
          "/v1/admin/users",
          json(
            { email: "quota2@example.com", name: "Q", dailyBuildQuota: 2 },
            admin.auth,
          ),
        ),
      );
      assert.equal(explicit.body.user.dailyBuildQuota, 2);
    },
  );

  let issued = { id: "", token: "" };
  await t.step(
    "an admin creates a key for another user: it logs in as that user and is audited",
    async () => {
      const { status, body } = await read(
        await app.request(
          `/v1/admin/users/${bob.user.id}/keys`,
          json({ name: "issued by admin" }, admin.auth),
        ),
      );
      assert.equal(status, 201, JSON.stringify(body));
      issued = { id: body.key.id, token: body.token };
      const me = await read(
        await app.request("/v1/me", { headers: bearer(issued.token) }),
      );
      assert.equal(me.status, 200);
      assert.equal(me.body.id, bob.user.id);
      const audit = await db.selectFrom("audit_logs").selectAll()
        .where("action", "=", "api_key.create")
        .where("target", "=", issued.id).execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actor_user_id, admin.user.id);
      const listed = await read(
        await app.request(`/v1/admin/users/${bob.user.id}/keys`, {
          headers: admin.auth,
        }),
      );
      assert.ok(
        listed.body.items.some((k: { id: string }) => k.id === issued.id),
      );
      // Users cannot do it, and an unknown user is a 404.
      const asBob = await read(
        await app.request(
          `/v1/admin/users/${bob.user.id}/keys`,
          json({ name: "x" }, bob.auth),
        ),
      );
      assert.equal(asBob.status, 403);
      const nobody = await read(
        await app.request(
          `/v1/admin/users/${crypto.randomUUID()}/keys`,
          json({ name: "x" }, admin.auth),
        ),
      );
      assert.equal(nobody.status, 404);
    },
  );

  await t.step(
    "an admin revokes another user's key: refused at once, audited",
    async () => {
      const { status, body } = await read(
        await app.request(
          `/v1/admin/users/${bob.user.id}/keys/${issued.id}`,
          { method: "DELETE", headers: admin.auth },
        ),
      );
      assert.equal(status, 200, JSON.stringify(body));
      assert.ok(body.revokedAt);
      const me = await app.request("/v1/me", {
        headers: bearer(issued.token),
      });
      assert.equal(me.status, 401);
      await me.body?.cancel();
      const audit = await db.selectFrom("audit_logs").selectAll()
        .where("action", "=", "api_key.revoke")
        .where("target", "=", issued.id).execute();
      assert.equal(audit[0]?.actor_user_id, admin.user.id);
      const wrongUser = await app.request(
        `/v1/admin/users/${admin.user.id}/keys/${bob.keyId}`,
        { method: "DELETE", headers: admin.auth },
      );
      assert.equal(wrongUser.status, 404);
      await wrongUser.body?.cancel();
    },
  );

  await t.step(
    "revoking your own last active key is a 409; with another key it works",
    async () => {
      const last = await read(
        await app.request(`/v1/api-keys/${bob.keyId}`, {
          method: "DELETE",
          headers: bob.auth,
        }),
      );
      assert.equal(last.status, 409, JSON.stringify(last.body));
      assert.equal(last.body.error.code, "last_api_key");
      const still = await app.request("/v1/me", { headers: bob.auth });
      assert.equal(still.status, 200);
      await still.body?.cancel();
      // An admin's own last key through the admin route: also 409.
      const adminLast = await read(
        await app.request(
          `/v1/admin/users/${admin.user.id}/keys/${admin.keyId}`,
          { method: "DELETE", headers: admin.auth },
        ),
      );
      assert.equal(adminLast.status, 409);

      const spare = await read(
        await app.request("/v1/api-keys", json({ name: "spare" }, bob.auth)),
      );
      assert.equal(spare.status, 201);
      const revoked = await read(
        await app.request(`/v1/api-keys/${bob.keyId}`, {
          method: "DELETE",
          headers: bearer(spare.body.token),
        }),
      );
      assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
      bob.auth.Authorization = `Bearer ${spare.body.token}`;
    },
  );

  await t.step(
    "at most MAX_API_KEYS_PER_USER active keys: one more is a 409 naming the limit",
    async () => {
      // Bob has one active key (spare); the limit is 3.
      for (const name of ["two", "three"]) {
        const ok = await read(
          await app.request("/v1/api-keys", json({ name }, bob.auth)),
        );
        assert.equal(ok.status, 201, JSON.stringify(ok.body));
      }
      const over = await read(
        await app.request("/v1/api-keys", json({ name: "four" }, bob.auth)),
      );
      assert.equal(over.status, 409, JSON.stringify(over.body));
      assert.equal(over.body.error.code, "api_key_limit");
      assert.match(over.body.error.message, /at most 3 active API keys/);
      assert.equal(over.body.error.details.limit, 3);
      const byAdmin = await read(
        await app.request(
          `/v1/admin/users/${bob.user.id}/keys`,
          json({ name: "four" }, admin.auth),
        ),
      );
      assert.equal(byAdmin.status, 409);
      // Concurrent creates cannot race past it either.
      const eve = await f.addUser("racer@example.com");
      const answers = await Promise.all(
        Array.from({ length: 6 }, async (_, i) =>
          read(
            await app.request(
              "/v1/api-keys",
              json({ name: `r${i}` }, eve.auth),
            ),
          )),
      );
      assert.equal(answers.filter((a) => a.status === 201).length, 2);
      assert.equal(answers.filter((a) => a.status === 409).length, 4);
    },
  );
});

Deno.test("the rate limit is per user, across all of the user's keys", async () => {
  // A bucket of 5 whose clock stands still: no refill during the test.
  const limiter = tokenBucket({
    capacity: 5,
    refillPerSecond: 5 / 60,
    clock: { now: () => 0 },
  });
  await using f = await openRouteFixture({ app: { rateLimit: limiter } });
  const { app, bob } = f;
  const tokens = [bob.token];
  for (const name of ["a", "b"]) {
    const { status, body } = await read(
      await app.request("/v1/api-keys", json({ name }, bob.auth)),
    );
    assert.equal(status, 201);
    tokens.push(body.token);
  }
  // The two creates took 2 of Bob's 5; 15 more spread over his three keys
  // get the other 3 (per key it would be 13).
  let accepted = 0;
  for (let i = 0; i < 15; i++) {
    const res = await app.request("/v1/me", {
      headers: bearer(tokens[i % 3]!),
    });
    if (res.status === 200) accepted++;
    else assert.equal(res.status, 429);
    await res.body?.cancel();
  }
  assert.equal(accepted, 3);
  // Another user has a bucket of their own.
  const other = await app.request("/v1/me", { headers: f.eve.auth });
  assert.equal(other.status, 200);
  await other.body?.cancel();
});
