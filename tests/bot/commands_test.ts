import { assert } from "../deps.ts";
import { openTestDatabase } from "../storage/_db.ts";
import { openRig, type Rig } from "./_harness.ts";
import { BOT_COMMANDS } from "../../bot/format.ts";
import { createBuild, updateBuild } from "../../storage/builds.ts";
import {
  createTelegramLinkCode,
  getTelegramUser,
} from "../../storage/telegram_users.ts";
import { createUser, getUserByEmail } from "../../storage/users.ts";
import { listAuditLogs } from "../../storage/audit.ts";
import { encodeCallback } from "../../bot/keyboards.ts";
import type { Db } from "../../storage/schema.ts";
import type { BotOptions } from "../../bot/mod.ts";
import type { Clock } from "../../runtime/clock.ts";
import { PostgresStateStore } from "../../storage/state_store.ts";
import type { ChatState } from "../../actors/chat.ts";

Deno.test("telegram commands end to end through grammY and the chat actors", async (t) => {
  await using tdb = await openTestDatabase();

  async function withRig(
    name: string,
    fn: (rig: Rig, db: Db) => Promise<void>,
    bot: Partial<BotOptions> = {},
  ) {
    await t.step(name, async () => {
      await tdb.reset();
      const rig = await openRig({ db: tdb.db, bot });
      try {
        await fn(rig, tdb.db);
      } finally {
        await rig.close();
      }
    });
  }

  await withRig(
    "commands are registered with setMyCommands at start",
    (rig) => {
      assert.deepEqual(
        rig.tg.commands.map((c) => c.command),
        BOT_COMMANDS.map((c) => c.command),
      );
      return Promise.resolve();
    },
  );

  await withRig("/start welcomes and explains how to link", async (rig) => {
    const [reply] = await rig.say(11, "/start", {
      from: { first_name: "Ada" },
    });
    assert.match(reply!, /Hello, Ada/);
    assert.match(reply!, /POST \/v1\/telegram\/link-code/);
    assert.match(reply!, /\/link <code>/);
    const account = await getTelegramUser(rig.db, 11);
    assert.equal(account?.chatId, 11, "the account is remembered, unlinked");
    assert.equal(account?.userId, null);
  });

  await withRig(
    "/help lists the commands; unknown commands and free text get a helpful reply",
    async (rig) => {
      const [help] = await rig.say(12, "/help");
      for (const c of ["/build", "/status", "/history", "/link", "/help"]) {
        assert.ok(help!.includes(c), `help mentions ${c}`);
      }
      assert.ok(!help!.includes("/admin"), "admin help only for admins");
      const [unknown] = await rig.say(12, "/frobnicate");
      assert.match(unknown!, /I do not know \/frobnicate.*\/help/s);
      const [free] = await rig.say(12, "hello there");
      assert.match(free!, /\/build <project>.*\/help/s);
    },
  );

  await withRig(
    "unlinked users cannot build, and are told how to link",
    async (rig) => {
      const [reply] = await rig.say(13, "/build todo-api");
      assert.match(reply!, /linked account/);
      assert.match(reply!, /\/link <code>/);
      const [status] = await rig.say(13, "/status");
      assert.match(status!, /Link your account first/);
    },
  );

  await withRig(
    "/link links with a valid code once; reused and expired codes are refused; linking is audited",
    async (rig, db) => {
      const user = await createUser(db, {
        email: "ada@example.com",
        name: "Ada",
      }, {
        actorUserId: null,
      });
      const { code } = await createTelegramLinkCode(db, user.id, {
        actorUserId: user.id,
      });
      const [ok] = await rig.say(21, `/link ${code}`);
      assert.match(ok!, /Linked to ada@example.com/);
      const audits = await listAuditLogs(db, { action: "telegram.link" });
      assert.equal(audits.length, 1);
      assert.equal(audits[0]!.actorUserId, user.id);
      assert.equal(audits[0]!.target, "21");

      // The same code again, from another account: refused.
      const [reused] = await rig.say(22, `/link ${code}`);
      assert.match(reused!, /unknown, already used or expired/);
      const [notLinked] = await rig.say(22, "/history");
      assert.match(notLinked!, /Link your account first/);

      // An expired code.
      const expired = await createTelegramLinkCode(db, user.id, {
        actorUserId: user.id,
        now: new Date(Date.now() - 3_600_000),
      });
      const [late] = await rig.say(23, `/link ${expired.code}`);
      assert.match(late!, /unknown, already used or expired/);
      const [noCode] = await rig.say(23, "/link");
      assert.match(noCode!, /\/link ABCD1234/);

      // Unlinking is audited too.
      const [unlinked] = await rig.say(21, "/unlink");
      assert.match(unlinked!, /no longer linked/);
      assert.equal(
        (await listAuditLogs(db, { action: "telegram.unlink" })).length,
        1,
      );
    },
  );

  await withRig(
    "/status and /history show the user's own builds only",
    async (rig, db) => {
      const ada = await rig.linkedUser(31, { email: "ada@example.com" });
      const bob = await rig.linkedUser(32, { email: "bob@example.com" });
      const adaBuilds = [];
      // A second apart: PGlite's clock has millisecond resolution, so builds
      // made in a tight loop could share a creation time.
      const t0 = Date.now() - 60_000;
      for (let i = 0; i < 12; i++) {
        adaBuilds.push(
          await createBuild(db, {
            userId: ada.id,
            project: `p<${i}>`,
            language: "typescript",
            requirements: "r",
            source: "api",
          }, { actorUserId: ada.id, now: new Date(t0 + i * 1000) }),
        );
      }
      await updateBuild(db, adaBuilds[11]!.id, { status: "analyzing" });
      const bobBuild = await createBuild(db, {
        userId: bob.id,
        project: "bobs",
        language: "javascript",
        requirements: "r",
        source: "api",
      }, { actorUserId: bob.id });

      const [latest] = await rig.say(31, "/status");
      assert.match(
        latest!,
        /p<11>/,
        "latest build, HTML-escaped project shown as typed",
      );
      assert.match(latest!, /Status: analyzing/);
      // The refresh button under it re-reads the build and edits the message.
      const statusMessage = rig.tg.messages(31).at(-1)!;
      await updateBuild(db, adaBuilds[11]!.id, { status: "planning" });
      const refreshed = await rig.press(
        31,
        encodeCallback({ type: "refresh", buildId: adaBuilds[11]!.id }),
        { messageId: statusMessage.messageId },
      );
      assert.equal(refreshed, "Status: planning");
      await rig.tg.waitFor(() => statusMessage.edits.length === 1);
      assert.match(statusMessage.text, /Status: <b>planning<\/b>/);
      // Bob cannot refresh Ada's build.
      const foreignRefresh = await rig.press(
        31,
        encodeCallback({ type: "refresh", buildId: adaBuilds[11]!.id }),
        { from: { id: 32 } },
      );
      assert.match(foreignRefresh!, /cannot show/);
      const [byId] = await rig.say(
        31,
        `/status ${adaBuilds[3]!.id.slice(0, 8)}`,
      );
      assert.match(byId!, /p<3>/);
      const [full] = await rig.say(31, `/status ${adaBuilds[4]!.id}`);
      assert.match(full!, /p<4>/);
      const [foreign] = await rig.say(31, `/status ${bobBuild.id}`);
      assert.match(foreign!, /found no build/);
      const [bad] = await rig.say(31, "/status nope!");
      assert.match(bad!, /Build ids look like/);

      const [history] = await rig.say(31, "/history");
      const lines = history!.split("\n").filter((l) => /p<\d+>/.test(l));
      assert.equal(lines.length, 10, "last 10 only");
      assert.match(lines[0]!, /p<11>/);
      assert.ok(!history!.includes("bobs"));

      const [empty] = await rig.say(33, "/start");
      assert.match(empty!, /link/);
      const [bobHistory] = await rig.say(32, "/history");
      assert.match(bobHistory!, /bobs/);
    },
  );

  await withRig(
    "/admin is refused to others and works for admins: stats, quota change (audited), failures",
    async (rig, db) => {
      await rig.linkedUser(41, { email: "plain@example.com" });
      const [refused] = await rig.say(41, "/admin");
      assert.match(refused!, /only for administrators/);
      const [refusedQuota] = await rig.say(
        41,
        "/admin quota plain@example.com 99",
      );
      assert.match(refusedQuota!, /only for administrators/);
      assert.equal(
        (await getUserByEmail(db, "plain@example.com"))!.dailyBuildQuota,
        50,
      );

      // An admin by role.
      const admin = await rig.linkedUser(42, {
        email: "root@example.com",
        role: "admin",
      });
      const [stats] = await rig.say(42, "/admin");
      assert.match(stats!, /Users: 2/);
      const [quota] = await rig.say(42, "/admin quota plain@example.com 7");
      assert.match(quota!, /now 7/);
      assert.equal(
        (await getUserByEmail(db, "plain@example.com"))!.dailyBuildQuota,
        7,
      );
      const audit = await listAuditLogs(db, { action: "telegram.admin.quota" });
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actorUserId, admin.id);
      const [missing] = await rig.say(42, "/admin quota nobody@example.com 7");
      assert.match(missing!, /found no user/);
      const [usage] = await rig.say(42, "/admin quota plain@example.com lots");
      assert.match(usage!, /Usage/);

      const failed = await createBuild(db, {
        userId: admin.id,
        project: "broken",
        language: "typescript",
        requirements: "r",
        source: "api",
      }, { actorUserId: admin.id });
      await updateBuild(db, failed.id, {
        status: "failed",
        error: "tests <failed> 3 times",
      });
      const [failures] = await rig.say(42, "/admin failures");
      assert.match(failures!, /broken: tests <failed> 3 times/);
      const [help] = await rig.say(42, "/help");
      assert.match(help!, /\/admin/);
    },
  );

  await withRig(
    "TELEGRAM_ADMIN_IDS grant /admin without a linked admin account",
    async (rig) => {
      const [stats] = await rig.say(4242, "/admin stats");
      assert.match(stats!, /Troupe stats/);
    },
    { adminIds: [4242] },
  );

  await withRig(
    "a user over the rate limit gets a polite reply",
    async (rig) => {
      for (let i = 0; i < 3; i++) await rig.say(51, "/help");
      const [limited] = await rig.say(51, "/help");
      assert.match(
        limited!,
        /faster than I can take them \(at most 3 a minute\).*try again in \d+ s/,
      );
      const [other] = await rig.say(52, "/help");
      assert.match(other!, /Commands/, "other users are not affected");
      // More messages while limited get no second reply.
      rig.tg.sendText(51, "/help");
      const last = rig.tg.sendText(51, "/start");
      const store = new PostgresStateStore(rig.db);
      const identity = `m:${last.message!.message_id}:${last.message!.date}`;
      const settled = (state: ChatState | undefined) =>
        state !== undefined && state.seen.includes(identity) &&
        state.outbox.length === 0;
      for (let i = 0; i < 500; i++) {
        const saved = await store.load("chat", "51");
        if (settled(saved?.state as ChatState | undefined)) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const saved = await store.load("chat", "51");
      assert.ok(
        settled(saved?.state as ChatState),
        "the last message was handled and no reply is pending",
      );
      await rig.telegram.outbox.idle();
      assert.equal(
        rig.tg.messages(51).length,
        4,
        "one polite reply while limited",
      );
    },
    { rateLimitPerMinute: 3 },
  );

  await withRig(
    "two chats interleaved are each answered in their own order",
    async (rig) => {
      const n = 15;
      for (let i = 0; i < n; i++) {
        rig.tg.sendText(61, `/a${i}`);
        rig.tg.sendText(62, `/b${i}`);
      }
      const a = await rig.tg.waitForMessages(61, n);
      const b = await rig.tg.waitForMessages(62, n);
      assert.deepEqual(
        a.map((t) => /\/(a\d+)/.exec(t)?.[1]),
        Array.from({ length: n }, (_, i) => `a${i}`),
      );
      assert.deepEqual(
        b.map((t) => /\/(b\d+)/.exec(t)?.[1]),
        Array.from({ length: n }, (_, i) => `b${i}`),
      );
    },
    { rateLimitPerMinute: 100 },
  );

  await withRig(
    "stale, foreign and unknown buttons are answered politely",
    async (rig) => {
      await rig.linkedUser(71);
      const [ask] = await rig.say(71, "/build first");
      assert.match(ask!, /Which language/);
      // A second wizard makes the first one's buttons stale.
      await rig.say(71, "/build second");
      const stale = await rig.press(
        71,
        encodeCallback({
          type: "language",
          nonce: "w1",
          language: "typescript",
        }),
        { messageId: 2 },
      );
      assert.match(stale!, /expired/);
      const unknown = await rig.press(71, "v0:something-old");
      assert.match(unknown!, /no longer in use/);
      const forged = await rig.press(71, "v1:lang:w2:cobol");
      assert.match(forged!, /no longer in use/);
      const refresh = await rig.press(
        71,
        encodeCallback({
          type: "refresh",
          buildId: "00000000-0000-4000-8000-000000000000",
        }),
      );
      assert.match(refresh!, /cannot show/);
      // Someone else pressing the live wizard's button (a group chat).
      const other = await rig.press(
        71,
        encodeCallback({
          type: "language",
          nonce: "w2",
          language: "typescript",
        }),
        { from: { id: 999 } },
      );
      assert.match(other!, /Only the person who started/);
      // The live one still works, and cancel ends it.
      const picked = await rig.press(
        71,
        encodeCallback({
          type: "language",
          nonce: "w2",
          language: "javascript",
        }),
        { replies: 1 },
      );
      assert.equal(picked, "JavaScript");
      const cancelled = await rig.press(
        71,
        encodeCallback({ type: "cancel", nonce: "w2" }),
      );
      assert.equal(cancelled, "Cancelled");
      const again = await rig.press(
        71,
        encodeCallback({ type: "cancel", nonce: "w2" }),
      );
      assert.match(again!, /expired/);
      const [free] = await rig.say(71, "some text");
      assert.match(free!, /did not understand/);
    },
  );

  await withRig(
    "the /build wizard's state survives a restart of the node",
    async (rig) => {
      await rig.linkedUser(81);
      const [ask] = await rig.say(81, "/build <todo & co>");
      assert.match(ask!, /New build: <todo & co>\nWhich language/);
      const languageMessage = rig.tg.messages(81).at(-1)!;
      assert.deepEqual(
        languageMessage.replyMarkup!.inline_keyboard.flat().map((b) => b.text),
        ["TypeScript", "JavaScript", "Python", "Cancel"],
      );
      await rig.press(
        81,
        encodeCallback({
          type: "language",
          nonce: "w1",
          language: "typescript",
        }),
        { replies: 1 },
      );
      assert.match(rig.tg.texts(81).at(-1)!, /describe what to build/);
      assert.match(
        languageMessage.text,
        /Language: TypeScript/,
        "the question was edited to show the answer",
      );
      const [pickFirst] = await rig.say(81, "/status");
      assert.match(pickFirst!, /no builds yet/);

      await rig.restart();
      const [reply] = await rig.say(81, "no");
      assert.match(
        reply!,
        /a little more/,
        "free text is still taken as the requirements after the restart",
      );
    },
  );

  await withRig(
    "a 429 storm through the whole bot loses no reply and keeps each chat's order",
    async (rig) => {
      rig.tg.failNext("sendMessage", 40, { code: 429, retryAfter: 3 });
      const chats = [91, 92, 93, 94];
      for (let i = 0; i < 6; i++) {
        for (const chat of chats) rig.tg.sendText(chat, `/c${chat}x${i}`);
      }
      for (const chat of chats) {
        const texts = await rig.tg.waitForMessages(chat, 6, 30_000);
        assert.deepEqual(
          texts.map((t) => /\/(c\d+x\d)/.exec(t)?.[1]),
          [0, 1, 2, 3, 4, 5].map((i) => `c${chat}x${i}`),
        );
      }
      assert.equal(
        rig.tg.callsOf("sendMessage").filter((c) => c.status === 429).length,
        40,
      );
      assert.equal(rig.telegram.outbox.stats.rateLimited, 40);
    },
    {
      rateLimitPerMinute: 100,
      // Telegram's retry_after is whole seconds: run the outbox on a clock 100x faster.
      outbox: {
        perChatIntervalMs: 1000,
        globalPerSecond: 30,
        clock: fastClock(100),
      },
    },
  );
});

/** A clock running `factor` times faster than the wall clock. */
function fastClock(factor: number): Clock {
  const base = Date.now();
  return {
    now: () => base + (Date.now() - base) * factor,
    setTimeout: (fn, ms) => setTimeout(fn, ms / factor),
    clearTimeout: (id) => clearTimeout(id as number),
  };
}
