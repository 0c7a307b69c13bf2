import { assert } from "../../deps.ts";
import { consumeTelegramLinkCode } from "../../../storage/telegram_users.ts";
import { StateError } from "../../../storage/errors.ts";
import { bearer, json } from "../_app.ts";
import { openRouteFixture, read } from "./_setup.ts";

Deno.test("API key routes", async (t) => {
  await using f = await openRouteFixture();
  const { app, db, bob, eve } = f;
  let created: { id: string; token: string };

  await t.step(
    "POST /v1/api-keys shows the token once, and it works",
    async () => {
      const { status, body } = await read(
        await app.request(
          "/v1/api-keys",
          json({ name: "ci", expiresAt: "2099-01-01T00:00:00Z" }, bob.auth),
        ),
      );
      assert.equal(status, 201, JSON.stringify(body));
      assert.match(body.token, /^trp_[a-z0-9]{8}_/);
      assert.equal(body.key.name, "ci");
      assert.equal(body.key.expiresAt, "2099-01-01T00:00:00.000Z");
      assert.ok(body.token.startsWith(`trp_${body.key.prefix}_`));
      created = { id: body.key.id, token: body.token };
      const me = await read(
        await app.request("/v1/me", { headers: bearer(created.token) }),
      );
      assert.equal(me.status, 200);
      assert.equal(me.body.id, bob.user.id);
    },
  );

  await t.step(
    "GET /v1/api-keys lists the caller's keys, never a token or hash",
    async () => {
      const res = await app.request("/v1/api-keys", { headers: bob.auth });
      const text = await res.text();
      assert.equal(res.status, 200);
      assert.ok(!text.includes(created.token), "token leaked");
      assert.ok(!text.includes(bob.token), "token leaked");
      assert.ok(!/"hash"|"token"/.test(text), text);
      const items = JSON.parse(text).items as {
        id: string;
        current: boolean;
      }[];
      assert.deepEqual(
        items.map((k) => k.id).sort(),
        [created.id, bob.keyId].sort(),
      );
      assert.equal(items.find((k) => k.current)?.id, bob.keyId);
    },
  );

  await t.step(
    "another user's key cannot be revoked (404) and is not listed",
    async () => {
      const theirs = await read(
        await app.request(`/v1/api-keys/${created.id}`, {
          method: "DELETE",
          headers: eve.auth,
        }),
      );
      assert.equal(theirs.status, 404);
      const list = await read(
        await app.request("/v1/api-keys", { headers: eve.auth }),
      );
      assert.deepEqual(list.body.items.map((k: { id: string }) => k.id), [
        eve.keyId,
      ]);
    },
  );

  await t.step("DELETE revokes at once and is audited", async () => {
    const { status, body } = await read(
      await app.request(`/v1/api-keys/${created.id}`, {
        method: "DELETE",
        headers: bob.auth,
      }),
    );
    assert.equal(status, 200);
    assert.ok(body.revokedAt);
    const after = await read(
      await app.request("/v1/me", { headers: bearer(created.token) }),
    );
    assert.equal(after.status, 401);
    const audit = await db.selectFrom("audit_logs").selectAll()
      .where("action", "=", "api_key.revoke").execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_user_id, bob.user.id);
  });

  await t.step(
    "revoking a revoked key again answers the same key and adds no audit entry",
    async () => {
      const first = await db.selectFrom("api_keys").select("revoked_at")
        .where("id", "=", created.id).executeTakeFirstOrThrow();
      const again = await read(
        await app.request(`/v1/api-keys/${created.id}`, {
          method: "DELETE",
          headers: bob.auth,
        }),
      );
      assert.equal(again.status, 200);
      assert.equal(
        again.body.revokedAt,
        first.revoked_at!.toISOString(),
        "the first revocation time stays",
      );
      const audit = await db.selectFrom("audit_logs").selectAll()
        .where("action", "=", "api_key.revoke").execute();
      assert.equal(audit.length, 1);
    },
  );

  await t.step(
    "a key can revoke itself; the next request is refused",
    async () => {
      const { body } = await read(
        await app.request("/v1/api-keys", json({ name: "self" }, bob.auth)),
      );
      const self = bearer(body.token);
      const res = await read(
        await app.request(`/v1/api-keys/${body.key.id}`, {
          method: "DELETE",
          headers: self,
        }),
      );
      assert.equal(res.status, 200);
      assert.equal(res.body.current, true);
      const next = await read(await app.request("/v1/me", { headers: self }));
      assert.equal(next.status, 401);
    },
  );

  await t.step("invalid bodies are 400s naming the field", async () => {
    const noName = await read(
      await app.request("/v1/api-keys", json({}, bob.auth)),
    );
    assert.equal(noName.status, 400);
    assert.equal(noName.body.error.details.issues[0].path, "body.name");
    const past = await read(
      await app.request(
        "/v1/api-keys",
        json({ name: "x", expiresAt: "2001-01-01T00:00:00Z" }, bob.auth),
      ),
    );
    assert.equal(past.status, 400);
    assert.equal(past.body.error.details.issues[0].path, "body.expiresAt");
    const badId = await read(
      await app.request("/v1/api-keys/123", {
        method: "DELETE",
        headers: bob.auth,
      }),
    );
    assert.equal(badId.status, 400);
    assert.equal(badId.body.error.details.issues[0].path, "path.id");
  });
});

Deno.test("Telegram link codes", async (t) => {
  await using f = await openRouteFixture({ deps: { linkCodeTtlMs: 60_000 } });
  const { app, db, bob } = f;

  await t.step(
    "POST /v1/telegram/link-code gives a single-use code with an expiry",
    async () => {
      const before = Date.now();
      const { status, body } = await read(
        await app.request("/v1/telegram/link-code", {
          method: "POST",
          headers: bob.auth,
        }),
      );
      assert.equal(status, 201);
      assert.match(body.code, /^[A-Z0-9]{8}$/);
      const expires = Date.parse(body.expiresAt);
      assert.ok(expires >= before + 60_000 && expires <= Date.now() + 60_000);
      assert.match(body.instructions, new RegExp(`/link ${body.code}`));
      const linked = await consumeTelegramLinkCode(db, body.code, {
        telegramUserId: 42,
        chatId: 42,
      });
      assert.equal(linked.userId, bob.user.id);
      await assert.rejects(
        consumeTelegramLinkCode(db, body.code, {
          telegramUserId: 43,
          chatId: 43,
        }),
        StateError,
      );
    },
  );

  await t.step("without a key: 401", async () => {
    const res = await read(
      await app.request("/v1/telegram/link-code", { method: "POST" }),
    );
    assert.equal(res.status, 401);
  });
});
