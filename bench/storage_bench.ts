/**
 * Storage benchmarks: create a build, update its status, list a user's last
 * 50 builds, bulk-insert 1,000 build events. On PGlite always, and on a real
 * server when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set; the server
 * gets a scratch database `troupe_bench` (dropped and recreated).
 *
 *   deno bench -A bench/storage_bench.ts      # Deno's bench runner
 *   deno run -A bench/storage_bench.ts        # medians and ratios vs. the old system
 *
 * The system Troupe replaces took 45 ms, 35 ms, 80 ms and 450 ms for these
 * four operations; the goal is 10x faster on a real server.
 *
 * @module
 */
import pg from "pg";
import { type Database, openDatabase } from "../storage/db.ts";
import { migrateToLatest } from "../storage/migrate.ts";
import { createUser } from "../storage/users.ts";
import { createBuild, listBuilds, updateBuild } from "../storage/builds.ts";
import { appendBuildEvents } from "../storage/build_events.ts";
import type { BuildStatus, Db } from "../storage/schema.ts";

/** Milliseconds the replaced system took, per operation. */
const BASELINE_MS = {
  "create build": 45,
  "update status": 35,
  "list last 50 builds": 80,
  "insert 1,000 events": 450,
} as const;
type Op = keyof typeof BASELINE_MS;

interface Engine {
  readonly name: string;
  readonly database: Database;
  readonly ops: Record<
    Op,
    { before?: () => Promise<void>; run: () => Promise<unknown> }
  >;
  close(): Promise<void>;
}

const SCRATCH_DB = "troupe_bench";

async function admin(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function seed(db: Db) {
  const ctx = { actorUserId: null };
  const user = await createUser(db, {
    email: "bench@example.com",
    name: "Bench",
  }, ctx);
  const other = await createUser(db, {
    email: "other@example.com",
    name: "Other",
  }, ctx);
  // A user with history: 1,000 builds of their own and 1,000 of someone else.
  for (const owner of [user.id, other.id]) {
    await db.insertInto("builds").values(
      Array.from({ length: 1000 }, (_, i) => ({
        user_id: owner,
        project: `project-${i}`,
        language: "typescript",
        requirements: "r".repeat(500),
        source: "api" as const,
        status: "succeeded" as const,
        created_at: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
      })),
    ).execute();
  }
  return user.id;
}

async function makeEngine(
  name: string,
  database: Database,
  cleanup: () => Promise<void>,
): Promise<Engine> {
  const db = database.db;
  await migrateToLatest(db);
  const userId = await seed(db);
  const input = {
    userId,
    project: "bench-project",
    language: "typescript",
    requirements: "Build a REST API for todos with tests.",
    source: "api" as const,
  };
  const ctx = { actorUserId: userId, ip: "127.0.0.1" };
  const moving = await createBuild(db, input, ctx);
  const cycle: BuildStatus[] = [
    "analyzing",
    "planning",
    "generating",
    "testing",
    "finalizing",
  ];
  let step = 0;
  let eventsBuild = "";
  const events = Array.from({ length: 1000 }, (_, i) => ({
    type: "log",
    data: { line: i, text: `generated line ${i}`, level: "info" },
  }));
  return {
    name,
    database,
    ops: {
      "create build": { run: () => createBuild(db, input, ctx) },
      "update status": {
        run: () =>
          updateBuild(db, moving.id, { status: cycle[step++ % cycle.length]! }),
      },
      "list last 50 builds": {
        run: async () => {
          const page = await listBuilds(db, userId, { limit: 50 });
          if (page.length !== 50) throw new Error(`listed ${page.length}`);
        },
      },
      "insert 1,000 events": {
        before: async () => {
          eventsBuild = (await createBuild(db, input, ctx)).id;
        },
        run: () => appendBuildEvents(db, eventsBuild, events),
      },
    },
    async close() {
      await database.close();
      await cleanup();
    },
  };
}

async function engines(): Promise<Engine[]> {
  const list: Engine[] = [];
  list.push(
    await makeEngine("pglite", await openDatabase(), () => Promise.resolve()),
  );
  const url = Deno.env.get("BENCH_DATABASE_URL") ||
    Deno.env.get("TEST_DATABASE_URL");
  if (url) {
    await admin(url, `DROP DATABASE IF EXISTS ${SCRATCH_DB} WITH (FORCE)`);
    await admin(url, `CREATE DATABASE ${SCRATCH_DB}`);
    const u = new URL(url);
    u.pathname = `/${SCRATCH_DB}`;
    const database = await openDatabase({ url: u.toString(), poolSize: 10 });
    list.push(
      await makeEngine(
        "postgres",
        database,
        () => admin(url, `DROP DATABASE IF EXISTS ${SCRATCH_DB} WITH (FORCE)`),
      ),
    );
  }
  return list;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function medians(): Promise<void> {
  const all = await engines();
  try {
    console.log(
      "engine    operation               median ms   p90 ms   old ms   speed-up",
    );
    for (const engine of all) {
      for (
        const [op, { before, run }] of Object.entries(engine.ops) as [
          Op,
          Engine["ops"][Op],
        ][]
      ) {
        const n = op === "insert 1,000 events" ? 30 : 200;
        const times: number[] = [];
        for (let i = 0; i < n + 5; i++) {
          await before?.();
          const t0 = performance.now();
          await run();
          const dt = performance.now() - t0;
          if (i >= 5) times.push(dt); // the first few warm up caches and JIT
        }
        const m = median(times);
        const p90 = [...times].sort((a, b) =>
          a - b
        )[Math.floor(times.length * 0.9)]!;
        console.log(
          `${engine.name.padEnd(9)} ${op.padEnd(23)} ${
            m.toFixed(2).padStart(9)
          } ${p90.toFixed(2).padStart(8)} ${
            String(BASELINE_MS[op]).padStart(8)
          } ${(BASELINE_MS[op] / m).toFixed(0).padStart(9)}x`,
        );
      }
    }
  } finally {
    for (const e of all) await e.close();
  }
}

if (import.meta.main) {
  await medians();
} else {
  for (const engine of await engines()) {
    for (const [op, { before, run }] of Object.entries(engine.ops)) {
      Deno.bench({
        name: `${engine.name}: ${op}`,
        group: op,
        baseline: engine.name === "pglite",
        async fn(b) {
          await before?.();
          b.start();
          await run();
          b.end();
        },
      });
    }
  }
}
