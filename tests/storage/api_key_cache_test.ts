import { assert } from "../deps.ts";
import { sql } from "kysely";
import {
  ApiKeyCache,
  AUTH_CHANNEL,
  watchAuthChanges,
} from "../../storage/api_key_cache.ts";
import {
  createApiKey,
  deleteApiKey,
  revokeApiKey,
} from "../../storage/api_keys.ts";
import { SYSTEM } from "../../storage/audit.ts";
import type { ChannelListener } from "../../storage/db.ts";
import { createUser, updateUser } from "../../storage/users.ts";
import { openTestDatabase } from "./_db.ts";

/** Waits (up to ~5 s) for a notification to have been applied. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what} not reached`);
}

Deno.test("API key cache fed by the database's change notifications", async (t) => {
  await using tdb = await openTestDatabase();
  const db = tdb.db;
  const now = new Date();
  const cache = new ApiKeyCache();
  assert.equal(cache.active, false);
  const stop = await watchAuthChanges(tdb.database, cache);
  assert.equal(cache.active, true, "confirmed by its own test notification");

  const user = await createUser(db, {
    email: "ada@example.com",
    name: "Ada",
  }, SYSTEM);
  const keyFor = async (expiresAt: Date | null = null) =>
    await createApiKey(db, { userId: user.id, name: "k", expiresAt }, SYSTEM);

  await t.step(
    "a successful check is cached and then served without the database",
    async () => {
      const { token } = await keyFor();
      const first = await cache.check(db, token, now);
      assert.ok(first.ok);
      assert.equal(cache.size, 1);
      // A change made with triggers off reaches no cache: what the cache then
      // answers shows it did not ask the database.
      await db.connection().execute(async (conn) => {
        await sql`set session_replication_role = replica`.execute(conn);
        await updateUser(conn, user.id, { name: "Unseen" }, SYSTEM);
        await sql`set session_replication_role = origin`.execute(conn);
      });
      const second = await cache.check(db, token, now);
      assert.ok(second.ok);
      assert.equal(second.user.name, "Ada");
      await updateUser(db, user.id, { name: "Ada" }, SYSTEM);
      await until(() => cache.size === 0, "the user's entry dropped");
    },
  );

  await t.step("a revocation made elsewhere drops the key", async () => {
    const { token, key } = await keyFor();
    assert.ok((await cache.check(db, token, now)).ok);
    assert.equal(cache.size, 1);
    await revokeApiKey(db, user.id, key.id, SYSTEM);
    await until(() => cache.size === 0, "the revoked key dropped");
    assert.deepEqual(await cache.check(db, token, now), {
      ok: false,
      reason: "revoked",
    });
  });

  await t.step("a deleted key and a disabled user are refused", async () => {
    const deleted = await keyFor();
    const kept = await keyFor();
    assert.ok((await cache.check(db, deleted.token, now)).ok);
    assert.ok((await cache.check(db, kept.token, now)).ok);
    await deleteApiKey(db, user.id, deleted.key.id, SYSTEM);
    await until(() => cache.size === 1, "the deleted key dropped");
    assert.equal((await cache.check(db, deleted.token, now)).ok, false);
    await updateUser(db, user.id, { disabled: true }, SYSTEM);
    await until(() => cache.size === 0, "the user's keys dropped");
    assert.deepEqual(await cache.check(db, kept.token, now), {
      ok: false,
      reason: "disabled",
    });
    await updateUser(db, user.id, { disabled: false }, SYSTEM);
  });

  await t.step("a cached key expires on time without a change", async () => {
    const { token } = await keyFor(new Date(now.getTime() + 60_000));
    assert.ok((await cache.check(db, token, now)).ok);
    assert.equal(cache.size, 1);
    const later = new Date(now.getTime() + 60_000);
    assert.deepEqual(await cache.check(db, token, later), {
      ok: false,
      reason: "expired",
    });
    assert.equal(cache.size, 0);
  });

  await t.step(
    "a check that read before a change landed is not cached",
    async () => {
      const { token } = await keyFor();
      const pending = cache.check(db, token, now);
      cache.invalidate(`user:${user.id}`);
      assert.ok((await pending).ok);
      assert.equal(cache.size, 0);
      // Other nodes' feed self-tests are not changes.
      assert.ok((await cache.check(db, token, now)).ok);
      cache.invalidate("probe:someone-else");
      assert.equal(cache.size, 1);
      cache.invalidate(`key:${crypto.randomUUID()}`);
      assert.equal(cache.size, 1);
      cache.invalidate("something new");
      assert.equal(cache.size, 0, "an unknown change drops everything");
    },
  );

  await t.step(
    "a hit records the key's use at most once a minute",
    async () => {
      const { token, key } = await keyFor();
      const lastUsed = async () =>
        (await db.selectFrom("api_keys").select("last_used_at")
          .where("id", "=", key.id).executeTakeFirstOrThrow()).last_used_at
          ?.getTime();
      assert.ok((await cache.check(db, token, now)).ok);
      assert.equal(await lastUsed(), now.getTime());
      const soon = new Date(now.getTime() + 30_000);
      assert.ok((await cache.check(db, token, soon)).ok);
      const later = new Date(now.getTime() + 61_000);
      const hit = await cache.check(db, token, later);
      assert.ok(hit.ok && hit.key.lastUsedAt?.getTime() === later.getTime());
      for (let i = 0; i < 100 && await lastUsed() !== later.getTime(); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(await lastUsed(), later.getTime());
    },
  );

  await t.step("entries older than the TTL are checked again", async () => {
    const short = new ApiKeyCache({ ttlMs: 1000 });
    short.resume();
    const { token, key } = await keyFor();
    assert.ok((await short.check(db, token, now)).ok);
    await db.connection().execute(async (conn) => {
      await sql`set session_replication_role = replica`.execute(conn);
      await revokeApiKey(conn, user.id, key.id, SYSTEM);
      await sql`set session_replication_role = origin`.execute(conn);
    });
    assert.ok((await short.check(db, token, now)).ok, "still cached");
    const later = new Date(now.getTime() + 1000);
    assert.equal((await short.check(db, token, later)).ok, false);
  });

  await t.step("stopping the watch stops caching", async () => {
    await stop();
    assert.equal(cache.active, false);
    const { token } = await keyFor();
    assert.ok((await cache.check(db, token, now)).ok);
    assert.equal(cache.size, 0);
  });
});

Deno.test("a cache that is not watching changes caches nothing", async () => {
  await using tdb = await openTestDatabase();
  const user = await createUser(tdb.db, {
    email: "bob@example.com",
    name: "Bob",
  }, SYSTEM);
  const { token } = await createApiKey(tdb.db, {
    userId: user.id,
    name: "k",
  }, SYSTEM);
  const cache = new ApiKeyCache();
  assert.ok((await cache.check(tdb.db, token, new Date())).ok);
  assert.equal(cache.size, 0);
});

Deno.test("a feed whose test notification never arrives leaves the cache bypassed", async () => {
  await using tdb = await openTestDatabase();
  const lost: unknown[] = [];
  let listener: ChannelListener | undefined;
  const cache = new ApiKeyCache();
  const stop = await watchAuthChanges(
    {
      db: tdb.db,
      listen(channel, l) {
        assert.equal(channel, AUTH_CHANNEL);
        listener = l;
        l.listening(); // says it listens, but never passes anything on
        return Promise.resolve(() => Promise.resolve());
      },
    },
    cache,
    { lost: (error) => lost.push(error) },
    { confirmTimeoutMs: 100 },
  );
  assert.equal(cache.active, false);
  assert.equal(lost.length, 1);
  assert.match(String(lost[0]), /no notification came back/);
  listener?.notify("probe:stale");
  assert.equal(cache.active, false);
  await stop();
});

Deno.test({
  name: "a lost feed connection bypasses the cache until it is back",
  ignore: !Deno.env.get("TEST_DATABASE_URL"), // PGlite's feed cannot be lost
  async fn() {
    await using tdb = await openTestDatabase();
    const db = tdb.db;
    const events: string[] = [];
    const cache = new ApiKeyCache();
    const stop = await watchAuthChanges(tdb.database, cache, {
      lost: () => events.push("lost"),
      restored: () => events.push("restored"),
    });
    const user = await createUser(db, {
      email: "cy@example.com",
      name: "Cy",
    }, SYSTEM);
    const { token } = await createApiKey(db, {
      userId: user.id,
      name: "k",
    }, SYSTEM);
    assert.ok((await cache.check(db, token, new Date())).ok);
    assert.equal(cache.size, 1);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and query ilike 'LISTEN%'`
      .execute(db);
    await until(() => !cache.active, "the cache suspended");
    assert.equal(cache.size, 0);
    assert.ok((await cache.check(db, token, new Date())).ok);
    assert.equal(cache.size, 0, "nothing cached while the feed is down");
    await until(() => cache.active, "the feed reconnected");
    assert.deepEqual(events, ["lost", "restored"]);
    assert.ok((await cache.check(db, token, new Date())).ok);
    assert.equal(cache.size, 1);
    await stop();
  },
});
