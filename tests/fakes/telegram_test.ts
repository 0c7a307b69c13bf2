import { Api, GrammyError, HttpError } from "grammy";
import { assert } from "../deps.ts";
import { FakeTelegram } from "./telegram.ts";

Deno.test("the fake Bot API speaks the protocol grammY expects", async (t) => {
  // A token of its own: under --parallel another file's client may still be
  // calling a fake that closed on the port this one got, with the default
  // token, and would take this test's one-shot faults.
  await using tg = await FakeTelegram.start({
    token: `${7_000_000 + Math.floor(Math.random() * 1_000_000)}:fake-api-test`,
  });
  const api = new Api(tg.token, { apiRoot: tg.apiRoot });

  await t.step("getMe answers the bot; a wrong token gets 401", async () => {
    assert.equal((await api.getMe()).username, "troupe_test_bot");
    const wrong = new Api("1:nope", { apiRoot: tg.apiRoot });
    const error = await wrong.getMe().catch((e) => e);
    assert.ok(error instanceof GrammyError);
    assert.equal(error.error_code, 401);
  });

  await t.step(
    "offsets follow the Bot API server: far-future offsets read from the head, negative ones keep the tail; restart starts ids lower",
    async () => {
      const first = tg.sendText(9, "a");
      const second = tg.sendText(9, "b");
      // An offset more than 10 past the last id is "in the future": served
      // from the head, confirming nothing.
      const future = await api.getUpdates({
        offset: second.update_id + 50,
        timeout: 0,
      });
      assert.deepEqual(future.map((u) => u.update_id), [
        first.update_id,
        second.update_id,
      ]);
      // A negative offset keeps only the last -offset updates.
      const last = await api.getUpdates({ offset: -1, timeout: 0 });
      assert.deepEqual(last.map((u) => u.update_id), [second.update_id]);
      assert.equal(
        (await api.getUpdates({ offset: second.update_id + 1, timeout: 0 }))
          .length,
        0,
      );
      // A restart: a pending long poll fails, and ids start again at 1.
      const pending = api.getUpdates({
        offset: second.update_id + 1,
        timeout: 5,
      }).catch((e) => e);
      await new Promise((r) => setTimeout(r, 20));
      tg.restart({ fromId: 1 });
      const failed = await pending;
      assert.ok(failed instanceof GrammyError);
      assert.equal(failed.error_code, 502);
      const after = tg.sendText(9, "c");
      assert.equal(after.update_id, 1);
      assert.ok(
        after.message!.message_id > second.message!.message_id,
        "message ids are Telegram's and keep growing",
      );
      assert.deepEqual(
        (await api.getUpdates({ offset: second.update_id + 100, timeout: 0 }))
          .map((u) => u.update_id),
        [1],
      );
      assert.deepEqual(
        (await api.getUpdates({ offset: 2, timeout: 0 })).length,
        0,
      );
      assert.equal(tg.pendingUpdates, 0);
    },
  );

  await t.step(
    "a stalled call times out at the client yet takes effect",
    async () => {
      tg.stallNext("sendMessage", 1, 300);
      const impatient = new Api(tg.token, {
        apiRoot: tg.apiRoot,
        timeoutSeconds: 0.1,
      });
      const error = await impatient.sendMessage(77, "slow").catch((e) => e);
      assert.ok(error instanceof HttpError, String(error));
      await tg.waitForMessages(77, 1);
      assert.deepEqual(tg.texts(77), ["slow"]);
    },
  );

  await t.step(
    "getUpdates long-polls until an update arrives, and offsets confirm",
    async () => {
      const pending = api.getUpdates({ timeout: 5 });
      await new Promise((r) => setTimeout(r, 20));
      const update = tg.sendText(9, "/start");
      const updates = await pending;
      assert.deepEqual(updates.map((u) => u.update_id), [update.update_id]);
      assert.equal(updates[0]!.message?.text, "/start");
      assert.equal(updates[0]!.message?.entities?.[0]?.type, "bot_command");
      assert.equal(
        (await api.getUpdates({ timeout: 0 })).length,
        1,
        "not confirmed yet",
      );
      assert.equal(
        (await api.getUpdates({ offset: update.update_id + 1, timeout: 0 }))
          .length,
        0,
      );
      assert.equal(tg.pendingUpdates, 0);
    },
  );

  await t.step(
    "a second getUpdates ends the first with 409 Conflict",
    async () => {
      const first = api.getUpdates({ timeout: 5 }).catch((e) => e);
      await new Promise((r) => setTimeout(r, 20));
      const second = api.getUpdates({ timeout: 0 });
      const error = await first;
      assert.ok(error instanceof GrammyError);
      assert.equal(error.error_code, 409);
      assert.deepEqual(await second, []);
    },
  );

  await t.step("faults on demand: 429 with retry_after", async () => {
    tg.failNext("sendMessage", 1, { code: 429, retryAfter: 7 });
    const error = await api.sendMessage(1, "x").catch((e) => e);
    assert.ok(error instanceof GrammyError, String(error));
    assert.equal(error.error_code, 429);
    assert.equal(error.parameters.retry_after, 7);
    await api.sendMessage(1, "y");
    assert.deepEqual(tg.texts(1), ["y"]);
  });

  await t.step("HTML the real API would refuse is refused", async () => {
    for (
      const bad of ["<b>open", "a & b", "<script>x</script>", "<b>x</i>", ""]
    ) {
      const error = await api.sendMessage(2, bad, { parse_mode: "HTML" }).catch(
        (e) => e,
      );
      assert.ok(error instanceof GrammyError, bad);
      assert.equal(error.error_code, 400);
    }
    await api.sendMessage(2, "<b>a &amp; b</b> &lt;ok&gt;", {
      parse_mode: "HTML",
    });
    assert.deepEqual(tg.texts(2), ["a & b <ok>"]);
  });

  await t.step(
    "edits, callback answers, commands and webhooks are recorded",
    async () => {
      const sent = await api.sendMessage(3, "one", {
        reply_markup: {
          inline_keyboard: [[{ text: "go", callback_data: "v1:x" }]],
        },
      });
      await api.editMessageText(3, sent.message_id, "two");
      const notModified = await api.editMessageText(3, sent.message_id, "two")
        .catch((e) => e);
      assert.match(notModified.description, /not modified/);
      const id = tg.pressButton(3, "v1:x", { messageId: sent.message_id });
      assert.equal(await api.answerCallbackQuery(id, { text: "ok" }), true);
      const twice = await api.answerCallbackQuery(id).catch((e) => e);
      assert.equal(twice.error_code, 400);
      await api.setMyCommands([{ command: "help", description: "Help" }]);
      assert.deepEqual(tg.commands, [{ command: "help", description: "Help" }]);
      await api.setWebhook("https://example.com/hook", { secret_token: "abc" });
      assert.deepEqual(tg.webhook, {
        url: "https://example.com/hook",
        secretToken: "abc",
      });
      const conflict = await api.getUpdates({ timeout: 0 }).catch((e) => e);
      assert.equal(conflict.error_code, 409);
      await api.deleteWebhook();
      assert.equal(tg.webhook, undefined);
    },
  );
});
