import { Api } from "grammy";
import { assert } from "../deps.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import {
  formatNotice,
  MAX_MESSAGE_LENGTH,
  PARSE_MODE,
} from "../../bot/format.ts";

Deno.test("notices with the longest hostile reasons, statuses and file names stay one valid message", async () => {
  await using tg = await FakeTelegram.start();
  const api = new Api(tg.token, { apiRoot: tg.apiRoot });
  const hostile = (n: number) => '<&>"'.repeat(Math.ceil(n / 4)).slice(0, n);
  const texts = [
    formatNotice({
      type: "build_tests",
      buildId: crypto.randomUUID(),
      project: hostile(300),
      attempt: 3,
      passed: 0,
      failed: 9,
      status: hostile(5000),
      reason: hostile(20_000),
      output: hostile(20_000),
    }),
    formatNotice({
      type: "build_completed",
      buildId: crypto.randomUUID(),
      project: hostile(300),
      summary: hostile(20_000),
      scores: { security: 100, quality: 100, maintainability: 100 },
      files: Array.from({ length: 40 }, (_, i) => `${i}${hostile(500)}`),
    }),
    formatNotice({
      type: "build_started",
      buildId: crypto.randomUUID(),
      project: hostile(300),
      language: hostile(5000),
    }),
  ];
  let chat = 1;
  for (const text of texts) {
    const sent = await api.sendMessage(chat++, text, {
      parse_mode: PARSE_MODE,
    });
    assert.ok(sent.text!.length <= MAX_MESSAGE_LENGTH);
    assert.ok(sent.text!.includes(hostile(100)), "hostile text shown as typed");
  }
});
