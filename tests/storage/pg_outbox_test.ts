/**
 * The transactional outbox of the PostgreSQL transport: a turn's durable
 * tells are committed with its state and processed sequence number, so a
 * turn that is run again (it crashed before committing) or redelivered (the
 * node died after committing, before acknowledging) sends each tell once.
 */
import { sql } from "kysely";
import { assert } from "../deps.ts";
import { ActorSystem } from "../../runtime/system.ts";
import { defineActor } from "../../runtime/actor.ts";
import type { RuntimeEvent } from "../../runtime/events.ts";
import { FencedStateStore } from "../../storage/pg_fenced_store.ts";
import { PgTransport } from "../../storage/pg_transport.ts";
import { openTestDatabase, type TestDatabase } from "./_db.ts";

type SinkMsg = { type: "got"; from: string; n: number } | { type: "count" };
type SourceMsg = { type: "go" };

const sink = defineActor<Record<string, number>, SinkMsg>({
  kind: "sink",
  durable: true,
  initialState: () => ({}),
  receive(ctx, state, msg) {
    if (msg.type === "count") {
      ctx.reply(state);
      return state;
    }
    const key = `${msg.from}#${msg.n}`;
    return { ...state, [key]: (state[key] ?? 0) + 1 };
  },
});

/** Tells the sink twice per `go` and counts its own turns; `fail` decides whether an attempt throws after telling. */
function source(fail: (attempt: number) => boolean) {
  let attempts = 0;
  return defineActor<number, SourceMsg>({
    kind: "source",
    durable: true,
    supervision: {
      backoff: { initialMs: 1, maxMs: 1, factor: 1, jitter: 0 },
    },
    initialState: () => 0,
    async receive(ctx, state) {
      const to = ctx.ref<SinkMsg>("sink", "s");
      await to.tell({ type: "got", from: ctx.self.id, n: 1 });
      await to.tell({ type: "got", from: ctx.self.id, n: 2 });
      if (fail(++attempts)) throw new Error("crashed mid-turn");
      return state + 1;
    },
  });
}

function system(
  tdb: TestDatabase,
  node: string,
  outbox: boolean,
  behaviors: ReturnType<typeof source>,
  onEvent?: (event: RuntimeEvent) => void,
): ActorSystem {
  const transport = new PgTransport({
    database: tdb.database,
    nodeId: node,
    sweepIntervalMs: 100,
  });
  const store = new FencedStateStore(
    tdb.db,
    outbox ? { transport } : {},
  );
  return new ActorSystem({
    behaviors: [sink, behaviors] as never,
    transport,
    store,
    leaseTtlMs: 1_000,
    ...(onEvent ? { onEvent } : {}),
    logger: { info() {}, warn() {}, error() {}, debug() {} } as never,
  });
}

/** Mailbox entries not yet acknowledged. */
async function pending(tdb: TestDatabase): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM actor_messages`.execute(tdb.db);
  return Number(rows[0]?.n ?? 0);
}

async function settle<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 15_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("transactional outbox on PostgreSQL", async (t) => {
  const tdb = await openTestDatabase();
  try {
    await t.step(
      "a turn that told twice and crashed before its commit sends each tell once",
      async () => {
        await tdb.reset();
        const nodes = system(tdb, "a", true, source((n) => n === 1));
        nodes.start();
        await nodes.ref<SourceMsg>("source", "x").tell({ type: "go" });
        const counts = await settle(
          () =>
            nodes.ref<SinkMsg>("sink", "s").ask<Record<string, number>>({
              type: "count",
            }),
          (c) => Object.keys(c).length >= 2,
        );
        // Give a duplicate the time to arrive.
        await new Promise((r) => setTimeout(r, 300));
        const final = await nodes.ref<SinkMsg>("sink", "s").ask<
          Record<string, number>
        >({ type: "count" });
        await nodes.shutdown();
        assert.deepEqual(counts, { "x#1": 1, "x#2": 1 });
        assert.deepEqual(final, { "x#1": 1, "x#2": 1 });
      },
    );

    await t.step(
      "without the outbox the same crash sends the tells twice (at least once)",
      async () => {
        await tdb.reset();
        const nodes = system(tdb, "a", false, source((n) => n === 1));
        nodes.start();
        await nodes.ref<SourceMsg>("source", "y").tell({ type: "go" });
        const counts = await settle(
          () =>
            nodes.ref<SinkMsg>("sink", "s").ask<Record<string, number>>({
              type: "count",
            }),
          (c) => (c["y#2"] ?? 0) >= 2,
        );
        await nodes.shutdown();
        assert.deepEqual(counts, { "y#1": 2, "y#2": 2 });
      },
    );

    await t.step(
      "a turn redelivered after its commit (the activation died before acknowledging) neither sends nor changes state again",
      async () => {
        await tdb.reset();
        let crashed = false;
        // The hook runs after the commit and before the acknowledgement:
        // throwing there ends the activation as a crash would, lease kept.
        const first = system(tdb, "a", true, source(() => false), (event) => {
          if (
            event.type === "processed" && event.kind === "source" && !crashed
          ) {
            crashed = true;
            throw new Error("node died after commit");
          }
        });
        first.start();
        await first.ref<SourceMsg>("source", "z").tell({ type: "go" });
        await settle(() => Promise.resolve(crashed), (c) => c);
        assert.ok(crashed);
        // Nothing acknowledged the message: it is still in the mailbox.
        assert.equal(await pending(tdb), 1);
        await first.shutdown();
        // Another node takes the actor once the dead activation's lease expired.
        const second = system(tdb, "b", true, source(() => false));
        second.start();
        const left = await settle(() => pending(tdb), (n) => n === 0);
        assert.equal(left, 0);
        const counts = await second.ref<SinkMsg>("sink", "s").ask<
          Record<string, number>
        >({ type: "count" });
        await new Promise((r) => setTimeout(r, 300));
        const final = await second.ref<SinkMsg>("sink", "s").ask<
          Record<string, number>
        >({ type: "count" });
        const stored = await tdb.database.db.selectFrom("actor_state")
          .select(["state", "version"]).where("kind", "=", "source")
          .where("id", "=", "z").executeTakeFirst();
        await second.shutdown();
        assert.deepEqual(counts, { "z#1": 1, "z#2": 1 });
        assert.deepEqual(final, { "z#1": 1, "z#2": 1 });
        assert.equal(stored?.state, 1, "the state was changed once");
        assert.equal(Number(stored?.version), 1);
      },
    );
  } finally {
    await tdb.close();
  }
});
