/**
 * Load test of the domain routes over real sockets with wrk (Debian's
 * `wrk`): `GET /v1/builds/:id` and `POST /v1/builds` at 100 connections,
 * against a bare Hono hello-world served the same way in the same run.
 *
 * Everything on the request path is real and wired as `platform.ts` wires
 * it: API keys checked through the key cache fed by the database's change
 * notifications, the database opened with the configuration's defaults
 * (pool of 10, prepared statements), the session actor enforcing the quota
 * and creating the build row with its audit row, the build actor receiving
 * `start`. Only the agent graph is left out: the workflow kind here accepts
 * `run` and does nothing, so the figures are the platform's, not a model's.
 * The per-key rate limit is off: each key here makes far more requests than
 * any per-key limit allows.
 *
 * Reads: each of 100 users reads their own finished build (plan, result, six
 * files), as clients polling build status do. The same load is also run, in
 * the same process, with the key checked in the database on every request,
 * and through the read path this platform had before (key checked in the
 * database, every statement unnamed, one `select *` per request): the ratios
 * between the rows are what the key cache, prepared statements and batched
 * overview reads are worth. Every run follows 2 s of the same load that is
 * not measured (V8 compiles the hot path first).
 *
 * Run: `RUST_BACKTRACE=0 deno run -A bench/http_routes_load.ts [seconds] [connections]`
 * (defaults: 5 s, 100). Database: `BENCH_DATABASE_URL` (a real PostgreSQL),
 * else embedded PGlite in memory (one connection: every query queues).
 *
 * @module
 */
import { buildBehavior } from "../actors/build.ts";
import { sessionBehavior } from "../actors/session.ts";
import { createApp } from "../http/app.ts";
import { type CheckApiKey, storageAuthenticate } from "../http/auth_storage.ts";
import { createBuildEventHub } from "../http/build_event_hub.ts";
import { silentLogger } from "../http/middleware/logger.ts";
import { principalOf } from "../http/middleware/auth.ts";
import { filesOf, summaryJson } from "../http/routes/builds.ts";
import { notFound } from "../http/routes/_shared.ts";
import { domainRoutes } from "../http/routes/mod.ts";
import { defineActor } from "../runtime/actor.ts";
import { ActorSystem } from "../runtime/system.ts";
import { parseConfig } from "../config.ts";
import { ApiKeyCache, watchAuthChanges } from "../storage/api_key_cache.ts";
import { createApiKey } from "../storage/api_keys.ts";
import { createBuild, getBuild, updateBuild } from "../storage/builds.ts";
import { openDatabase } from "../storage/db.ts";
import { migrateToLatest } from "../storage/migrate.ts";
import type { Db } from "../storage/schema.ts";
import { createUser } from "../storage/users.ts";
import {
  printWrkTable,
  serveWithHello,
  wrk as runWrk,
  type WrkOptions,
} from "./_wrk.ts";

const seconds = Number(Deno.args[0] ?? 5);
const connections = Number(Deno.args[1] ?? 100);
const databaseUrl = Deno.env.get("BENCH_DATABASE_URL") || undefined;

const config = parseConfig({});
const open = (preparedStatements: boolean) =>
  openDatabase(
    databaseUrl
      ? {
        url: databaseUrl,
        poolSize: config.DATABASE_POOL_SIZE,
        preparedStatements,
      }
      : { preparedStatements },
  );
const database = await open(true);
const db = database.db;
await migrateToLatest(db);

const system = { actorUserId: null } as const;
/** One user and key per connection: "100 concurrent users". */
const tokens: string[] = [];
const userIds: string[] = [];
for (let i = 0; i < connections; i++) {
  const u = await createUser(db, {
    email: `load-${i}-${crypto.randomUUID()}@example.com`,
    name: `Load ${i}`,
    dailyBuildQuota: 10_000_000,
  }, system);
  const created = await createApiKey(
    db,
    { userId: u.id, name: "load" },
    system,
  );
  userIds.push(u.id);
  tokens.push(created.token);
}
/** Each user's build, finished as a real one is: plan, result, files. */
const buildIds: string[] = [];
for (const userId of userIds) {
  const b = await createBuild(db, {
    userId,
    project: "load",
    language: "typescript",
    requirements: "A REST API for todos with tests.",
    source: "api",
  }, { actorUserId: userId });
  await updateBuild(db, b.id, { status: "analyzing" });
  await updateBuild(db, b.id, {
    status: "succeeded",
    plan: { summary: "todo API", files: ["mod.ts", "mod_test.ts"] },
    result: { tests: { passed: 12, failed: 0 }, scores: { security: 96 } },
    files: Array.from({ length: 6 }, (_, i) => ({
      path: `src/file_${i}.ts`,
      kind: "source",
      content: "export const x = 1;\n".repeat(100),
    })),
  });
  buildIds.push(b.id);
}
const token = tokens[0]!;
const buildId = buildIds[0]!;

const hub = createBuildEventHub();
const actors = new ActorSystem({
  behaviors: [
    sessionBehavior({ db }),
    buildBehavior({ db, notify: hub.publish }),
    defineActor<null, { type: string }>({
      kind: "workflow",
      durable: true,
      initialState: () => null,
      receive: (_ctx, state) => state,
    }),
  ],
});
actors.start();

const keyCache = new ApiKeyCache();
const stopWatching = await watchAuthChanges(database, keyCache);
const appOn = (on: Db, check?: CheckApiKey) =>
  createApp({
    authenticate: storageAuthenticate(on, check ? { check } : {}),
    logger: silentLogger,
    rateLimit: false,
    routes: domainRoutes({
      db: on,
      actors,
      events: hub,
      onAuthChange: keyCache.invalidate,
    }),
  });
const targets = serveWithHello(appOn(db, keyCache.check).fetch);
const uncached = serveWithHello(appOn(db).fetch);
// PGlite has one connection: a second handle on it is not possible.
const unnamedDatabase = databaseUrl ? await open(false) : undefined;
/**
 * The read path before the key cache, prepared statements and batched
 * overview reads: the key checked in the database, every statement unnamed,
 * and one `select *` (files included) per request.
 */
const previous = unnamedDatabase
  ? serveWithHello(
    createApp({
      authenticate: storageAuthenticate(unnamedDatabase.db),
      logger: silentLogger,
      rateLimit: false,
      routes: [(app) =>
        app.get("/v1/builds/:id", async (c) => {
          const build = await getBuild(
            unnamedDatabase.db,
            principalOf(c).user.id,
            c.req.param("id"),
          );
          if (!build) throw notFound("build", "build_not_found");
          return c.json({
            ...summaryJson(build),
            requirements: build.requirements,
            plan: build.plan,
            result: build.result,
            fileCount: filesOf(build).length,
          });
        })],
    }).fetch,
  )
  : undefined;
const wrk = (name: string, url: string, options: Partial<WrkOptions> = {}) =>
  runWrk(name, url, { seconds, connections, warmupSeconds: 2, ...options });

const tmp = await Deno.makeTempDir({ prefix: "troupe-wrk-" });
try {
  const post = `${tmp}/post.lua`;
  await Deno.writeTextFile(
    post,
    [
      'wrk.method = "POST"',
      'wrk.headers["Content-Type"] = "application/json"',
      `wrk.body = '${
        JSON.stringify({
          project: "load",
          language: "typescript",
          requirements: "A REST API for todos with tests.",
        })
      }'`,
    ].join("\n"),
  );
  // Each request of this script comes from the next user in turn.
  const postMany = `${tmp}/post_many.lua`;
  await Deno.writeTextFile(
    postMany,
    [
      await Deno.readTextFile(post),
      `local tokens = { ${tokens.map((t) => `"${t}"`).join(", ")} }`,
      "local n = 0",
      "request = function()",
      "  n = n + 1",
      '  wrk.headers["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]',
      "  return wrk.format()",
      "end",
    ].join("\n"),
  );
  // Each request of this script is the next user reading their own build.
  const getMany = `${tmp}/get_many.lua`;
  await Deno.writeTextFile(
    getMany,
    [
      `local tokens = { ${tokens.map((t) => `"${t}"`).join(", ")} }`,
      `local paths = { ${
        buildIds.map((id) => `"/v1/builds/${id}"`).join(", ")
      } }`,
      "local n = 0",
      "request = function()",
      "  n = n + 1",
      "  local i = (n % #tokens) + 1",
      '  wrk.headers["Authorization"] = "Bearer " .. tokens[i]',
      '  return wrk.format("GET", paths[i])',
      "end",
    ].join("\n"),
  );
  const auth = [`Authorization: Bearer ${token}`];
  const results = [
    await wrk("bare Hono hello-world", `${targets.hello}/`),
    await wrk(
      "GET /v1/me (cached key check: no query)",
      `${targets.app}/v1/me`,
      {
        headers: auth,
      },
    ),
    await wrk(
      `GET /v1/builds/:id (${connections} users, own build each)`,
      targets.app,
      { script: getMany },
    ),
    await wrk(
      `GET /v1/builds/:id (${connections} users; key checked in the database every time)`,
      uncached.app,
      { script: getMany },
    ),
    ...(previous
      ? [
        await wrk(
          `GET /v1/builds/:id (${connections} users; the previous read path)`,
          previous.app,
          { script: getMany },
        ),
      ]
      : []),
    await wrk(
      "GET /v1/builds/:id (one user, one build)",
      `${targets.app}/v1/builds/${buildId}`,
      { headers: auth },
    ),
    await wrk(
      `POST /v1/builds (${connections} users)`,
      `${targets.app}/v1/builds`,
      { script: postMany },
    ),
    await wrk(
      "POST /v1/builds (one user: one session actor)",
      `${targets.app}/v1/builds`,
      { headers: auth, script: post },
    ),
    await wrk(
      "POST /v1/builds (1 connection)",
      `${targets.app}/v1/builds`,
      { headers: auth, script: post, connections: 1 },
    ),
  ];
  const created = await db.selectFrom("builds").select((eb) =>
    eb.fn.countAll<number>().as("n")
  ).executeTakeFirstOrThrow();
  console.log(
    `wrk -t2 -c${connections} -d${seconds}s, loopback, Deno ${Deno.version.deno}, ` +
      `${
        databaseUrl
          ? `PostgreSQL server, pool of ${config.DATABASE_POOL_SIZE}`
          : "PGlite (in memory)"
      }, ` +
      `${navigator.hardwareConcurrency} CPUs, each run after 2 s of the same load unmeasured\n`,
  );
  printWrkTable(results, 3);
  console.log(`\nbuild rows after the run: ${Number(created.n)}`);
} finally {
  await targets.shutdown();
  await uncached.shutdown();
  await previous?.shutdown();
  await stopWatching();
  await actors.shutdown();
  await unnamedDatabase?.close();
  await database.close();
  await Deno.remove(tmp, { recursive: true });
}
