/**
 * A node on the postgres actor transport keeps the Telegram poller's lease
 * and offset in PostgreSQL, not in KV (so a cluster needs no shared KV). The
 * KV store itself is covered by polling_test.ts (one node boot is costly, so
 * only the postgres wiring boots one).
 */
import { assert } from "../deps.ts";
import { parseConfig } from "../../config.ts";
import { startPlatform } from "../../platform.ts";
import { startFakeOllama } from "../fakes/ollama.ts";
import { FakeTelegram } from "../fakes/telegram.ts";

async function withNode(
  transport: "postgres",
  fn: (
    platform: Awaited<ReturnType<typeof startPlatform>>,
    tg: FakeTelegram,
  ) => Promise<void>,
): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-poller-" });
  await using ollama = await startFakeOllama();
  await using tg = await FakeTelegram.start();
  const config = parseConfig({
    PORT: "0",
    DATA_DIR: dataDir,
    OLLAMA_HOST: ollama.url,
    LOG_LEVEL: "error",
    // No embedded Chroma (its start costs most of a node's boot): this test
    // is about the bot.
    CHROMA_URL: "http://127.0.0.1:9",
    NODE_ID: "poller-node",
    ACTOR_TRANSPORT: transport,
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
  });
  try {
    const platform = await startPlatform(config, { announce: () => {} });
    try {
      await fn(platform, tg);
    } finally {
      await platform.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

function botId(tg: FakeTelegram): number {
  return Number(tg.token.split(":")[0]);
}

Deno.test("postgres transport: the poller's lease and offset are in PostgreSQL, none in KV", async () => {
  await withNode("postgres", async (platform, tg) => {
    // Sent first: the predicate is checked after each API call, and an empty
    // long poll would only answer after its timeout.
    const update = tg.sendText(501, "/help");
    await tg.waitFor(
      () => (platform.bot?.poller?.offset ?? 0) > update.update_id,
      { timeoutMs: 30_000 },
    );
    const row = await platform.database.db.selectFrom("telegram_pollers")
      .selectAll().where("bot_id", "=", botId(tg)).executeTakeFirst();
    assert.equal(row?.owner, "poller-node");
    assert.equal(Number(row?.fence), 1);
    // The offset is committed right after the batch is handled.
    for (let i = 0; Number(row?.update_offset) <= update.update_id; i++) {
      assert.ok(i < 200, "the offset reached PostgreSQL");
      await new Promise((r) => setTimeout(r, 50));
      const again = await platform.database.db.selectFrom("telegram_pollers")
        .select("update_offset").where("bot_id", "=", botId(tg))
        .executeTakeFirst();
      if (again) Object.assign(row!, again);
    }
    const kvKeys = [];
    for await (const entry of platform.kv.list({ prefix: ["telegram"] })) {
      kvKeys.push(entry.key);
    }
    assert.deepEqual(kvKeys, []);
  });
});
