/**
 * Tables of the PostgreSQL actor transport (`storage/pg_transport.ts`):
 *
 * - `actor_mailboxes`: one row per actor that was ever posted to or leased:
 *   the last sequence number handed out, the fencing token of the last lease,
 *   the current lease (holder node and expiry, in ms on the nodes' clocks),
 *   and whether a wake-up is owed when the lease ends (a node was refused it).
 * - `actor_messages`: the mailbox entries not yet acknowledged, by seq.
 * - `actor_reminders`: delayed posts, moved into the mailbox when due.
 * - `actor_replies`: replies too large for a NOTIFY payload, until fetched.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

const upSql: string[] = [
  `CREATE TABLE actor_mailboxes (
    kind text NOT NULL,
    id text NOT NULL,
    next_seq bigint NOT NULL DEFAULT 0,
    fence bigint NOT NULL DEFAULT 0,
    lease_node text,
    lease_expires_at bigint,
    owed boolean NOT NULL DEFAULT false,
    PRIMARY KEY (kind, id)
  )`,
  `CREATE INDEX actor_mailboxes_owed_idx ON actor_mailboxes (lease_expires_at)
   WHERE owed`,
  `CREATE TABLE actor_messages (
    kind text NOT NULL,
    id text NOT NULL,
    seq bigint NOT NULL,
    envelope jsonb NOT NULL,
    PRIMARY KEY (kind, id, seq)
  )`,
  `CREATE TABLE actor_reminders (
    id bigserial PRIMARY KEY,
    deliver_at bigint NOT NULL,
    envelope jsonb NOT NULL
  )`,
  `CREATE INDEX actor_reminders_due_idx ON actor_reminders (deliver_at)`,
  `CREATE TABLE actor_replies (
    id bigserial PRIMARY KEY,
    node text NOT NULL,
    reply jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
];

const downSql: string[] = [
  "DROP TABLE IF EXISTS actor_replies",
  "DROP TABLE IF EXISTS actor_reminders",
  "DROP TABLE IF EXISTS actor_messages",
  "DROP TABLE IF EXISTS actor_mailboxes",
];

/** Creates the transport's tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of upSql) await sql.raw(statement).execute(db);
}

/** Drops them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of downSql) await sql.raw(statement).execute(db);
}
