/**
 * The production {@linkcode Authenticate}: API keys checked against the
 * `api_keys` and `users` tables through storage's repository.
 *
 * @module
 */
import { realClock } from "../runtime/clock.ts";
import { checkApiKey } from "../storage/api_keys.ts";
import type { ApiKey, ApiKeyCheck, Clock, Db, User } from "./_room_types.ts";
import type { Principal } from "./context.ts";
import type { Authenticate } from "./middleware/auth.ts";

/**
 * How a presented key is checked: storage's `checkApiKey` by default, or
 * `ApiKeyCache.check` in front of it. The refusal reason becomes the
 * distinct `invalid_api_key` / `revoked_api_key` / `expired_api_key` /
 * `user_disabled` answers.
 */
export type CheckApiKey = (
  db: Db,
  token: string,
  now: Date,
) => Promise<ApiKeyCheck>;

/** The caller as the HTTP layer sees it, from storage's user and key. */
export function toPrincipal(user: User, key: ApiKey): Principal {
  return {
    user: { id: user.id, name: user.name, email: user.email, role: user.role },
    key: { id: key.id, prefix: key.prefix, expiresAt: key.expiresAt },
  };
}

/**
 * @example
 * ```ts
 * import { createApp } from "./app.ts";
 * import { storageAuthenticate } from "./auth_storage.ts";
 * import { openDatabase } from "../storage/db.ts";
 * await using database = await openDatabase({});
 * const app = createApp({ authenticate: storageAuthenticate(database.db) });
 * ```
 */
/** An `Authenticate` that checks API keys against the database. */
export function storageAuthenticate(
  db: Db,
  options: { clock?: Pick<Clock, "now">; check?: CheckApiKey } = {},
): Authenticate {
  const clock = options.clock ?? realClock;
  const check: CheckApiKey = options.check ?? checkApiKey;
  return async (token) => {
    const result = await check(db, token, new Date(clock.now()));
    return result.ok
      ? { ok: true, principal: toPrincipal(result.user, result.key) }
      : { ok: false, reason: result.reason };
  };
}
