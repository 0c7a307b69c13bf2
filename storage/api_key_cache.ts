/**
 * A per-node cache of API-key checks that never outlives a change.
 *
 * Every authenticated request checks its key; without a cache that is a
 * database round trip before any work. The cache keeps successful checks by
 * the token's hash, and drops them as soon as the database says the key or
 * its user changed: migration 0002's triggers NOTIFY `troupe_auth` when such
 * a change commits, on whichever node or tool made it. While that
 * notification channel is down the cache is bypassed, so a revocation,
 * deletion, expiry, role change or disabling takes effect at once everywhere.
 *
 * @module
 */
import { sql } from "kysely";
import {
  type ApiKey,
  type ApiKeyCheck,
  apiKeyPrefix,
  checkApiKey,
  hashApiKey,
  LAST_USED_RESOLUTION_MS,
  touchApiKey,
} from "./api_keys.ts";
import type { Database } from "./db.ts";
import type { Db } from "./schema.ts";
import type { User } from "./users.ts";

/** The NOTIFY channel of migration 0002's triggers. */
export const AUTH_CHANNEL = "troupe_auth";

/** What changed: `key:<api key id>` or `user:<user id>`. */
export type AuthChange = `key:${string}` | `user:${string}`;

/** How big and how old entries may get. */
export interface ApiKeyCacheOptions {
  /** Most keys kept; the oldest entry goes first. Default 10,000. */
  readonly maxEntries?: number;
  /**
   * Longest an entry is trusted, a bound should notifications ever stop
   * without the connection failing. Default 60 s.
   */
  readonly ttlMs?: number;
}

interface Entry {
  readonly user: User;
  key: ApiKey;
  readonly cachedAt: number;
}

/**
 * Caches successful {@link checkApiKey} results. Until it is told it may
 * ({@link ApiKeyCache.resume}, which {@link watchAuthChanges} calls once it
 * listens), it caches nothing and every check goes to the database.
 *
 * @example
 * ```ts
 * import { ApiKeyCache, watchAuthChanges } from "./api_key_cache.ts";
 * import { openDatabase } from "./db.ts";
 * import { migrateToLatest } from "./migrate.ts";
 * await using database = await openDatabase();
 * await migrateToLatest(database.db);
 * const cache = new ApiKeyCache();
 * const stop = await watchAuthChanges(database, cache);
 * const result = await cache.check(database.db, "trp_aaaaaaaa_x", new Date());
 * console.assert(!result.ok);
 * await stop();
 * ```
 */
export class ApiKeyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  #active = false;
  /**
   * Bumped by every invalidation: a check that read the database before the
   * bump may have read what the change replaced, so it is not cached.
   */
  #generation = 0;

  /** An empty cache; `options` bound its size and entry lifetime. */
  constructor(options: ApiKeyCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#ttlMs = options.ttlMs ?? 60_000;
  }

  /** Keys cached now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether checks are being cached (the change feed is up). */
  get active(): boolean {
    return this.#active;
  }

  /** Checks a token like {@link checkApiKey}, from the cache when it can. */
  check = async (db: Db, token: string, now: Date): Promise<ApiKeyCheck> => {
    if (apiKeyPrefix(token) === undefined) {
      return { ok: false, reason: "invalid" };
    }
    const generation = this.#generation;
    const hash = await hashApiKey(token);
    const entry = this.#entries.get(hash);
    if (entry && now.getTime() - entry.cachedAt < this.#ttlMs) {
      const { expiresAt } = entry.key;
      if (expiresAt !== null && expiresAt <= now) {
        this.#entries.delete(hash);
        return { ok: false, reason: "expired" };
      }
      this.#touch(db, entry, now);
      return { ok: true, user: entry.user, key: entry.key };
    }
    if (entry) this.#entries.delete(hash);
    const result = await checkApiKey(db, token, now);
    if (result.ok && this.#active && generation === this.#generation) {
      if (this.#entries.size >= this.#maxEntries) {
        const oldest = this.#entries.keys().next();
        if (!oldest.done) this.#entries.delete(oldest.value);
      }
      this.#entries.set(hash, {
        user: result.user,
        key: result.key,
        cachedAt: now.getTime(),
      });
    }
    return result;
  };

  /** Forgets what a change touched (a payload of the `troupe_auth` channel). */
  invalidate = (change: string): void => {
    const colon = change.indexOf(":");
    const kind = change.slice(0, colon);
    if (kind === "probe") return; // a feed's self-test, not a change
    this.#generation++;
    const id = change.slice(colon + 1);
    if (kind !== "key" && kind !== "user") {
      this.#entries.clear(); // unknown change: drop everything
      return;
    }
    for (const [hash, entry] of this.#entries) {
      if (kind === "key" ? entry.key.id === id : entry.user.id === id) {
        this.#entries.delete(hash);
      }
    }
  };

  /** Stops caching and forgets everything: changes can no longer be seen. */
  suspend(): void {
    this.#active = false;
    this.#generation++;
    this.#entries.clear();
  }

  /** Starts caching: changes from now on will be seen. */
  resume(): void {
    this.#generation++;
    this.#entries.clear();
    this.#active = true;
  }

  /** Records a use at most once per resolution, without holding the request. */
  #touch(db: Db, entry: Entry, now: Date): void {
    const last = entry.key.lastUsedAt;
    if (
      last !== null && now.getTime() - last.getTime() < LAST_USED_RESOLUTION_MS
    ) return;
    const before = entry.key;
    entry.key = { ...before, lastUsedAt: now };
    touchApiKey(db, before.id, now).catch(() => {
      // Best effort, as the uncached check's touch is: try again next use.
      entry.key = before;
    });
  }
}

/** Told about the change feed's connection, for logs. */
export interface AuthWatchEvents {
  /** The feed stopped (why); key checks go to the database until it is back. */
  lost?(error: unknown): void;
  /** The feed is back after being lost. */
  restored?(): void;
}

/** How {@link watchAuthChanges} confirms its feed. */
export interface AuthWatchOptions {
  /**
   * Longest wait for the feed's own test notification before caching starts.
   * One that never arrives (a pooler that does not pass LISTEN through)
   * leaves the cache bypassed. Default 2 s.
   */
  readonly confirmTimeoutMs?: number;
}

/**
 * Feeds `cache` from the `troupe_auth` channel: invalidations as changes
 * commit. Caching starts only once a test notification sent through the pool
 * came back on the feed (so the feed is known to see the pool's commits), and
 * stops whenever the feed's connection is lost. Resolves once confirmed, or
 * after `confirmTimeoutMs` with the cache still bypassed; returns the function
 * that stops it.
 *
 * @example
 * ```ts
 * import { ApiKeyCache, watchAuthChanges } from "./api_key_cache.ts";
 * import { openDatabase } from "./db.ts";
 * await using database = await openDatabase();
 * const cache = new ApiKeyCache();
 * const stop = await watchAuthChanges(database, cache);
 * console.assert(cache.active);
 * await stop();
 * ```
 */
export async function watchAuthChanges(
  database: Pick<Database, "db" | "listen">,
  cache: ApiKeyCache,
  events: AuthWatchEvents = {},
  options: AuthWatchOptions = {},
): Promise<() => Promise<void>> {
  const timeoutMs = options.confirmTimeoutMs ?? 2000;
  let lost = false;
  let probe: string | undefined;
  let confirmed: () => void = () => {};
  const firstConfirmation = new Promise<void>((resolve) => {
    confirmed = resolve;
  });
  const unlisten = await database.listen(AUTH_CHANNEL, {
    notify(payload) {
      if (payload.startsWith("probe:")) {
        if (payload !== probe) return; // another node's
        probe = undefined;
        cache.resume();
        if (lost) events.restored?.();
        lost = false;
        confirmed();
        return;
      }
      cache.invalidate(payload);
    },
    listening() {
      const sent = `probe:${crypto.randomUUID()}`;
      probe = sent;
      sql`select pg_notify(${AUTH_CHANNEL}, ${sent})`.execute(database.db)
        .catch(() => {
          // The feed is up but the pool is not: stay bypassed until the next
          // reconnect sends another probe.
          if (probe === sent) probe = undefined;
        });
    },
    lost(error) {
      probe = undefined;
      cache.suspend();
      if (!lost) events.lost?.(error);
      lost = true;
    },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    firstConfirmation,
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (!cache.active) {
          events.lost?.(
            new Error(
              `no notification came back on ${AUTH_CHANNEL} within ${timeoutMs} ms ` +
                "(a pooler that does not pass LISTEN/NOTIFY through?)",
            ),
          );
          lost = true;
        }
        resolve();
      }, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return async () => {
    probe = undefined;
    cache.suspend();
    await unlisten();
  };
}
