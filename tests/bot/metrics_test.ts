/**
 * The bot's `observe` hook, wired to the registry as platform.ts does, fed by
 * real grammY traffic with the fake Bot API.
 */
import { assert } from "../deps.ts";
import { openTestDatabase } from "../storage/_db.ts";
import { openRig } from "./_harness.ts";
import { createMetrics, recordTelegram } from "../../actors/metrics.ts";

/** The value of one exposition line, or undefined when the series is absent. */
async function sample(
  metrics: ReturnType<typeof createMetrics>,
  series: string,
): Promise<number | undefined> {
  const text = await metrics.registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length));
}

async function until(done: () => Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await done())) {
    assert.ok(Date.now() < end, "condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("updates, sends, 429s and refused sends reach the troupe_telegram_* counters", async () => {
  await using tdb = await openTestDatabase();
  const metrics = createMetrics({ defaultMetrics: false });
  const rig = await openRig({
    db: tdb.db,
    bot: {
      observe: (observation) => recordTelegram(metrics, observation),
      outbox: {
        perChatIntervalMs: 0,
        globalPerSecond: Infinity,
        backoffMs: 20,
        maxBackoffMs: 50,
      },
    },
  });
  try {
    const sends = `troupe_telegram_sends_total{method="sendMessage"}`;
    const updates = `troupe_telegram_updates_total{type="message"}`;
    assert.equal(await sample(metrics, sends), 0);

    await rig.say(11, "/start");
    // The fake has the message before its answer reaches the outbox.
    await until(async () => (await sample(metrics, sends)) === 1);
    assert.equal(await sample(metrics, updates), 1);

    rig.tg.failNext("sendMessage", 1, { code: 429, retryAfter: 1 });
    await rig.say(12, "/start");
    assert.equal(
      await sample(
        metrics,
        `troupe_telegram_rate_limited_total{method="sendMessage"}`,
      ),
      1,
    );
    await until(async () => (await sample(metrics, sends)) === 2);

    rig.tg.failNext("sendMessage", 1, {
      code: 403,
      description: "Forbidden: bot was blocked by the user",
    });
    rig.tg.sendText(13, "/start");
    const failures =
      `troupe_telegram_send_failures_total{method="sendMessage"}`;
    await until(async () => (await sample(metrics, failures)) === 1);
    assert.equal(await sample(metrics, updates), 3);
    assert.equal(
      await sample(metrics, sends),
      2,
      "the refused one is not sent",
    );
  } finally {
    await rig.close();
  }
});
