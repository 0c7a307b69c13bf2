/**
 * First start on an empty database: creates an admin and prints its API key
 * once. Two nodes starting together cannot both do it: the user and key are
 * created in one transaction, and the loser's insert fails on the unique
 * e-mail and is ignored.
 *
 * @module
 */
import { createApiKey } from "./storage/api_keys.ts";
import { DuplicateError } from "./storage/errors.ts";
import type { Db } from "./storage/schema.ts";
import { countUsers, createUser } from "./storage/users.ts";
import { omitUndefined } from "./runtime/optional.ts";

/** The e-mail of the admin created on first start. */
export const FIRST_ADMIN_EMAIL = "admin@troupe.local";

/**
 * Creates the first admin if there are no users; returns its token, or
 * undefined when users already exist. Its daily quota is
 * `options.dailyBuildQuota` (the node passes `DEFAULT_DAILY_QUOTA`).
 *
 * @example
 * ```ts ignore
 * await ensureFirstAdmin(db, console.log);
 * ```
 */
export async function ensureFirstAdmin(
  db: Db,
  announce: (line: string) => void,
  options: { dailyBuildQuota?: number } = {},
): Promise<string | undefined> {
  if (await countUsers(db) > 0) return undefined;
  try {
    const token = await db.transaction().execute(async (trx) => {
      const admin = await createUser(trx, {
        email: FIRST_ADMIN_EMAIL,
        name: "Administrator",
        role: "admin",
        ...omitUndefined({ dailyBuildQuota: options.dailyBuildQuota }),
      }, { actorUserId: null });
      const { token } = await createApiKey(trx, {
        userId: admin.id,
        name: "first start",
      }, { actorUserId: null });
      return token;
    });
    announce(
      `created the first admin (${FIRST_ADMIN_EMAIL}); its API key, shown only this once:\n\n    ${token}\n\n` +
        `use it as "Authorization: Bearer <key>"; make more users with "deno task user:create"`,
    );
    return token;
  } catch (error) {
    if (error instanceof DuplicateError) return undefined;
    throw error;
  }
}
