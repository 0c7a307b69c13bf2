import { Api } from "grammy";
import { assert, fc } from "../deps.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import {
  type BuildNotice,
  escapeHtml,
  formatBuildStatus,
  formatHelp,
  formatHistory,
  formatNotice,
  formatWelcome,
  MAX_MESSAGE_LENGTH,
  PARSE_MODE,
} from "../../bot/format.ts";
import { noticesFor } from "../../bot/notify.ts";
import { parseCommand } from "../../bot/commands.ts";
import { BUILD_STATUSES } from "../../storage/schema.ts";

Deno.test("escapeHtml escapes exactly what the HTML parse mode needs", () => {
  assert.equal(
    escapeHtml(`<a href="x">&amp;</a>`),
    "&lt;a href=&quot;x&quot;&gt;&amp;amp;&lt;/a&gt;",
  );
  assert.equal(escapeHtml("plain"), "plain");
});

Deno.test("every formatted text with arbitrary user and model text is accepted by the Bot API and shows the text as typed", async () => {
  await using tg = await FakeTelegram.start();
  const api = new Api(tg.token, { apiRoot: tg.apiRoot });
  const text = fc.string({ maxLength: 300 });
  const notice: fc.Arbitrary<BuildNotice> = fc.oneof(
    fc.record({
      type: fc.constant("build_started" as const),
      buildId: fc.uuid(),
      project: text,
      language: text,
    }),
    fc.record({
      type: fc.constant("build_tests" as const),
      buildId: fc.uuid(),
      project: text,
      attempt: fc.nat(9),
      passed: fc.nat(50),
      failed: fc.nat(50),
      output: fc.string({ maxLength: 5000 }),
    }),
    fc.record({
      type: fc.constant("build_completed" as const),
      buildId: fc.uuid(),
      project: text,
      summary: fc.string({ maxLength: 5000 }),
      scores: fc.record({
        security: fc.nat(100),
        quality: fc.nat(100),
        maintainability: fc.nat(100),
      }),
      files: fc.array(text, { maxLength: 40 }),
    }),
    fc.record({
      type: fc.constant("build_failed" as const),
      buildId: fc.uuid(),
      project: text,
      reason: fc.string({ maxLength: 20_000 }),
    }),
    fc.record({
      type: fc.constant("build_cancelled" as const),
      buildId: fc.uuid(),
      project: text,
    }),
  );
  let chat = 1;
  await fc.assert(
    fc.asyncProperty(notice, async (n) => {
      const formatted = formatNotice(n);
      const sent = await api.sendMessage(chat++, formatted, {
        parse_mode: PARSE_MODE,
      });
      assert.ok(sent.text!.length <= MAX_MESSAGE_LENGTH);
      if (n.project.length <= 150 && n.project.trim() !== "") {
        assert.ok(
          sent.text!.includes(n.project),
          "the project is shown as typed",
        );
      }
    }),
    { numRuns: 60 },
  );
  const statuses = BUILD_STATUSES.map((status) =>
    formatBuildStatus({
      id: crypto.randomUUID(),
      project: "<script>&",
      language: "typescript",
      status,
      created_at: new Date(0),
      finished_at: new Date(1000),
      error: "a < b && c > d",
      attempts: 2,
      scores: { security: 1, quality: 2, maintainability: 3 },
    })
  );
  const fixed = [
    ...statuses,
    formatHistory([]),
    formatHelp({ admin: true }),
    formatWelcome({ firstName: "<Ada & co>", linked: false }),
    formatWelcome({ linked: true }),
  ];
  for (const f of fixed) {
    await api.sendMessage(chat++, f, { parse_mode: PARSE_MODE });
  }
  assert.ok(tg.texts(chat - 2)[0]!.includes("<Ada & co>"));
});

Deno.test("build events become started, tests, completed and failed notices", () => {
  const at = new Date();
  const e = (seq: number, type: string, data: unknown) => ({
    buildId: "b",
    seq,
    type,
    data,
    createdAt: at,
  });
  const notices = noticesFor({ project: "todo", language: "typescript" }, [
    e(1, "status", { from: "queued", to: "analyzing" }),
    e(2, "tokens", { count: 5 }),
    e(3, "status", { from: "analyzing", to: "planning" }),
    e(4, "tests", { attempt: 1, passed: 1, failed: 1 }),
    e(5, "status", { from: "testing", to: "failed", error: "tests failed" }),
  ]);
  assert.deepEqual(notices.map((n) => n.type), [
    "build_started",
    "build_tests",
    "build_failed",
  ]);
  const done = noticesFor({ project: "todo", language: "typescript" }, [
    e(9, "status", {
      from: "finalizing",
      to: "succeeded",
      summary: {
        files: ["a.ts"],
        scores: { security: 9, quality: 8, maintainability: 7 },
        tests: { passed: 2, failed: 0 },
      },
    }),
  ]);
  assert.equal(done[0]?.type, "build_completed");
  assert.match(
    formatNotice(done[0]!),
    /security 9 · quality 8 · maintainability 7/,
  );
  const cancelled = noticesFor({ project: "x", language: "typescript" }, [
    e(1, "status", { from: "queued", to: "cancelled" }),
  ]);
  assert.deepEqual(cancelled.map((n) => n.type), ["build_cancelled"]);
});

Deno.test("commands are parsed with their arguments; commands for other bots are marked", () => {
  assert.deepEqual(parseCommand("/status  3f2a9c1e ", "troupe_bot"), {
    name: "status",
    args: "3f2a9c1e",
    foreign: false,
  });
  assert.deepEqual(
    parseCommand("/Build@Troupe_Bot my app\nmore", "troupe_bot"),
    { name: "build", args: "my app\nmore", foreign: false },
  );
  assert.equal(parseCommand("/help@other_bot", "troupe_bot")?.foreign, true);
  assert.equal(parseCommand("hello /help"), undefined);
  assert.equal(parseCommand("/"), undefined);
});
