/**
 * Replies pending when a node is killed (SIGKILL, a real `main.ts start`
 * subprocess on embedded PGlite and a KV file) are sent after the restart,
 * once each: they live in the chat actors' persisted state until Telegram
 * acknowledges them, and a durable reminder retries them.
 *
 * @module
 */
import { assert } from "../deps.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { type NodeProcess, reapProcesses, startNode } from "./_support.ts";

Deno.test({
  name:
    "replies pending when the node is killed arrive after the restart, once each",
  sanitizeResources: true,
  sanitizeOps: true,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "troupe-bot-crash-" });
  await using tg = await FakeTelegram.start();
  const env = {
    DATA_DIR: `${dir}/data`,
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    // The restarted node keeps its id, as a service manager's unit would set
    // it: it takes its own Telegram poller lease back at once instead of
    // waiting for the killed node's to expire.
    NODE_ID: "bot-crash-node",
  };
  const chats = [701, 702, 703];
  let node: NodeProcess | undefined;
  try {
    // Telegram accepts updates but fails every sendMessage: replies pile up.
    tg.failNext("sendMessage", 1_000_000, { code: 500 });
    node = await startNode(env);
    for (const chat of chats) tg.sendText(chat, "/help");
    await tg.waitFor(
      () =>
        chats.every((chat) =>
          tg.callsOf("sendMessage").some((c) =>
            Number(c.params.chat_id) === chat
          )
        ),
      {
        timeoutMs: 60_000,
        describe: () =>
          `sendMessage calls: ${tg.callsOf("sendMessage").length}`,
      },
    );
    node.kill("SIGKILL");
    await node.exited;
    await reapProcesses(dir, 20_000);
    assert.equal(
      chats.flatMap((chat) => tg.messages(chat)).length,
      0,
      "nothing was delivered before the kill",
    );

    tg.clearFaults();
    node = await startNode(env);
    for (const chat of chats) {
      const texts = await tg.waitForMessages(chat, 1, 120_000);
      assert.match(texts[0]!, /Commands/);
    }
    // Had a reply stayed pending after Telegram took it, the next turn's
    // flush would send it again ahead of the new reply (one chat's replies
    // leave in order): one more question gets exactly one more message.
    for (const chat of chats) tg.sendText(chat, "/nonsense");
    for (const chat of chats) {
      const texts = await tg.waitForMessages(chat, 2, 60_000);
      assert.equal(texts.length, 2, `chat ${chat}: ${JSON.stringify(texts)}`);
      assert.match(texts[1]!, /I do not know \/nonsense/);
    }
  } finally {
    await node?.stop(5_000);
    await reapProcesses(dir, 20_000);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
