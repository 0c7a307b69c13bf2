import { assert } from "../deps.ts";
import { ManualClock } from "../../runtime/clock.ts";
import { createApiKey, revokeApiKey } from "../../storage/api_keys.ts";
import { SYSTEM } from "../../storage/audit.ts";
import { createUser, updateUser } from "../../storage/users.ts";
import { storageAuthenticate } from "../../http/auth_storage.ts";
import { openTestDatabase } from "../storage/_db.ts";
import { bearer, testApp } from "./_app.ts";

Deno.test("API keys from the database authenticate /v1 requests", async (t) => {
  await using tdb = await openTestDatabase();
  const clock = new ManualClock(Date.parse("2026-03-01T00:00:00Z"));
  const ada = await createUser(
    tdb.db,
    { email: "ada@example.com", name: "Ada", role: "admin" },
    SYSTEM,
  );
  const { token, key } = await createApiKey(
    tdb.db,
    { userId: ada.id, name: "ci", expiresAt: new Date("2026-06-01T00:00:00Z") },
    SYSTEM,
  );
  const { app } = testApp({
    authenticate: storageAuthenticate(tdb.db, { clock }),
  });
  const me = () => app.request("/v1/me", { headers: bearer(token) });

  await t.step("a valid key shows its user", async () => {
    const res = await me();
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      id: ada.id,
      name: "Ada",
      email: "ada@example.com",
      role: "admin",
      key: {
        id: key.id,
        prefix: key.prefix,
        expiresAt: "2026-06-01T00:00:00.000Z",
      },
    });
  });

  await t.step("a wrong secret with a real prefix is refused", async () => {
    const forged = token.slice(0, -4) + "AAAA";
    const res = await app.request("/v1/me", { headers: bearer(forged) });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.code, "invalid_api_key");
  });

  await t.step("expiry takes effect at once", async () => {
    await clock.advance(Date.parse("2026-06-01T00:00:00Z") - clock.now());
    const res = await me();
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.code, "expired_api_key");
    await clock.advance(-1); // back before expiry
    const ok = await me();
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  });

  await t.step("disabling the user takes effect at once", async () => {
    await updateUser(tdb.db, ada.id, { disabled: true }, SYSTEM);
    const res = await me();
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error.code, "user_disabled");
    await updateUser(tdb.db, ada.id, { disabled: false }, SYSTEM);
  });

  await t.step("revocation takes effect at once", async () => {
    await revokeApiKey(tdb.db, ada.id, key.id, SYSTEM);
    const res = await me();
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.code, "revoked_api_key");
  });
});

Deno.test("a check that gives reasons maps them to distinct answers", async () => {
  const { app } = testApp({
    authenticate: storageAuthenticate({} as never, {
      check: (_db, token) =>
        Promise.resolve({
          ok: false,
          reason: token.endsWith("r") ? "revoked" : "disabled",
        }),
    }),
  });
  const revoked = await app.request("/v1/me", { headers: bearer("tok_r") });
  assert.equal((await revoked.json()).error.code, "revoked_api_key");
  const disabled = await app.request("/v1/me", { headers: bearer("tok_d") });
  assert.equal(disabled.status, 403);
  await disabled.body?.cancel();
});
