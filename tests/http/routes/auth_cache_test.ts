import { assert } from "../../deps.ts";
import { storageAuthenticate } from "../../../http/auth_storage.ts";
import type { Authenticate } from "../../../http/middleware/auth.ts";
import {
  ApiKeyCache,
  type AuthChange,
} from "../../../storage/api_key_cache.ts";
import { createApiKey } from "../../../storage/api_keys.ts";
import { json } from "../_app.ts";
import { openRouteFixture, read } from "./_setup.ts";

// The cache here caches without listening to the database, so only the
// routes' own `onAuthChange` can make a change visible: a change made through
// this node's API must not wait for the database's notification.
Deno.test("changes made through the API reach this node's key cache before the answer", async (t) => {
  const cache = new ApiKeyCache();
  cache.resume();
  const told: AuthChange[] = [];
  let authenticate: Authenticate = () => Promise.reject(new Error("unset"));
  await using f = await openRouteFixture({
    app: { authenticate: (token) => authenticate(token) },
    deps: {
      onAuthChange: (change) => {
        told.push(change);
        cache.invalidate(change);
      },
    },
  });
  authenticate = storageAuthenticate(f.db, { check: cache.check });
  const { app, admin, bob, eve } = f;
  const me = async (auth: { Authorization: string }) =>
    await read(await app.request("/v1/me", { headers: auth }));

  await t.step("a revoked key is refused on the next request", async () => {
    assert.equal((await me(bob.auth)).status, 200);
    assert.ok(cache.size >= 1);
    // Bob keeps another key: nobody may revoke their own last one.
    await createApiKey(f.db, { userId: bob.user.id, name: "spare" }, {
      actorUserId: null,
    });
    const revoke = await read(
      await app.request(`/v1/api-keys/${bob.keyId}`, {
        method: "DELETE",
        headers: bob.auth,
      }),
    );
    assert.equal(revoke.status, 200);
    assert.deepEqual(told, [`key:${bob.keyId}`]);
    const next = await me(bob.auth);
    assert.equal(next.status, 401);
    assert.equal(next.body.error.code, "revoked_api_key");
  });

  await t.step("a disabled user and a new role show at once", async () => {
    assert.equal((await me(eve.auth)).body.role, "user");
    const promoted = await read(
      await app.request(
        `/v1/admin/users/${eve.user.id}`,
        json({ role: "admin" }, admin.auth, "PATCH"),
      ),
    );
    assert.equal(promoted.status, 200);
    assert.equal((await me(eve.auth)).body.role, "admin");
    await read(
      await app.request(
        `/v1/admin/users/${eve.user.id}`,
        json({ disabled: true }, admin.auth, "PATCH"),
      ),
    );
    const refused = await me(eve.auth);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, "user_disabled");
  });
});
