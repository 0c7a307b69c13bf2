/**
 * The Telegram poller's lease and offset on PostgreSQL (PGlite here; a real
 * server when TEST_DATABASE_URL is set): the store on its own, then two
 * real pollers against the fake Bot API competing through it.
 */
import { sql } from "kysely";
import { assert } from "../deps.ts";
import { openTestDatabase } from "./_db.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { PgPollerStore } from "../../storage/telegram_pollers.ts";
import { pollerNode } from "../bot/_poller_node.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { Db } from "../../storage/schema.ts";

const BOT = 4242;

function take(
  store: PgPollerStore,
  nodeId: string,
  now: number,
  heldFence?: number,
) {
  return store.acquire({ botId: BOT, nodeId, heldFence, now, ttlMs: 1000 });
}

async function row(db: Db, botId = BOT) {
  return await db.selectFrom("telegram_pollers").selectAll()
    .where("bot_id", "=", botId).executeTakeFirst();
}

Deno.test("telegram poller lease on PostgreSQL", async (t) => {
  await using tdb = await openTestDatabase();
  const store = new PgPollerStore(tdb.db);

  await t.step(
    "one of two nodes wins; the other follows until expiry, then takes over",
    async () => {
      await tdb.reset();
      const a = await take(store, "a", 0);
      assert.deepEqual(a, {
        type: "leader",
        fence: 1,
        renewed: false,
        offset: undefined,
      });
      const b = await take(store, "b", 10);
      assert.deepEqual(b, { type: "follower", holder: "a", expiresAt: 1000 });
      // a renews under its fence: same fence, later expiry.
      assert.deepEqual(await take(store, "a", 500, 1), {
        type: "leader",
        fence: 1,
        renewed: true,
        offset: undefined,
      });
      assert.equal((await take(store, "b", 1400)).type, "follower");
      // a stops renewing (paused, dead): after expiry b takes it, new fence.
      const later = await take(store, "b", 1501);
      assert.deepEqual(later, {
        type: "leader",
        fence: 2,
        renewed: false,
        offset: undefined,
      });
    },
  );

  await t.step(
    "a stale holder's offset write and renewal are refused by the fence",
    async () => {
      await tdb.reset();
      await take(store, "a", 0);
      assert.equal(await store.commitOffset(BOT, "a", 1, 100), true);
      await take(store, "b", 2000); // a's lease expired: b holds fence 2
      assert.equal(
        await store.commitOffset(BOT, "a", 1, 50),
        false,
        "a write under the old fence",
      );
      assert.equal((await row(tdb.db))?.update_offset, 100);
      assert.equal(await store.commitOffset(BOT, "b", 2, 120), true);
      const stale = await take(store, "a", 2100, 1);
      assert.deepEqual(stale, {
        type: "follower",
        holder: "b",
        expiresAt: 3000,
      });
      // b's own commit under a fence it never held is refused too.
      assert.equal(await store.commitOffset(BOT, "b", 1, 7), false);
      assert.equal(Number((await row(tdb.db))?.update_offset), 120);
    },
  );

  await t.step(
    "release frees the lease but keeps fence and offset",
    async () => {
      await tdb.reset();
      await take(store, "a", 0);
      await store.commitOffset(BOT, "a", 1, 77);
      await store.release(BOT, "b", 1); // not b's: nothing happens
      assert.equal((await row(tdb.db))?.owner, "a");
      await store.release(BOT, "a", 1);
      const free = await row(tdb.db);
      assert.equal(free?.owner, null);
      assert.equal(Number(free?.fence), 1);
      const b = await take(store, "b", 10);
      assert.deepEqual(b, {
        type: "leader",
        fence: 2,
        renewed: false,
        offset: 77,
      });
    },
  );

  await t.step(
    "a node restarted under the same id takes its lease back under a new fence",
    async () => {
      await tdb.reset();
      await take(store, "a", 0);
      const again = await take(store, "a", 10); // no fence held: a fresh start
      assert.deepEqual(again, {
        type: "leader",
        fence: 2,
        renewed: false,
        offset: undefined,
      });
      assert.equal(await store.commitOffset(BOT, "a", 1, 5), false);
    },
  );

  await t.step(
    "many nodes taking the lease at once: exactly one leader",
    async () => {
      await tdb.reset();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => take(store, `n${i}`, 0)),
      );
      const leaders = results.filter((r) => r.type === "leader");
      assert.equal(leaders.length, 1, JSON.stringify(results));
      const holder = (await row(tdb.db))?.owner;
      assert.ok(holder);
      for (const r of results) {
        if (r.type === "follower") assert.equal(r.holder, holder);
      }
    },
  );

  await t.step("the table is in the schema's reset list", async () => {
    await take(store, "a", 0);
    await tdb.reset();
    const left = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM telegram_pollers`.execute(tdb.db);
    assert.equal(left.rows[0]?.n, 0);
  });
});

Deno.test("two pollers on one PostgreSQL: one polls, the other takes over from the stored offset", async () => {
  await using tdb = await openTestDatabase();
  await using tg = await FakeTelegram.start();
  const store = new PgPollerStore(tdb.db);
  const a = pollerNode(tg, "a", { store });
  const b = pollerNode(tg, "b", { store });
  a.poller.start();
  await tg.waitFor(() => a.poller.leader);
  b.poller.start();
  await tg.waitFor(() => b.events.some((e) => e.type === "follower"));
  const sent = Array.from({ length: 6 }, (_, i) => tg.sendText(1, `m${i}`));
  await tg.waitFor(() => a.handled.length === 6);
  assert.deepEqual(a.handled, sent.map((u) => u.update_id));
  assert.deepEqual(b.handled, []);
  assert.equal(
    tg.callsOf("getUpdates").filter((c) => c.status === 409).length,
    0,
    "two getUpdates must never run at once",
  );

  await a.poller.stop();
  await tg.waitFor(() => b.poller.leader);
  const leader = b.events.find((e) => e.type === "leader");
  assert.deepEqual(leader, {
    type: "leader",
    fence: 2,
    offset: sent.at(-1)!.update_id + 1,
  });
  const more = [tg.sendText(2, "n0"), tg.sendText(2, "n1")];
  await tg.waitFor(() => b.handled.length === 2);
  assert.deepEqual(b.handled, more.map((u) => u.update_id));
  assert.equal(a.handled.length, 6, "no update handled twice");
  await b.poller.stop();
});

Deno.test("a poller whose lease expired (a pause, here a clock behind) loses it and steps down", async () => {
  await using tdb = await openTestDatabase();
  await using tg = await FakeTelegram.start();
  const store = new PgPollerStore(tdb.db);
  const a = pollerNode(tg, "a", { store });
  a.poller.start();
  await tg.waitFor(() => a.poller.leader);
  const first = tg.sendText(1, "before");
  await tg.waitFor(() => a.handled.length === 1);
  // b's clock is 10 s ahead: to b, a's 2 s lease ran out long ago, as it
  // would have if a had been paused that long.
  const ahead: Clock = {
    now: () => Date.now() + 10_000,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id as number),
  };
  const b = pollerNode(tg, "b", { store, clock: ahead });
  b.poller.start();
  await tg.waitFor(() => b.poller.leader);
  assert.deepEqual(b.events.find((e) => e.type === "leader"), {
    type: "leader",
    fence: 2,
    offset: first.update_id + 1,
  });
  await tg.waitFor(() =>
    a.events.some((e) => e.type === "lease_lost") && !a.poller.leader
  );
  await tg.waitFor(() => a.events.some((e) => e.type === "follower"));
  const after = tg.sendText(1, "after");
  await tg.waitFor(() => b.handled.includes(after.update_id));
  const stored = await row(tdb.db, Number(tg.token.split(":")[0]));
  assert.equal(stored?.owner, "b");
  assert.equal(Number(stored?.fence), 2);
  assert.equal(Number(stored?.update_offset), after.update_id + 1);
  await a.poller.stop();
  await b.poller.stop();
});
