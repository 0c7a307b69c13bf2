/**
 * A fully wired app for the domain-route tests: a test database with three
 * users (an admin, a user and another user) and real API keys, storage-backed
 * authentication through the API key cache fed by the database's change
 * notifications (as the platform wires it), a real actor system with the
 * real session and build actors (the workflow kind is a stand-in that records
 * runs: the agent graph is tested elsewhere), the build event hub, and
 * `domainRoutes`.
 */
import { buildBehavior } from "../../../actors/build.ts";
import { sessionBehavior } from "../../../actors/session.ts";
import type { AppOptions } from "../../../http/app.ts";
import { storageAuthenticate } from "../../../http/auth_storage.ts";
import { createBuildEventHub } from "../../../http/build_event_hub.ts";
import {
  type ActorRefs,
  type DomainDeps,
  domainRoutes,
} from "../../../http/routes/mod.ts";
import { defineActor } from "../../../runtime/actor.ts";
import { type Clock, realClock } from "../../../runtime/clock.ts";
import { ActorSystem } from "../../../runtime/system.ts";
import {
  ApiKeyCache,
  watchAuthChanges,
} from "../../../storage/api_key_cache.ts";
import { createApiKey } from "../../../storage/api_keys.ts";
import type { Db } from "../../../storage/schema.ts";
import { createUser, type User } from "../../../storage/users.ts";
import { openTestDatabase, type TestDatabase } from "../../storage/_db.ts";
import { bearer, testApp } from "../_app.ts";
import { omitUndefined } from "../../../runtime/optional.ts";

/** One test user with a working key. */
export interface TestUser {
  readonly user: User;
  readonly token: string;
  readonly keyId: string;
  readonly auth: { Authorization: string };
}

/** What {@link openRouteFixture} gives a test. */
export interface RouteFixture extends AsyncDisposable {
  readonly tdb: TestDatabase;
  readonly db: Db;
  readonly app: ReturnType<typeof testApp>["app"];
  readonly actors: ActorSystem;
  readonly hub: ReturnType<typeof createBuildEventHub>;
  readonly admin: TestUser;
  readonly bob: TestUser;
  readonly eve: TestUser;
  /** Build ids the stand-in workflow was asked to run. */
  readonly runs: string[];
  /** Makes another user with a key. */
  addUser(
    email: string,
    extra?: { role?: "user" | "admin"; quota?: number },
  ): Promise<TestUser>;
  close(): Promise<void>;
}

/** Options of {@link openRouteFixture}. */
export interface FixtureOptions {
  clock?: Clock;
  deps?: Partial<Omit<DomainDeps, "db" | "actors" | "clock">>;
  app?: Partial<AppOptions>;
  /** What the routes ask instead of the actor system (e.g. one that answers late). */
  wrapActors?: (system: ActorSystem) => ActorRefs;
}

/** A workflow kind that only records which builds it was asked to run. */
function workflowStandIn(runs: string[]) {
  return defineActor<null, { type: string; buildId?: string }>({
    kind: "workflow",
    durable: true,
    initialState: () => null,
    receive(ctx, state, msg) {
      if (msg.type === "run") runs.push(ctx.self.id);
      return state;
    },
  });
}

async function makeTestUser(
  db: Db,
  email: string,
  extra: { role?: "user" | "admin"; quota?: number } = {},
): Promise<TestUser> {
  const user = await createUser(db, {
    email,
    name: email.split("@")[0]!,
    ...(extra.role ? { role: extra.role } : {}),
    ...omitUndefined({ dailyBuildQuota: extra.quota }),
  }, { actorUserId: null });
  const { key, token } = await createApiKey(db, {
    userId: user.id,
    name: "test",
  }, { actorUserId: null });
  return { user, token, keyId: key.id, auth: bearer(token) };
}

/**
 * Opens the fixture; dispose it (`await using`) to stop the actors and
 * close the database.
 */
export async function openRouteFixture(
  options: FixtureOptions = {},
): Promise<RouteFixture> {
  const clock = options.clock ?? realClock;
  const tdb = await openTestDatabase();
  const db = tdb.db;
  const hub = createBuildEventHub();
  const runs: string[] = [];
  const actors = new ActorSystem({
    behaviors: [
      sessionBehavior({ db }),
      buildBehavior({ db, notify: hub.publish }),
      workflowStandIn(runs),
    ],
    clock,
  });
  actors.start();
  const keyCache = new ApiKeyCache();
  let stopWatching = () => Promise.resolve();
  try {
    stopWatching = await watchAuthChanges(tdb.database, keyCache);
    const admin = await makeTestUser(db, "ada@example.com", { role: "admin" });
    const bob = await makeTestUser(db, "bob@example.com");
    const eve = await makeTestUser(db, "eve@example.com");
    const { app } = testApp({
      authenticate: storageAuthenticate(db, { clock, check: keyCache.check }),
      clock,
      routes: domainRoutes({
        db,
        actors: options.wrapActors?.(actors) ?? actors,
        clock,
        events: hub,
        onAuthChange: keyCache.invalidate,
        ...options.deps,
      }),
      ...options.app,
    });
    let closed: Promise<void> | undefined;
    const close = () =>
      closed ??= (async () => {
        try {
          await stopWatching();
          await actors.shutdown();
        } finally {
          await tdb.close();
        }
      })();
    return {
      tdb,
      db,
      app,
      actors,
      hub,
      admin,
      bob,
      eve,
      runs,
      addUser: (email, extra) => makeTestUser(db, email, extra),
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await stopWatching();
    await actors.shutdown();
    await tdb.close();
    throw error;
  }
}

/** Polls `check` (every 5 ms, up to ~5 s) until it holds. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what = "condition",
): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${what} not reached`);
}

/** JSON body and status of a response (the body is always consumed). */
export async function read(
  res: Response,
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; body: any }> {
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
