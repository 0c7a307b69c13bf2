/**
 * The bot never goes deaf and never loses a reply: update ids that restart
 * lower, re-delivered updates, replies pending across a restart without a
 * drain, and 429s, all end to end through grammY, the poller, the chat
 * actors and the fake Bot API.
 */
import { assert } from "../deps.ts";
import { openTestDatabase } from "../storage/_db.ts";
import { openRig, type Rig, type RigOptions } from "./_harness.ts";

Deno.test("the Telegram bot stays reachable and loses no reply", async (t) => {
  await using tdb = await openTestDatabase();

  async function withRig(
    name: string,
    fn: (rig: Rig) => Promise<void>,
    options: Omit<RigOptions, "db"> = {},
  ) {
    await t.step(name, async () => {
      await tdb.reset();
      const rig = await openRig({ db: tdb.db, ...options });
      try {
        await fn(rig);
      } finally {
        await rig.close();
      }
    });
  }

  await withRig(
    "after the Bot API restarts its update ids from 1, every chat is answered again and the reset is logged",
    async (rig) => {
      const chats = [301, 302, 303];
      for (const chat of chats) {
        const [reply] = await rig.say(chat, "/help");
        assert.match(reply!, /Commands/);
      }
      const offsetBefore = rig.telegram.poller!.offset;
      assert.ok(offsetBefore > 1000, "ids so far were in the thousands");

      rig.tg.restart({ fromId: 1 });
      for (const chat of chats) {
        const update = rig.tg.sendText(chat, "/help");
        assert.ok(update.update_id < 10, "the new ids start low");
        const texts = await rig.tg.waitForMessages(chat, 2);
        assert.match(texts[1]!, /Commands/);
      }
      // And the conversation goes on with the new ids.
      for (const chat of chats) {
        const [reply] = await rig.say(chat, "/nonsense");
        assert.match(reply!, /I do not know \/nonsense/);
      }
      assert.ok(
        rig.logs.some((l) =>
          l.level === "warn" && /update ids restarted lower/.test(l.message)
        ),
        `a warning says the reset was detected: ${JSON.stringify(rig.logs)}`,
      );
      assert.ok(rig.telegram.poller!.offset < 100, "the offset followed down");
      for (const chat of chats) {
        assert.equal(rig.tg.messages(chat).length, 3, "no reply twice");
      }
    },
    { firstUpdateId: 1000 },
  );

  await withRig(
    "an update delivered several times is answered once",
    async (rig) => {
      const update = rig.tg.sendText(311, "/help");
      await rig.tg.waitForMessages(311, 1);
      // A webhook retry, or a poller that crashed before confirming.
      await rig.telegram.route(update);
      await rig.telegram.route(update);
      // The same message under a new update id (ids restarted meanwhile).
      await rig.telegram.route({ ...update, update_id: 1 });
      const next = rig.tg.sendText(311, "/start");
      await rig.settled(311, next);
      await rig.telegram.outbox.idle();
      const texts = rig.tg.texts(311);
      assert.equal(texts.length, 2, JSON.stringify(texts));
      assert.match(texts[0]!, /Commands/);
      assert.match(texts[1]!, /Hello/);
    },
  );

  await withRig(
    "replies pending when the node stops without draining arrive after the restart, once each",
    async (rig) => {
      const chats = [321, 322, 323];
      // Telegram is failing: the replies cannot leave.
      rig.tg.failNext("sendMessage", 10_000, { code: 500 });
      const updates = chats.map((chat) => rig.tg.sendText(chat, "/help"));
      await rig.tg.waitFor(
        () =>
          chats.every((chat) =>
            rig.tg.callsOf("sendMessage").some((c) =>
              Number(c.params.chat_id) === chat
            )
          ),
        { describe: () => "every chat's reply was tried" },
      );
      await rig.restart({
        drainMs: 0,
        between: () => {
          assert.equal(
            chats.flatMap((chat) => rig.tg.messages(chat)).length,
            0,
            "nothing was delivered before the restart",
          );
          rig.tg.clearFaults();
        },
      });
      for (const chat of chats) {
        const texts = await rig.tg.waitForMessages(chat, 1);
        assert.match(texts[0]!, /Commands/);
      }
      for (const [i, chat] of chats.entries()) {
        await rig.settled(chat, updates[i]!);
      }
      await rig.telegram.outbox.idle();
      for (const chat of chats) {
        assert.equal(rig.tg.messages(chat).length, 1, `chat ${chat}: once`);
      }
    },
    {
      bot: {
        replyRetryMs: 300,
        outbox: {
          perChatIntervalMs: 0,
          globalPerSecond: Infinity,
          backoffMs: 50,
          maxBackoffMs: 200,
        },
      },
    },
  );

  await withRig(
    "429 answers delay replies but lose none, also across a restart",
    async (rig) => {
      rig.tg.failNext("sendMessage", 6, { code: 429, retryAfter: 1 });
      const first = rig.tg.sendText(331, "/help");
      await rig.tg.waitFor(
        () => rig.tg.callsOf("sendMessage").some((c) => c.status === 429),
        { describe: () => "a 429 was answered" },
      );
      await rig.restart({ drainMs: 0 });
      const second = rig.tg.sendText(331, "/start");
      const texts = await rig.tg.waitForMessages(331, 2, 20_000);
      assert.match(texts[0]!, /Commands/, "in order: the first reply first");
      assert.match(texts[1]!, /Hello/);
      await rig.settled(331, first);
      await rig.settled(331, second);
      await rig.telegram.outbox.idle();
      assert.equal(rig.tg.messages(331).length, 2, "each reply once");
      assert.ok(
        rig.tg.callsOf("sendMessage").filter((c) => c.status === 429)
          .length >= 2,
        "Telegram's 429s were waited out",
      );
    },
    { bot: { replyRetryMs: 300 } },
  );
});
