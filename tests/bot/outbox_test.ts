import { Api } from "grammy";
import { assert } from "../deps.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { Outbox, type OutgoingMessage } from "../../bot/outbox.ts";
import { ManualClock } from "../../runtime/clock.ts";

function apiFor(tg: FakeTelegram): Api {
  return new Api(tg.token, { apiRoot: tg.apiRoot });
}

/** Advances the clock in steps until `done()` holds (at most `maxMs` of fake time). */
async function advanceUntil(
  clock: ManualClock,
  done: () => boolean,
  maxMs = 120_000,
  stepMs = 100,
): Promise<void> {
  for (let t = 0; t <= maxMs && !done(); t += stepMs) {
    await clock.advance(stepMs);
    // Let loopback HTTP round trips finish between steps.
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.ok(done(), `condition not reached within ${maxMs} ms of fake time`);
}

Deno.test("outbox delivers one chat's messages in order, one per interval", async () => {
  await using tg = await FakeTelegram.start();
  const clock = new ManualClock(1_000_000);
  const outbox = new Outbox({
    api: apiFor(tg),
    clock,
    perChatIntervalMs: 1000,
  });
  const delivered = ["one", "two", "three"].map((text) =>
    outbox.enqueue({ type: "send", chatId: 7, text })
  );
  await tg.waitForMessages(7, 1);
  await clock.advance(500);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(
    tg.messages(7).length,
    1,
    "second message left before the interval",
  );
  await advanceUntil(clock, () => tg.messages(7).length === 3);
  assert.deepEqual(tg.texts(7), ["one", "two", "three"]);
  assert.deepEqual(await Promise.all(delivered), [true, true, true]);
  assert.deepEqual(await outbox.close(), []);
});

Deno.test("a 429 in one chat waits retry_after there and does not hold up other chats", async () => {
  await using tg = await FakeTelegram.start();
  const clock = new ManualClock(0);
  const limited: number[] = [];
  const outbox = new Outbox({
    api: apiFor(tg),
    clock,
    perChatIntervalMs: 1000,
    onRateLimited: (_m, s) => limited.push(s),
  });
  tg.failNext("sendMessage", 2, { code: 429, retryAfter: 30, chatId: 1 });
  for (const text of ["a1", "a2", "a3"]) {
    outbox.enqueue({ type: "send", chatId: 1, text });
  }
  for (const text of ["b1", "b2", "b3"]) {
    outbox.enqueue({ type: "send", chatId: 2, text });
  }
  await advanceUntil(clock, () => tg.messages(2).length === 3);
  assert.equal(
    tg.messages(1).length,
    0,
    "chat 1 must still be waiting out its 429",
  );
  assert.ok(clock.now() < 30_000);
  await advanceUntil(clock, () => tg.messages(1).length === 3, 120_000, 1000);
  assert.ok(clock.now() >= 60_000, "two retry_after waits of 30 s each");
  assert.deepEqual(tg.texts(1), ["a1", "a2", "a3"]);
  assert.deepEqual(tg.texts(2), ["b1", "b2", "b3"]);
  assert.deepEqual(limited, [30, 30]);
  assert.equal(outbox.stats.rateLimited, 2);
  await outbox.close();
});

Deno.test("a 429 storm across many chats loses no message and keeps each chat's order", async () => {
  await using tg = await FakeTelegram.start();
  const clock = new ManualClock(0);
  const outbox = new Outbox({
    api: apiFor(tg),
    clock,
    perChatIntervalMs: 1000,
    globalPerSecond: Infinity,
  });
  const chats = Array.from({ length: 20 }, (_, i) => 100 + i);
  tg.failNext("sendMessage", 60, { code: 429, retryAfter: 2 });
  for (let n = 0; n < 5; n++) {
    for (const chat of chats) {
      outbox.enqueue({ type: "send", chatId: chat, text: `${chat}-${n}` });
    }
  }
  await advanceUntil(
    clock,
    () => chats.every((c) => tg.messages(c).length === 5),
    600_000,
    250,
  );
  for (const chat of chats) {
    assert.deepEqual(
      tg.texts(chat),
      [0, 1, 2, 3, 4].map((n) => `${chat}-${n}`),
    );
  }
  assert.equal(outbox.stats.rateLimited, 60);
  assert.equal(
    tg.callsOf("sendMessage").filter((c) => c.status === 429).length,
    60,
  );
  assert.equal(outbox.pending, 0);
  await outbox.close();
});

Deno.test("server errors are retried with backoff until delivered", async () => {
  await using tg = await FakeTelegram.start();
  const clock = new ManualClock(0);
  const outbox = new Outbox({ api: apiFor(tg), clock, backoffMs: 100 });
  tg.failNext("sendMessage", 3, { code: 500 });
  const delivered = outbox.enqueue({ type: "send", chatId: 5, text: "hello" });
  await advanceUntil(clock, () => tg.messages(5).length === 1);
  assert.equal(await delivered, true);
  assert.equal(outbox.stats.retried, 3);
  await outbox.close();
});

Deno.test("a message Telegram refuses for good is dropped and reported, the next one still goes", async () => {
  await using tg = await FakeTelegram.start();
  const dropped: OutgoingMessage[] = [];
  const outbox = new Outbox({
    api: apiFor(tg),
    perChatIntervalMs: 0,
    onDropped: (m) => dropped.push(m),
  });
  const bad = outbox.enqueue({
    type: "send",
    chatId: 3,
    text: "<blink>no</blink>",
  });
  const good = outbox.enqueue({ type: "send", chatId: 3, text: "<b>yes</b>" });
  assert.equal(await bad, false);
  assert.equal(await good, true);
  assert.equal(dropped.length, 1);
  assert.deepEqual(tg.texts(3), ["yes"]);
  await outbox.close();
});

Deno.test("edits and callback answers go through; an unchanged edit counts as delivered", async () => {
  await using tg = await FakeTelegram.start();
  const outbox = new Outbox({ api: apiFor(tg), perChatIntervalMs: 0 });
  await outbox.enqueue({ type: "send", chatId: 9, text: "first" });
  const messageId = tg.messages(9)[0]!.messageId;
  assert.equal(
    await outbox.enqueue({
      type: "edit",
      chatId: 9,
      messageId,
      text: "second",
    }),
    true,
  );
  assert.equal(
    await outbox.enqueue({
      type: "edit",
      chatId: 9,
      messageId,
      text: "second",
    }),
    true,
  );
  const queryId = tg.pressButton(9, "v1:cancel:x", { messageId });
  assert.equal(
    await outbox.enqueue({
      type: "answer",
      callbackQueryId: queryId,
      text: "ok",
    }),
    true,
  );
  assert.deepEqual(tg.texts(9), ["second"]);
  assert.deepEqual(tg.messages(9)[0]!.edits, ["first"]);
  assert.equal(tg.callbackAnswers[0]?.text, "ok");
  await outbox.close();
});

Deno.test("close gives back what it could not deliver in time", async () => {
  await using tg = await FakeTelegram.start();
  const clock = new ManualClock(0);
  const outbox = new Outbox({
    api: apiFor(tg),
    clock,
    perChatIntervalMs: 1000,
  });
  const first = outbox.enqueue({ type: "send", chatId: 4, text: "now" });
  const second = outbox.enqueue({ type: "send", chatId: 4, text: "later" });
  assert.equal(await first, true);
  const left = await outbox.close({ drainMs: 0 });
  assert.deepEqual(left.map((m) => m.type === "send" && m.text), ["later"]);
  assert.equal(await second, false);
  assert.equal(
    await outbox.enqueue({ type: "send", chatId: 4, text: "x" }),
    false,
  );
});

Deno.test("a keyed reply is sent once: again while in flight or just acknowledged is not sent twice", async () => {
  await using tg = await FakeTelegram.start();
  const outbox = new Outbox({
    api: apiFor(tg),
    perChatIntervalMs: 0,
    backoffMs: 10,
  });
  tg.failNext("sendMessage", 2, { code: 500 });
  const message: OutgoingMessage = { type: "send", chatId: 12, text: "once" };
  const first = outbox.send("12:1", message);
  const again = outbox.send("12:1", message);
  assert.equal(await first, "sent");
  assert.equal(await again, "sent");
  // A retry that crosses the acknowledgement (the chat has not yet removed it).
  assert.equal(await outbox.send("12:1", message), "sent");
  assert.deepEqual(tg.texts(12), ["once"]);
  assert.equal(
    tg.callsOf("sendMessage").filter((c) => c.status === 200).length,
    1,
  );
  // A reply Telegram refuses for good reports so, and is not retried.
  assert.equal(
    await outbox.send("12:2", { type: "send", chatId: 12, text: "<nope>" }),
    "dropped",
  );
  await outbox.close();
  // Closed: nothing leaves, and the caller keeps it pending.
  assert.equal(
    await outbox.send("12:3", { type: "send", chatId: 12, text: "late" }),
    "unsent",
  );
});
