import { Api } from "grammy";
import { assert } from "../deps.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { pollerNode } from "./_poller_node.ts";
import { TelegramTokenError } from "../../bot/errors.ts";

Deno.test("of two nodes sharing a KV only the lease holder polls, and each update is handled once", async () => {
  await using tg = await FakeTelegram.start();
  const kv = await Deno.openKv(":memory:");
  const a = pollerNode(tg, "a", { kv });
  const b = pollerNode(tg, "b", { kv });
  a.poller.start();
  await tg.waitFor(() => a.poller.leader);
  b.poller.start();
  await tg.waitFor(() => b.events.some((e) => e.type === "follower"));
  const sent = Array.from({ length: 10 }, (_, i) => tg.sendText(1, `m${i}`));
  await tg.waitFor(() => a.handled.length === 10);
  assert.deepEqual(a.handled, sent.map((u) => u.update_id));
  assert.deepEqual(b.handled, []);
  assert.equal(b.poller.leader, false);
  assert.equal(
    tg.callsOf("getUpdates").filter((c) => c.status === 409).length,
    0,
    "two getUpdates must never run at once",
  );

  // The holder stops: the other node takes over from the committed offset.
  await a.poller.stop();
  await tg.waitFor(() => b.poller.leader);
  const more = Array.from({ length: 5 }, (_, i) => tg.sendText(2, `n${i}`));
  await tg.waitFor(() => b.handled.length === 5);
  assert.deepEqual(b.handled, more.map((u) => u.update_id));
  assert.equal(a.handled.length, 10, "no update handled twice");
  await b.poller.stop();
  kv.close();
});

Deno.test("a 409 Conflict from Telegram is retried with backoff instead of crashing", async () => {
  await using tg = await FakeTelegram.start();
  const kv = await Deno.openKv(":memory:");
  const a = pollerNode(tg, "a", { kv });
  tg.failNext("getUpdates", 4, { code: 409 });
  const done = a.poller.start();
  const update = tg.sendText(1, "hello");
  await tg.waitFor(() => a.handled.length === 1);
  assert.deepEqual(a.handled, [update.update_id]);
  const conflicts = a.events.filter((e) => e.type === "conflict");
  assert.equal(conflicts.length, 4);
  assert.deepEqual(
    conflicts.map((e) => e.type === "conflict" && e.retryInMs),
    [10, 20, 40, 80],
  );
  await a.poller.stop();
  await done;
  kv.close();
});

Deno.test("a webhook left set makes getUpdates conflict until it is deleted", async () => {
  await using tg = await FakeTelegram.start();
  const kv = await Deno.openKv(":memory:");
  const api = new Api(tg.token, { apiRoot: tg.apiRoot });
  await api.setWebhook("https://example.invalid/hook");
  const a = pollerNode(tg, "a", { kv });
  a.poller.start();
  await tg.waitFor(() => a.events.some((e) => e.type === "conflict"));
  await api.deleteWebhook();
  tg.sendText(3, "after");
  await tg.waitFor(() => a.handled.length === 1);
  await a.poller.stop();
  kv.close();
});

Deno.test("a wrong token ends polling with TelegramTokenError naming the variable", async () => {
  await using tg = await FakeTelegram.start();
  const kv = await Deno.openKv(":memory:");
  const a = pollerNode(tg, "a", {
    kv,
    token: "999:wrong-token-wrong-token-wrong",
  });
  const error = await a.poller.start().then(() => undefined, (e) => e);
  assert.ok(error instanceof TelegramTokenError);
  assert.match(error.message, /TELEGRAM_BOT_TOKEN/);
  assert.equal(a.poller.leader, false, "the lease is given back");
  await a.poller.stop();
  kv.close();
});

Deno.test("a batch whose handler fails is fetched again, not skipped", async () => {
  await using tg = await FakeTelegram.start();
  const kv = await Deno.openKv(":memory:");
  let failures = 2;
  const a = pollerNode(tg, "a", {
    kv,
    failHandle: () => failures-- > 0,
  });
  a.poller.start();
  const update = tg.sendText(1, "keep me");
  await tg.waitFor(() => a.handled.length === 1);
  assert.deepEqual(a.handled, [update.update_id]);
  assert.equal(a.events.filter((e) => e.type === "error").length, 2);
  await a.poller.stop();
  kv.close();
});

Deno.test("update ids that restart lower are followed, reported, and survive a change of poller", async () => {
  await using tg = await FakeTelegram.start({ firstUpdateId: 5000 });
  const kv = await Deno.openKv(":memory:");
  const a = pollerNode(tg, "a", { kv });
  a.poller.start();
  const before = [tg.sendText(1, "one"), tg.sendText(1, "two")];
  await tg.waitFor(() => a.handled.length === 2);
  assert.deepEqual(a.handled, before.map((u) => u.update_id));
  assert.equal(a.poller.offset, 5002);

  tg.restart({ fromId: 1 });
  const after = [tg.sendText(1, "three"), tg.sendText(2, "four")];
  await tg.waitFor(() => a.handled.length === 4);
  assert.deepEqual(a.handled.slice(2), [1, 2]);
  const resets = a.events.filter((e) => e.type === "reset");
  assert.equal(resets.length, 1);
  assert.deepEqual(resets[0], {
    type: "reset",
    previousOffset: 5002,
    firstUpdateId: after[0]!.update_id,
  });
  assert.equal(a.poller.offset, 3, "the offset followed the new ids down");
  await a.poller.stop();

  // Another node takes over from the stored (lower) offset: nothing is
  // fetched twice, new updates keep coming.
  const b = pollerNode(tg, "b", { kv });
  b.poller.start();
  const later = tg.sendText(1, "five");
  await tg.waitFor(() => b.handled.length === 1);
  assert.deepEqual(b.handled, [later.update_id]);
  assert.equal(b.events.filter((e) => e.type === "reset").length, 0);
  await b.poller.stop();
  kv.close();
});
