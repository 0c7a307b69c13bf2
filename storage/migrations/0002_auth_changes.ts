/**
 * Tells every node when an API key or a user changes in a way that matters to
 * authentication: a NOTIFY on `troupe_auth` with `key:<id>` or `user:<id>`,
 * sent when the changing transaction commits, whoever made the change (a
 * node, a `deno task` command, plain SQL). Nodes that cache key checks drop
 * the affected entries (`storage/api_key_cache.ts`).
 *
 * Touching `last_used_at` notifies nobody: it changes nothing a check decides.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

const upSql: string[] = [
  `CREATE FUNCTION troupe_notify_auth_change() RETURNS trigger
   LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM pg_notify('troupe_auth', TG_ARGV[0] || ':' || COALESCE(NEW.id, OLD.id));
     RETURN NULL;
   END
   $$`,
  `CREATE TRIGGER api_keys_auth_change
   AFTER UPDATE OF user_id, prefix, hash, scopes, expires_at, revoked_at OR DELETE
   ON api_keys FOR EACH ROW EXECUTE FUNCTION troupe_notify_auth_change('key')`,
  `CREATE TRIGGER users_auth_change
   AFTER UPDATE OR DELETE
   ON users FOR EACH ROW EXECUTE FUNCTION troupe_notify_auth_change('user')`,
];

const downSql: string[] = [
  "DROP TRIGGER IF EXISTS users_auth_change ON users",
  "DROP TRIGGER IF EXISTS api_keys_auth_change ON api_keys",
  "DROP FUNCTION IF EXISTS troupe_notify_auth_change()",
];

/** Adds the triggers. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of upSql) await sql.raw(statement).execute(db);
}

/** Removes the triggers. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of downSql) await sql.raw(statement).execute(db);
}
