/**
 * Load test of the domain routes over real sockets with wrk (Debian's
 * `wrk`): `GET /v1/builds/:id` and `POST /v1/builds` at 100 connections,
 * against a bare Hono hello-world served the same way in the same run.
 *
 * Everything on the request path is real: API keys checked in the database
 * (`storageAuthenticate`), the session actor enforcing the quota and
 * creating the build row with its audit row, the build actor receiving
 * `start`. Only the agent graph is left out: the workflow kind here accepts
 * `run` and does nothing, so the figures are the platform's, not a model's.
 * The per-key rate limit is off (one key makes every request).
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
import { storageAuthenticate } from "../http/auth_storage.ts";
import { createBuildEventHub } from "../http/build_event_hub.ts";
import { silentLogger } from "../http/middleware/logger.ts";
import { domainRoutes } from "../http/routes/mod.ts";
import { defineActor } from "../runtime/actor.ts";
import { ActorSystem } from "../runtime/system.ts";
import { createApiKey } from "../storage/api_keys.ts";
import { createBuild } from "../storage/builds.ts";
import { openDatabase } from "../storage/db.ts";
import { migrateToLatest } from "../storage/migrate.ts";
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

const database = await openDatabase(
  databaseUrl ? { url: databaseUrl, poolSize: 20 } : {},
);
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
const user = { id: userIds[0]! };
const token = tokens[0]!;
const build = await createBuild(db, {
  userId: user.id,
  project: "load",
  language: "typescript",
  requirements: "a todo API",
  source: "api",
}, { actorUserId: user.id });

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

const app = createApp({
  authenticate: storageAuthenticate(db),
  logger: silentLogger,
  rateLimit: false,
  routes: domainRoutes({ db, actors, events: hub }),
});
const targets = serveWithHello(app.fetch);
const wrk = (name: string, url: string, options: Partial<WrkOptions> = {}) =>
  runWrk(name, url, { seconds, connections, ...options });

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
  const auth = [`Authorization: Bearer ${token}`];
  const results = [
    await wrk("bare Hono hello-world", `${targets.hello}/`),
    await wrk("GET /v1/me (key check only)", `${targets.app}/v1/me`, {
      headers: auth,
    }),
    await wrk(
      "GET /v1/builds/:id",
      `${targets.app}/v1/builds/${build.id}`,
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
      `${databaseUrl ? "PostgreSQL server" : "PGlite (in memory)"}, ` +
      `${navigator.hardwareConcurrency} CPUs\n`,
  );
  printWrkTable(results, 3);
  console.log(`\nbuild rows after the run: ${Number(created.n)}`);
} finally {
  await targets.shutdown();
  await actors.shutdown();
  await database.close();
  await Deno.remove(tmp, { recursive: true });
}
