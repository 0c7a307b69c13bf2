/**
 * grammY's plugins on the bot's api (auto-retry, the throttler, our 429
 * observer and abort guard) against the fake Bot API over real HTTP.
 */
import { Api, GrammyError } from "grammy";
import { assert } from "../deps.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import {
  type ApiPluginOptions,
  installApiPlugins,
} from "../../bot/api_plugins.ts";
import { Outbox } from "../../bot/outbox.ts";

function apiFor(tg: FakeTelegram, options: ApiPluginOptions = {}): Api {
  const api = new Api(tg.token, { apiRoot: tg.apiRoot });
  installApiPlugins(api, {
    perChatIntervalMs: 0,
    globalPerSecond: Infinity,
    ...options,
  });
  return api;
}

Deno.test("a 429 with retry_after is waited out inside the call and reported", async () => {
  await using tg = await FakeTelegram.start();
  const limited: [string, number][] = [];
  const api = apiFor(tg, {
    onRateLimited: (method, seconds) => limited.push([method, seconds]),
  });
  tg.failNext("sendMessage", 2, { code: 429, retryAfter: 1 });
  const started = Date.now();
  await api.sendMessage(7, "hello");
  const waited = Date.now() - started;
  assert.deepEqual(
    tg.callsOf("sendMessage").map((c) => c.status),
    [429, 429, 200],
  );
  assert.deepEqual(tg.texts(7), ["hello"]);
  assert.deepEqual(limited, [["sendMessage", 1], ["sendMessage", 1]]);
  assert.ok(waited >= 1900, `waited retry_after twice, not ${waited} ms`);
});

Deno.test("a retry_after beyond maxDelaySeconds comes back to the caller, counted once", async () => {
  await using tg = await FakeTelegram.start();
  const limited: number[] = [];
  const api = apiFor(tg, {
    maxDelaySeconds: 5,
    onRateLimited: (_m, seconds) => limited.push(seconds),
  });
  tg.failNext("sendMessage", 1, { code: 429, retryAfter: 30 });
  const error = await api.sendMessage(7, "later").then(
    () => undefined,
    (e) => e,
  );
  assert.ok(error instanceof GrammyError);
  assert.equal(error.error_code, 429);
  assert.equal(error.parameters.retry_after, 30);
  assert.equal(tg.callsOf("sendMessage").length, 1);
  assert.deepEqual(limited, [30]);
});

Deno.test("a 5xx answer is retried by auto-retry; a 400 is not", async () => {
  await using tg = await FakeTelegram.start();
  const api = apiFor(tg);
  tg.failNext("sendMessage", 1, { code: 500 });
  await api.sendMessage(8, "after a 500");
  assert.deepEqual(
    tg.callsOf("sendMessage").map((c) => c.status),
    [500, 200],
  );
  tg.failNext("sendMessage", 1, { code: 400, description: "Bad Request: x" });
  await assert.rejects(() => api.sendMessage(8, "bad"), GrammyError);
  assert.equal(tg.callsOf("sendMessage").length, 3, "a 400 is tried once");
});

Deno.test("the throttler paces one chat and keeps its order", async () => {
  await using tg = await FakeTelegram.start();
  const api = apiFor(tg, { perChatIntervalMs: 300 });
  const started = Date.now();
  await Promise.all(["a", "b", "c"].map((t) => api.sendMessage(9, t)));
  const took = Date.now() - started;
  assert.deepEqual(tg.texts(9), ["a", "b", "c"]);
  assert.ok(took >= 550, `three sends 300 ms apart took ${took} ms`);
});

Deno.test("a call whose signal is already aborted is not made", async () => {
  await using tg = await FakeTelegram.start();
  const api = apiFor(tg);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    () =>
      api.sendMessage(
        10,
        "never",
        {},
        controller.signal as Parameters<Api["sendMessage"]>[3],
      ),
    Error,
    "signal was aborted",
  );
  assert.equal(tg.callsOf("sendMessage").length, 0);
});

Deno.test("the outbox over the plugins: a 429 storm in one chat delays it, loses nothing, keeps order", async () => {
  await using tg = await FakeTelegram.start();
  const limited: number[] = [];
  const outbox = new Outbox({
    api: apiFor(tg, { onRateLimited: (_m, s) => limited.push(s) }),
    perChatIntervalMs: 0,
    globalPerSecond: Infinity,
  });
  tg.failNext("sendMessage", 2, { code: 429, retryAfter: 1 });
  const sent = await Promise.all(
    ["one", "two", "three"].map((text) =>
      outbox.enqueue({ type: "send", chatId: 11, text })
    ),
  );
  assert.deepEqual(sent, [true, true, true]);
  assert.deepEqual(tg.texts(11), ["one", "two", "three"]);
  assert.deepEqual(limited, [1, 1]);
  assert.equal(outbox.stats.rateLimited, 0, "auto-retry waited them out");
  assert.equal(outbox.stats.sent, 3);
  await outbox.close();
});
