/**
 * `telegram_pollers`: the Telegram long-polling lease and confirmed offset of
 * each bot, when the nodes share PostgreSQL (the postgres actor transport):
 * the lease holder (node id) and its expiry (ms on the nodes' clocks, as in
 * `actor_mailboxes`), the fencing token bumped whenever the lease changes
 * hands, and the next update id to fetch.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

const upSql: string[] = [
  `CREATE TABLE telegram_pollers (
    bot_id bigint PRIMARY KEY,
    fence bigint NOT NULL DEFAULT 0,
    owner text,
    expires_at bigint,
    update_offset bigint,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
];

/** Creates the table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of upSql) await sql.raw(statement).execute(db);
}

/** Drops it. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw("DROP TABLE IF EXISTS telegram_pollers").execute(db);
}
