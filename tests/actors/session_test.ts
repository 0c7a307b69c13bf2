import { assert } from "../deps.ts";
import { ActorSystem } from "../../runtime/system.ts";
import { defineActor } from "../../runtime/actor.ts";
import { ManualClock } from "../../runtime/clock.ts";
import { InvalidMessageError } from "../../runtime/errors.ts";
import {
  type CreateBuildReply,
  type RateReply,
  SESSION_KIND,
  sessionBehavior,
  type SessionMessage,
  takeToken,
} from "../../actors/session.ts";
import { updateUser } from "../../storage/users.ts";
import { dbStep, makeUser, openTestDatabase, T0 } from "../storage/_db.ts";
import type { Db } from "../../storage/schema.ts";

/** Stands in for the build kind: records which builds were told to start. */
function startRecorder(started: string[]) {
  return defineActor<null, { type: string }>({
    kind: "build",
    durable: true,
    initialState: () => null,
    receive(ctx, state, msg) {
      if (msg.type === "start") started.push(ctx.self.id);
      return state;
    },
  });
}

function system(
  db: Db,
  started: string[],
  clock = new ManualClock(T0.getTime()),
) {
  const actors = new ActorSystem({
    behaviors: [sessionBehavior({ db }), startRecorder(started)],
    clock,
  });
  actors.start();
  return actors;
}

function createMsg(overrides: Partial<SessionMessage> = {}): SessionMessage {
  return {
    type: "create_build",
    buildId: crypto.randomUUID(),
    project: "todo",
    language: "typescript",
    requirements: "a todo list with tests",
    source: "api",
    ...overrides,
  } as SessionMessage;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(check(), "condition not reached");
}

Deno.test("session actor", async (t) => {
  await using tdb = await openTestDatabase();

  await dbStep(t, tdb, "creates a queued build and starts it", async (db) => {
    const user = await makeUser(db, "ann@example.com");
    const started: string[] = [];
    const actors = system(db, started);
    const msg = createMsg();
    const reply = await actors.ref(SESSION_KIND, user.id).ask<CreateBuildReply>(
      msg,
    );
    assert.deepEqual(reply, {
      ok: true,
      buildId: (msg as { buildId: string }).buildId,
    });
    const row = await db.selectFrom("builds").selectAll()
      .executeTakeFirstOrThrow();
    assert.equal(row.status, "queued");
    assert.equal(row.user_id, user.id);
    const audit = await db.selectFrom("audit_logs").selectAll().where(
      "action",
      "=",
      "build.create",
    )
      .execute();
    assert.equal(audit.length, 1);
    await until(() => started.length === 1);
    await actors.shutdown();
  });

  await dbStep(
    t,
    tdb,
    "a redelivered create is answered without a second build",
    async (db) => {
      const user = await makeUser(db, "ann@example.com");
      const started: string[] = [];
      const actors = system(db, started);
      const msg = createMsg();
      const ref = actors.ref(SESSION_KIND, user.id);
      await ref.ask(msg);
      const again = await ref.ask<CreateBuildReply>(msg);
      assert.equal(again.ok, true);
      const { n } = await db.selectFrom("builds").select((eb) =>
        eb.fn.countAll<number>().as("n")
      )
        .executeTakeFirstOrThrow();
      assert.equal(Number(n), 1);
      await actors.shutdown();
    },
  );

  await dbStep(
    t,
    tdb,
    "concurrent creates never pass the daily quota",
    async (db) => {
      const user = await makeUser(db, "ann@example.com");
      await updateUser(db, user.id, { dailyBuildQuota: 3 }, {
        actorUserId: null,
      });
      const started: string[] = [];
      const actors = system(db, started);
      const ref = actors.ref(SESSION_KIND, user.id);
      const replies = await Promise.all(
        Array.from(
          { length: 10 },
          () => ref.ask<CreateBuildReply>(createMsg()),
        ),
      );
      assert.equal(replies.filter((r) => r.ok).length, 3);
      const refused = replies.find((r) => !r.ok);
      assert.ok(refused && !refused.ok && refused.code === "quota_exceeded");
      assert.equal(refused.resetAt, "2026-01-02T00:00:00.000Z");
      await actors.shutdown();
    },
  );

  await dbStep(t, tdb, "a disabled user cannot build", async (db) => {
    const user = await makeUser(db, "ann@example.com", { disabled: true });
    const actors = system(db, []);
    const reply = await actors.ref(SESSION_KIND, user.id).ask<CreateBuildReply>(
      createMsg(),
    );
    assert.deepEqual(reply, { ok: false, code: "user_disabled" });
    await actors.shutdown();
  });

  await dbStep(
    t,
    tdb,
    "an unsupported language is refused before anything is enqueued",
    async (db) => {
      const user = await makeUser(db, "ann@example.com");
      const actors = system(db, []);
      await assert.rejects(
        () =>
          actors.ref(SESSION_KIND, user.id).tell(
            createMsg({ language: "cobol" } as never),
          ),
        (error: unknown) =>
          error instanceof InvalidMessageError &&
          /unsupported language "cobol"/.test(error.message),
      );
      await actors.shutdown();
    },
  );

  await dbStep(
    t,
    tdb,
    "the rate bucket refuses past its limit and refills",
    async (db) => {
      const user = await makeUser(db, "ann@example.com");
      const clock = new ManualClock(T0.getTime());
      const actors = system(db, [], clock);
      const ref = actors.ref(SESSION_KIND, user.id);
      const rate = {
        type: "rate",
        bucket: "telegram",
        limitPerMinute: 2,
      } as const;
      assert.deepEqual(await ref.ask<RateReply>(rate), { ok: true });
      assert.deepEqual(await ref.ask<RateReply>(rate), { ok: true });
      assert.deepEqual(await ref.ask<RateReply>(rate), {
        ok: false,
        retryAfterSeconds: 30,
      });
      await clock.advance(30_000);
      assert.deepEqual(await ref.ask<RateReply>(rate), { ok: true });
      await actors.shutdown();
    },
  );
});

Deno.test("token bucket math", () => {
  let bucket = takeToken(undefined, 60, 0);
  assert.equal(bucket.retryAfterSeconds, 0);
  for (let i = 0; i < 59; i++) bucket = takeToken(bucket.bucket, 60, 0);
  assert.equal(takeToken(bucket.bucket, 60, 0).retryAfterSeconds, 1);
  assert.equal(takeToken(bucket.bucket, 60, 1000).retryAfterSeconds, 0);
});
