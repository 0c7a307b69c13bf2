/**
 * Build events: the ordered log of what happened to a build, for streaming
 * (SSE/WebSocket) and replay. Sequence numbers are 1, 2, 3, ... per build,
 * without gaps, assigned by the database.
 *
 * @module
 */
import { sql } from "kysely";
import { NotFoundError } from "./errors.ts";
import type { BuildEventRow, Db } from "./schema.ts";
import { isUuid, json, run } from "./_sql.ts";

/** One event of a build. */
export interface BuildEvent {
  /** The build the event belongs to. */
  readonly buildId: string;
  /** Position within the build's events, from 1 without gaps. */
  readonly seq: number;
  /** Kind of event (`status`, `log`, `tests`, ...). */
  readonly type: string;
  /** The event's payload. */
  readonly data: unknown;
  /** When the event was appended. */
  readonly createdAt: Date;
}

/** An event to append. */
export interface NewBuildEvent {
  /** Kind of event (`status`, `log`, `tests`, ...). */
  readonly type: string;
  /** The event's payload; default null. */
  readonly data?: unknown;
}

function toEvent(row: BuildEventRow): BuildEvent {
  return {
    buildId: row.build_id,
    seq: row.seq,
    type: row.type,
    data: row.data,
    createdAt: row.created_at,
  };
}

/**
 * Appends events to a build's log in one statement and returns them with
 * their sequence numbers. The statement advances `builds.last_event_seq`
 * (taking the build row's lock), so concurrent appenders get consecutive,
 * non-overlapping numbers. NotFoundError if the build does not exist.
 *
 * @example
 * ```ts
 * import { appendBuildEvents } from "./build_events.ts";
 * // const [e] = await appendBuildEvents(db, buildId, [{ type: "status", data: { status: "planning" } }]);
 * ```
 */
export async function appendBuildEvents(
  db: Db,
  buildId: string,
  events: readonly NewBuildEvent[],
  now: Date = new Date(),
): Promise<BuildEvent[]> {
  if (events.length === 0) return [];
  if (!isUuid(buildId)) throw new NotFoundError("build", buildId);
  const types = events.map((e) => e.type);
  const data = events.map((e) => json(e.data ?? {}));
  const n = events.length;
  // Only the base sequence number comes back: the rows themselves are known,
  // and not sending 1,000 jsonb values back halves the cost of a bulk insert.
  const result = await run(() =>
    sql<{ base: number }>`
      WITH b AS (
        UPDATE builds SET last_event_seq = last_event_seq + ${n}::int
        WHERE id = ${buildId}::uuid
        RETURNING last_event_seq - ${n}::int AS base
      ), ins AS (
        INSERT INTO build_events (build_id, seq, type, data, created_at)
        SELECT ${buildId}::uuid, b.base + e.ord, e.type, e.data,
          ${now}::timestamptz
        FROM b, unnest(${types}::text[], ${data}::jsonb[])
          WITH ORDINALITY AS e(type, data, ord)
      )
      SELECT base FROM b`.execute(db)
  );
  const base = result.rows[0]?.base;
  if (base === undefined) throw new NotFoundError("build", buildId);
  return events.map((e, i) => ({
    buildId,
    seq: base + i + 1,
    type: e.type,
    data: JSON.parse(data[i]!),
    createdAt: now,
  }));
}

/** Paging for event reads. */
export interface EventQuery {
  /** Default 1000, at most 5000. */
  readonly limit?: number;
}

function clampLimit(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? 1000, 1), 5000);
}

/**
 * A build's events with `seq > afterSeq`, in order. For the actors that own
 * the build; user-facing streams use {@link listUserBuildEvents}.
 */
export async function listBuildEvents(
  db: Db,
  buildId: string,
  afterSeq = 0,
  query: EventQuery = {},
): Promise<BuildEvent[]> {
  if (!isUuid(buildId)) return [];
  const rows = await run(() =>
    db.selectFrom("build_events").selectAll()
      .where("build_id", "=", buildId).where("seq", ">", afterSeq)
      .orderBy("seq", "asc").limit(clampLimit(query.limit)).execute()
  );
  return rows.map(toEvent);
}

/**
 * Events of one of a user's builds with `seq > afterSeq`, in order; empty if
 * the build is not theirs.
 */
export async function listUserBuildEvents(
  db: Db,
  userId: string,
  buildId: string,
  afterSeq = 0,
  query: EventQuery = {},
): Promise<BuildEvent[]> {
  if (!isUuid(userId) || !isUuid(buildId)) return [];
  const rows = await run(() =>
    db.selectFrom("build_events").selectAll("build_events")
      .innerJoin("builds", "builds.id", "build_events.build_id")
      .where("build_events.build_id", "=", buildId)
      .where("builds.user_id", "=", userId)
      .where("build_events.seq", ">", afterSeq)
      .orderBy("build_events.seq", "asc").limit(clampLimit(query.limit))
      .execute()
  );
  return rows.map(toEvent);
}

/**
 * Deletes events older than `before` of builds that have finished (the
 * retention job). Returns how many.
 */
export async function pruneBuildEvents(db: Db, before: Date): Promise<number> {
  const result = await run(() =>
    db.deleteFrom("build_events")
      .where("created_at", "<", before)
      .where("build_id", "in", (eb) =>
        eb.selectFrom("builds").select("id")
          .where("status", "in", ["succeeded", "failed", "cancelled"]))
      .executeTakeFirst()
  );
  return Number(result.numDeletedRows);
}
