import { Hono } from "hono";
import { assert } from "../deps.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { openTestDatabase } from "../storage/_db.ts";
import { ActorSystem } from "../../runtime/system.ts";
import {
  createBot,
  dbChatData,
  telegramOptionsFromConfig,
  TelegramTokenError,
  TelegramUnavailableError,
} from "../../bot/mod.ts";
import type { WebhookHandler } from "../../bot/webhook.ts";
import { parseConfig } from "../../config.ts";

Deno.test("webhook mode and start-up checks", async (t) => {
  await using tdb = await openTestDatabase();
  const data = dbChatData(tdb.db);

  await t.step(
    "webhook mode: the secret is checked (401), updates are answered through the chat actor",
    async () => {
      await using tg = await FakeTelegram.start();
      const app = new Hono();
      let handler: WebhookHandler | undefined;
      app.post("/telegram/hook", (c) => handler!(c));
      const server = Deno.serve({
        hostname: "127.0.0.1",
        port: 0,
        onListen() {},
      }, app.fetch);
      try {
        const url = `http://127.0.0.1:${server.addr.port}/telegram/hook`;
        const telegram = createBot({
          token: tg.token,
          apiRoot: tg.apiRoot,
          data,
          nodeId: "n1",
          webhook: { url, secretToken: "s3cret-Token" },
          outbox: { perChatIntervalMs: 0 },
        });
        assert.equal(telegram.webhookPath, "/telegram/hook");
        handler = telegram.webhookHandler;
        const system = new ActorSystem({ behaviors: [telegram.chatBehavior] });
        system.start();
        await telegram.start(system);
        assert.deepEqual(tg.webhook, { url, secretToken: "s3cret-Token" });
        assert.equal(
          telegram.poller,
          undefined,
          "no long polling in webhook mode",
        );

        const wrong = await tg.deliverWebhook({
          message: tg.userMessage(5, "/help") as never,
        }, {
          secretToken: "wrong",
        });
        assert.equal(wrong, 401);
        const none = await fetch(url, { method: "POST", body: "{}" });
        await none.body?.cancel();
        assert.equal(none.status, 401);

        const ok = await tg.deliverWebhook({
          message: tg.userMessage(5, "/help") as never,
        });
        assert.equal(ok, 200);
        const [reply] = await tg.waitForMessages(5, 1);
        assert.match(reply!, /Commands/);

        await telegram.stop();
        await system.shutdown();
      } finally {
        await server.shutdown();
      }
    },
  );

  await t.step(
    "a wrong token is a clear TelegramTokenError at start, naming TELEGRAM_BOT_TOKEN",
    async () => {
      await using tg = await FakeTelegram.start();
      const kv = await Deno.openKv(":memory:");
      const telegram = createBot({
        token: "42:this-is-not-the-right-token",
        apiRoot: tg.apiRoot,
        data,
        kv,
        nodeId: "n1",
      });
      const system = new ActorSystem({ behaviors: [telegram.chatBehavior] });
      const error = await telegram.start(system).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(error instanceof TelegramTokenError, String(error));
      assert.match(error.message, /TELEGRAM_BOT_TOKEN/);
      assert.equal(
        tg.callsOf("getUpdates").length,
        0,
        "no polling with a bad token",
      );
      await telegram.stop();
      await system.shutdown();
      kv.close();
    },
  );

  await t.step(
    "an unreachable Bot API is a TelegramUnavailableError naming TELEGRAM_API_ROOT",
    async () => {
      const tg = await FakeTelegram.start();
      const apiRoot = tg.apiRoot;
      await tg.close();
      const telegram = createBot({
        token: tg.token,
        apiRoot,
        data,
        nodeId: "n1",
      });
      const system = new ActorSystem({ behaviors: [telegram.chatBehavior] });
      const error = await telegram.start(system).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(error instanceof TelegramUnavailableError, String(error));
      assert.match(error.message, /TELEGRAM_API_ROOT/);
      await telegram.stop();
      await system.shutdown();
    },
  );

  await t.step(
    "configuration: no token means no bot; webhook mode needs its secret",
    () => {
      assert.equal(telegramOptionsFromConfig(parseConfig({})), undefined);
      const token = "123:abcdefghijklmnopqrstuvwxyz";
      const polling = telegramOptionsFromConfig(parseConfig({
        TELEGRAM_BOT_TOKEN: token,
        TELEGRAM_ADMIN_IDS: "1, 2",
        TELEGRAM_API_ROOT: "http://127.0.0.1:8081/",
      }))!;
      assert.equal(polling.apiRoot, "http://127.0.0.1:8081");
      assert.deepEqual(polling.adminIds, [1, 2]);
      assert.equal(polling.webhook, undefined);
      assert.throws(
        () =>
          telegramOptionsFromConfig(parseConfig({
            TELEGRAM_BOT_TOKEN: token,
            TELEGRAM_WEBHOOK_URL: "https://bot.example.com/tg",
          })),
        /TELEGRAM_WEBHOOK_SECRET/,
      );
    },
  );
});
