/**
 * The audit trail. Every mutation made through the platform takes an
 * {@link AuditContext} and writes its audit row in the same transaction as
 * the change itself, so there is never a change without its record (or a
 * record of a change that rolled back).
 *
 * @module
 */
import type { Kysely } from "./_kysely_types.ts";
import type { AuditLogRow, Db, Schema } from "./schema.ts";
import { jsonOrNull, run } from "./_sql.ts";

/** Who made a change, passed to every audited mutation. */
export interface AuditContext {
  /** The acting user; `null` for the system (CLI, actors, the bot itself). */
  readonly actorUserId: string | null;
  /** Client address, when the change came over HTTP. */
  readonly ip?: string | null | undefined;
  /** When; defaults to the database clock. */
  readonly now?: Date | undefined;
}

/** The system acting on its own (CLI, maintenance). */
export const SYSTEM: AuditContext = { actorUserId: null };

/** An audit log entry as returned by {@link listAuditLogs}. */
export interface AuditEntry {
  /** Increasing id; the log's order. */
  readonly id: number;
  /** The user who acted; null for the system or an anonymous caller. */
  readonly actorUserId: string | null;
  /** What was done (`apikey.create`, `user.role`, ...). */
  readonly action: string;
  /** What it was done to (an id or a name); null if nothing in particular. */
  readonly target: string | null;
  /** Extra facts about the action; null if none. */
  readonly details: unknown;
  /** Client IP address of the request; null outside HTTP. */
  readonly ip: string | null;
  /** When it happened. */
  readonly createdAt: Date;
}

function toEntry(row: AuditLogRow): AuditEntry {
  return {
    id: row.id,
    actorUserId: row.actor_user_id,
    action: row.action,
    target: row.target,
    details: row.details,
    ip: row.ip,
    createdAt: row.created_at,
  };
}

/**
 * Writes one audit row. Repositories call it inside their transaction; call
 * it directly only for actions that change nothing else (a login, an export).
 *
 * @example
 * ```ts
 * import { writeAudit } from "./audit.ts";
 * // await writeAudit(trx, { actorUserId: admin.id, ip }, "user.export", user.id);
 * ```
 */
export async function writeAudit(
  db: Kysely<Schema>,
  context: AuditContext,
  action: string,
  target: string | null,
  details?: unknown,
): Promise<void> {
  await run(() =>
    db.insertInto("audit_logs").values({
      actor_user_id: context.actorUserId,
      action,
      target,
      details: jsonOrNull(details),
      ip: context.ip ?? null,
      ...(context.now ? { created_at: context.now } : {}),
    }).execute()
  );
}

/** Filters for {@link listAuditLogs}. */
export interface AuditQuery {
  /** Only entries of this acting user. */
  readonly actorUserId?: string;
  /** Only entries of this action. */
  readonly action?: string;
  /** Only entries about this target. */
  readonly target?: string;
  /** Only entries strictly older than this (paging backwards). */
  readonly before?: Date;
  /** Only entries with an id below this (stable paging). */
  readonly beforeId?: number;
  /** Default 100, at most 1000. */
  readonly limit?: number;
}

/**
 * Audit entries, newest first. Admin-only: not scoped by user.
 *
 * @example
 * ```ts
 * import { listAuditLogs } from "./audit.ts";
 * // const last = await listAuditLogs(db, { action: "user.create", limit: 10 });
 * ```
 */
export async function listAuditLogs(
  db: Db,
  query: AuditQuery = {},
): Promise<AuditEntry[]> {
  let q = db.selectFrom("audit_logs").selectAll();
  if (query.actorUserId !== undefined) {
    q = q.where("actor_user_id", "=", query.actorUserId);
  }
  if (query.action !== undefined) q = q.where("action", "=", query.action);
  if (query.target !== undefined) q = q.where("target", "=", query.target);
  if (query.before !== undefined) q = q.where("created_at", "<", query.before);
  if (query.beforeId !== undefined) q = q.where("id", "<", query.beforeId);
  const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
  const rows = await run(() =>
    q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute()
  );
  return rows.map(toEntry);
}

/** Deletes entries older than `before`; returns how many. */
export async function pruneAuditLogs(db: Db, before: Date): Promise<number> {
  const result = await run(() =>
    db.deleteFrom("audit_logs").where("created_at", "<", before)
      .executeTakeFirst()
  );
  return Number(result.numDeletedRows);
}
