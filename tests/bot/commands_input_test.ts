/**
 * The commands as Composers, through the real bot and chat actors: routing
 * (case, `@bot`, commands for other bots), hostile and long input shown as
 * typed, and a reply that says what to type for anything not understood.
 */
import { assert } from "../deps.ts";
import { openTestDatabase } from "../storage/_db.ts";
import { openRig, type Rig } from "./_harness.ts";
import type { BotOptions } from "../../bot/mod.ts";

Deno.test("commands route the grammY way and hostile input is shown as typed", async (t) => {
  await using tdb = await openTestDatabase();

  async function withRig(
    name: string,
    fn: (rig: Rig) => Promise<void>,
    bot: Partial<BotOptions> = {},
  ) {
    await t.step(name, async () => {
      await tdb.reset();
      const rig = await openRig({ db: tdb.db, bot });
      try {
        await fn(rig);
      } finally {
        await rig.close();
      }
    });
  }

  await withRig(
    "commands are case-insensitive and may name this bot; commands for other bots get no reply and are not counted",
    async (rig) => {
      const username = rig.tg.botInfo.username;
      for (const text of ["/HELP", `/Help@${username}`, "  /help  "]) {
        const [reply] = await rig.say(101, text);
        assert.match(reply!, /^Commands/, text);
      }
      // Over the limit of 4 only if the foreign ones were counted.
      for (let i = 0; i < 3; i++) rig.tg.sendText(101, "/help@other_bot");
      const [after] = await rig.say(101, "/history");
      assert.match(after!, /Link your account first/);
      await rig.telegram.outbox.idle();
      assert.equal(
        rig.tg.messages(101).length,
        4,
        "no reply to the commands for another bot",
      );
    },
    { rateLimitPerMinute: 4 },
  );

  await withRig(
    "hostile project names, ids and emails are shown as typed; too long is refused with the limit",
    async (rig) => {
      await rig.linkedUser(102);
      const hostile = `<b>&amp; "x"</b> <script>`;
      const [ask] = await rig.say(102, `/build ${hostile}`);
      assert.equal(ask, `🛠 New build: ${hostile}\nWhich language?`);

      const longest = "<&>".repeat(66) + "<&";
      assert.equal([...longest].length, 200);
      const [okLong] = await rig.say(102, `/build ${longest}`);
      assert.ok(okLong!.includes(longest), "200 characters are accepted");
      const [tooLong] = await rig.say(102, `/build ${longest}x`);
      assert.match(tooLong!, /too long \(at most 200 characters\)/);

      const [badId] = await rig.say(102, "/status <script>&");
      assert.match(badId!, /Build ids look like 3f2a9c1e/);
      const [unknownId] = await rig.say(102, "/status deadbeef");
      assert.match(unknownId!, /no build deadbeef among yours/);
    },
  );

  await withRig(
    "anything not understood gets a reply saying what to type",
    async (rig) => {
      const [unknown] = await rig.say(103, "/frob_nicate now");
      assert.equal(
        unknown,
        "I do not know /frob_nicate. See /help for what I can do.",
      );
      const [notCommand] = await rig.say(103, "/<b>");
      assert.match(
        notCommand!,
        /did not understand.*\/build <project>.*\/help/s,
      );
      const flood = "<&>".repeat(2700);
      const [long] = await rig.say(103, flood);
      assert.match(long!, /did not understand/);
      const [link] = await rig.say(103, "/link <&>");
      assert.match(link!, /Send the code like this: \/link ABCD1234/);
      const [cancel] = await rig.say(103, "/cancel");
      assert.equal(cancel, "Nothing to cancel.");
      for (const data of ["", "<&>", "v1:status:<script>"]) {
        const answer = await rig.press(103, data);
        assert.match(answer!, /no longer in use.*\/help/, JSON.stringify(data));
      }
    },
  );

  await withRig(
    "admin subcommands: unknown ones list the others; hostile emails are shown as typed",
    async (rig) => {
      const [list] = await rig.say(4243, "/admin frobnicate");
      assert.match(
        list!,
        /Admin commands: \/admin stats, \/admin quota <email> <n>, \/admin failures/,
      );
      const [missing] = await rig.say(4243, "/admin quota <x>&@y.z 5");
      assert.equal(missing, "I found no user <x>&@y.z.");
      const [usage] = await rig.say(4243, "/admin QUOTA a@b.c -1");
      assert.match(usage!, /Usage: \/admin quota <email> <builds per day>/);
      const [failures] = await rig.say(4243, "/admin failures");
      assert.match(failures!, /No failed builds/);
    },
    { adminIds: [4243] },
  );
});
