import { assert } from "../deps.ts";
import {
  apiKeyPrefix,
  createApiKey,
  deleteApiKey,
  generateApiKey,
  getApiKey,
  hashApiKey,
  LAST_USED_RESOLUTION_MS,
  listApiKeys,
  revokeApiKey,
  verifyApiKey,
} from "../../storage/api_keys.ts";
import { listAuditLogs } from "../../storage/audit.ts";
import {
  ConstraintError,
  MissingReferenceError,
  NotFoundError,
} from "../../storage/errors.ts";
import { updateUser } from "../../storage/users.ts";
import {
  at,
  countRows,
  dbStep,
  makeUser,
  openTestDatabase,
  SYSTEM_AT_T0,
  T0,
} from "./_db.ts";

Deno.test("generateApiKey makes trp_<prefix8>_<secret> tokens whose SHA-256 is the stored hash", async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const { token, prefix, hash } = await generateApiKey();
    assert.match(token, /^trp_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    assert.equal(apiKeyPrefix(token), prefix);
    assert.equal(hash, await hashApiKey(token));
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.ok(!seen.has(token));
    seen.add(token);
  }
  assert.equal(
    await hashApiKey("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(apiKeyPrefix("trp_short_x"), undefined);
  assert.equal(
    apiKeyPrefix("Bearer trp_abcdefgh_" + "a".repeat(43)),
    undefined,
  );
});

Deno.test("api keys repository", async (t) => {
  await using tdb = await openTestDatabase();

  await dbStep(
    t,
    tdb,
    "stores only the prefix and hash; the token verifies and touches last_used_at",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { key, token } = await createApiKey(db, {
        userId: user.id,
        name: "ci",
        scopes: ["builds:write"],
      }, {
        actorUserId: user.id,
        now: T0,
      });
      assert.equal(key.prefix, apiKeyPrefix(token));
      assert.deepEqual(key.scopes, ["builds:write"]);
      assert.equal(key.lastUsedAt, null);
      const stored = await db.selectFrom("api_keys").selectAll()
        .executeTakeFirstOrThrow();
      assert.equal(stored.hash, await hashApiKey(token));
      assert.ok(
        !JSON.stringify(stored).includes(token.slice(13)),
        "secret must not be stored",
      );
      const auth = await verifyApiKey(db, token, at(1000));
      assert.equal(auth?.user.id, user.id);
      assert.equal(auth?.user.email, "ada@example.com");
      assert.equal(auth?.key.id, key.id);
      assert.equal(auth?.key.lastUsedAt?.getTime(), at(1000).getTime());
      // Within the resolution the row is not rewritten; after it, it is.
      await verifyApiKey(db, token, at(2000));
      assert.equal(
        (await getApiKey(db, user.id, key.id))?.lastUsedAt?.getTime(),
        at(1000).getTime(),
      );
      await verifyApiKey(db, token, at(1000 + LAST_USED_RESOLUTION_MS));
      assert.equal(
        (await getApiKey(db, user.id, key.id))?.lastUsedAt?.getTime(),
        at(1000 + LAST_USED_RESOLUTION_MS).getTime(),
      );
      const [entry] = await listAuditLogs(db, { action: "api_key.create" });
      assert.equal(entry?.target, key.id);
      assert.equal(entry?.actorUserId, user.id);
    },
  );

  await dbStep(
    t,
    tdb,
    "wrong, malformed, revoked and expired tokens and disabled users do not verify",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { key, token } = await createApiKey(db, {
        userId: user.id,
        name: "a",
        expiresAt: at(60_000),
      }, SYSTEM_AT_T0);
      assert.ok(await verifyApiKey(db, token, at(1)));
      // Same prefix, different secret.
      const forged = token.slice(0, 13) + "A".repeat(43);
      assert.equal(await verifyApiKey(db, forged, at(1)), undefined);
      assert.equal(await verifyApiKey(db, "garbage", at(1)), undefined);
      assert.equal(
        await verifyApiKey(db, (await generateApiKey()).token, at(1)),
        undefined,
      );
      // Expired at exactly expires_at.
      assert.equal(await verifyApiKey(db, token, at(60_000)), undefined);
      // Disabled user.
      const other = await createApiKey(
        db,
        { userId: user.id, name: "b" },
        SYSTEM_AT_T0,
      );
      assert.ok(await verifyApiKey(db, other.token, at(1)));
      await updateUser(db, user.id, { disabled: true }, SYSTEM_AT_T0);
      assert.equal(await verifyApiKey(db, other.token, at(2)), undefined);
      await updateUser(db, user.id, { disabled: false }, SYSTEM_AT_T0);
      // Revoked.
      const revoked = await revokeApiKey(db, user.id, other.key.id, {
        actorUserId: user.id,
        now: at(5),
      });
      assert.equal(revoked.revokedAt?.getTime(), at(5).getTime());
      assert.equal(await verifyApiKey(db, other.token, at(6)), undefined);
      // Revoking again keeps the first time.
      const again = await revokeApiKey(db, user.id, other.key.id, {
        actorUserId: user.id,
        now: at(9),
      });
      assert.equal(again.revokedAt?.getTime(), at(5).getTime());
      assert.equal((await listApiKeys(db, user.id)).length, 2);
      assert.ok(key.id);
    },
  );

  await dbStep(
    t,
    tdb,
    "bad names, too many scopes and unknown users are refused without partial rows",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      await assert.rejects(
        createApiKey(db, { userId: user.id, name: "" }, SYSTEM_AT_T0),
        ConstraintError,
      );
      await assert.rejects(
        createApiKey(
          db,
          { userId: user.id, name: "n".repeat(101) },
          SYSTEM_AT_T0,
        ),
        ConstraintError,
      );
      await assert.rejects(
        createApiKey(db, {
          userId: user.id,
          name: "x",
          scopes: Array.from({ length: 33 }, (_, i) => `s${i}`),
        }, SYSTEM_AT_T0),
        ConstraintError,
      );
      await assert.rejects(
        createApiKey(
          db,
          { userId: crypto.randomUUID(), name: "x" },
          SYSTEM_AT_T0,
        ),
        MissingReferenceError,
      );
      assert.equal(await countRows(db, "api_keys"), 0);
      assert.equal(await countRows(db, "audit_logs"), 1); // the user's creation only
    },
  );

  await dbStep(
    t,
    tdb,
    "deleting a key is audited; unknown keys are NotFound",
    async (db) => {
      const user = await makeUser(db, "ada@example.com");
      const { key, token } = await createApiKey(db, {
        userId: user.id,
        name: "a",
      }, SYSTEM_AT_T0);
      await deleteApiKey(db, user.id, key.id, SYSTEM_AT_T0);
      assert.equal(await verifyApiKey(db, token), undefined);
      await assert.rejects(
        deleteApiKey(db, user.id, key.id, SYSTEM_AT_T0),
        NotFoundError,
      );
      await assert.rejects(
        revokeApiKey(db, user.id, "nope", SYSTEM_AT_T0),
        NotFoundError,
      );
      assert.equal(
        (await listAuditLogs(db, { action: "api_key.delete" })).length,
        1,
      );
    },
  );
});
