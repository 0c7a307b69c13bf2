import { assert } from "../deps.ts";
import { startFakeOllama } from "../fakes/ollama.ts";
import { openTestDatabase } from "../storage/_db.ts";
import { FAILING_CODE, GOOD_CODE, scriptBuild } from "../actors/_scripts.ts";
import { openWorkflowHarness } from "../actors/_support.ts";
import { openRig, type Rig } from "./_harness.ts";
import { encodeCallback } from "../../bot/keyboards.ts";
import { createBuildNotifier } from "../../bot/notify.ts";
import {
  SESSION_KIND,
  sessionBehavior,
  type SessionMessage,
} from "../../actors/session.ts";
import { buildBehavior } from "../../actors/build.ts";
import { workflowBehavior } from "../../actors/workflow.ts";
import { createCheckpointer } from "../../actors/workflow/checkpointer.ts";
import { listBuilds, loadBuild } from "../../storage/builds.ts";
import type { BotOptions } from "../../bot/mod.ts";

Deno.test("builds started from Telegram run through the real stack and report back", async (t) => {
  await using ollama = await startFakeOllama();
  await using tdb = await openTestDatabase();
  await using h = await openWorkflowHarness({
    ollamaUrl: ollama.url,
    db: tdb.db,
    testRetries: 0,
  });
  const db = tdb.db;
  const checkpointer = await createCheckpointer(db);
  const { onProgress: _p, isCancelled: _c, ...graph } = h.deps;

  async function withRig(
    name: string,
    fn: (rig: Rig) => Promise<void>,
    bot: Partial<BotOptions> = {},
  ) {
    await t.step(name, async () => {
      await tdb.reset();
      const rig = await openRig({
        db,
        bot,
        behaviors: (current) => [
          sessionBehavior({ db }),
          buildBehavior({
            db,
            notify: createBuildNotifier({ db, refs: () => current().system }),
          }),
          workflowBehavior({
            db,
            graph: { ...graph, checkpointer },
            cancelCheckMs: 0,
          }),
        ],
      });
      try {
        await fn(rig);
      } finally {
        await rig.close();
      }
    });
  }

  await withRig(
    "the /build wizard: project, language button, requirements, then a finished build with scores",
    async (rig) => {
      scriptBuild(ollama, [GOOD_CODE]);
      const user = await rig.linkedUser(101);
      await rig.say(101, "/build stack");
      await rig.press(
        101,
        encodeCallback({
          type: "language",
          nonce: "w1",
          language: "typescript",
        }),
        { replies: 1 },
      );
      const [queued] = await rig.say(
        101,
        "A typed LIFO stack with push, pop, peek and size.",
      );
      assert.match(queued!, /Build \w{8} of stack \(TypeScript\) is queued/);
      await rig.tg.waitFor(
        () => rig.tg.texts(101).some((t) => t.startsWith("✅ Build")),
        {
          timeoutMs: 90_000,
          describe: () => JSON.stringify(rig.tg.texts(101)),
        },
      );
      const texts = rig.tg.texts(101);
      const started = texts.findIndex((t) => t.startsWith("🚀 Build"));
      const tests = texts.findIndex((t) => t.startsWith("🧪 Tests of stack"));
      const done = texts.findIndex((t) => t.startsWith("✅ Build"));
      assert.ok(
        started > 0 && tests > started && done > tests,
        JSON.stringify(texts),
      );
      assert.match(texts[tests]!, /all 2 passed/);
      assert.match(texts[done]!, /succeeded/);
      assert.match(
        texts[done]!,
        /Scores: security \d+ · quality \d+ · maintainability \d+/,
      );
      assert.match(texts[done]!, /stack\.ts/);

      const [build] = await listBuilds(db, user.id);
      assert.equal(build!.status, "succeeded");
      assert.equal(build!.source, "telegram");
      assert.equal(build!.telegramChatId, 101);
      const [status] = await rig.say(101, "/status");
      assert.match(status!, /Status: succeeded/);
      assert.match(status!, /Scores: security/);
    },
  );

  await withRig("a failed build tells the chat why", async (rig) => {
    scriptBuild(ollama, [FAILING_CODE]);
    await rig.linkedUser(102);
    await rig.say(102, "/build stack");
    await rig.press(
      102,
      encodeCallback({ type: "language", nonce: "w1", language: "typescript" }),
      { replies: 1 },
    );
    await rig.say(102, "A typed LIFO stack with push, pop, peek and size.");
    await rig.tg.waitFor(
      () => rig.tg.texts(102).some((t) => t.startsWith("❌ Build")),
      { timeoutMs: 90_000, describe: () => JSON.stringify(rig.tg.texts(102)) },
    );
    const texts = rig.tg.texts(102);
    assert.ok(
      texts.some((t) => /Tests of stack .*1 failed, 1 passed/.test(t)),
      JSON.stringify(texts),
    );
    assert.match(texts.find((t) => t.startsWith("❌ Build"))!, /failed: .+/);
  });

  await withRig(
    "the daily quota is checked through the session actor",
    async (rig) => {
      await rig.linkedUser(103, { quota: 0 });
      await rig.say(103, "/build stack");
      await rig.press(
        103,
        encodeCallback({
          type: "language",
          nonce: "w1",
          language: "javascript",
        }),
        { replies: 1 },
      );
      const [reply] = await rig.say(103, "A stack, please.");
      assert.match(
        reply!,
        /used today's build quota \(0 builds\)\. It resets at \d{4}-\d\d-\d\d 00:00 UTC/,
      );
      const [free] = await rig.say(103, "again?");
      assert.match(free!, /did not understand/, "the wizard ended");
    },
  );

  await withRig(
    "linked users are rate limited per user by their session",
    async (rig) => {
      await rig.linkedUser(104); // the /link itself is not counted: the user was not linked yet
      await rig.say(104, "/help");
      await rig.say(104, "/help");
      const [limited] = await rig.say(104, "/help");
      assert.match(
        limited!,
        /faster than I can take them \(at most 2 a minute\)/,
      );
      // A second chat of the same user shares the budget.
      const [alsoLimited] = await rig.say(-500, "/help@troupe_test_bot", {
        from: { id: 104 },
      });
      assert.match(alsoLimited!, /faster than I can take them/);
    },
    { rateLimitPerMinute: 2 },
  );

  await withRig(
    "a build survives a restart in the middle of the wizard and still starts",
    async (rig) => {
      scriptBuild(ollama, [GOOD_CODE]);
      const user = await rig.linkedUser(105);
      await rig.say(105, "/build stack");
      await rig.press(
        105,
        encodeCallback({
          type: "language",
          nonce: "w1",
          language: "typescript",
        }),
        { replies: 1 },
      );
      await rig.restart();
      const [queued] = await rig.say(
        105,
        "A typed LIFO stack with push, pop, peek and size.",
      );
      assert.match(queued!, /is queued/);
      const [build] = await listBuilds(db, user.id);
      assert.ok(build);
      assert.equal((await loadBuild(db, build.id))!.language, "typescript");
      await rig.tg.waitFor(
        () => rig.tg.texts(105).some((t) => t.startsWith("✅ Build")),
        {
          timeoutMs: 90_000,
          describe: () => JSON.stringify(rig.tg.texts(105)),
        },
      );
    },
  );

  await withRig(
    "a build requested over the HTTP API is reported to the user's linked private chat",
    async (rig) => {
      scriptBuild(ollama, [GOOD_CODE]);
      const user = await rig.linkedUser(106);
      const buildId = crypto.randomUUID();
      const reply = await rig.system.ref<SessionMessage>(SESSION_KIND, user.id)
        .ask({
          type: "create_build",
          buildId,
          project: "api-stack",
          language: "typescript",
          requirements: "A typed LIFO stack with push, pop, peek and size.",
          source: "api",
        });
      assert.deepEqual(reply, { ok: true, buildId });
      await rig.tg.waitFor(
        () => rig.tg.texts(106).some((t) => t.startsWith("✅ Build")),
        {
          timeoutMs: 90_000,
          describe: () => JSON.stringify(rig.tg.texts(106)),
        },
      );
      assert.ok(
        rig.tg.texts(106).some((t) =>
          /🚀 Build \w{8} of api-stack started/.test(t)
        ),
      );
    },
  );
});
