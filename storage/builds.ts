/**
 * Builds: one row per requested build, moved through the status machine by
 * the build actor. Reads that serve a user take the user's id and are scoped
 * by it in the query; `loadBuild` is for the actors that own the row.
 *
 * @module
 */
import type { AuditContext } from "./audit.ts";
import { writeAudit } from "./audit.ts";
import { NotFoundError, StateError } from "./errors.ts";
import {
  BUILD_STATUSES,
  type BuildRow,
  type BuildSource,
  type BuildStatus,
  type Db,
  isTerminalStatus,
  TERMINAL_BUILD_STATUSES,
} from "./schema.ts";
import { sql } from "kysely";
import { inTransaction, isUuid, jsonOrNull, run } from "./_sql.ts";
import { omitUndefined } from "../runtime/optional.ts";

/** A build with everything it carries. */
export interface Build {
  /** The build's id (a UUID). */
  readonly id: string;
  /** The user who asked for it. */
  readonly userId: string;
  /** Project name the build produces. */
  readonly project: string;
  /** Programming language of the generated code. */
  readonly language: string;
  /** What the user asked for, in their words. */
  readonly requirements: string;
  /** Where the build is in its state machine. */
  readonly status: BuildStatus;
  /** Where the build was requested (API or Telegram). */
  readonly source: BuildSource;
  /** The chat model the build asked for; null: the configured one (OLLAMA_MODEL). */
  readonly model: string | null;
  /** The plan the workflow wrote; null until planning is done. */
  readonly plan: unknown;
  /** The final outcome (test report, scores); null until the build ends. */
  readonly result: unknown;
  /** The generated files as `{ path, content }` pairs; null until generated. */
  readonly files: unknown;
  /** Why the build failed; null unless it failed. */
  readonly error: string | null;
  /** Generation attempts made so far. */
  readonly attempts: number;
  /** Highest event sequence number appended so far (0: none). */
  readonly lastEventSeq: number;
  /** Telegram chat told of progress; null for builds not from Telegram. */
  readonly telegramChatId: number | null;
  /** When the build was requested. */
  readonly createdAt: Date;
  /** When the build last changed. */
  readonly updatedAt: Date;
  /** When the workflow first picked it up; null while queued. */
  readonly startedAt: Date | null;
  /** When it reached a terminal status; null before that. */
  readonly finishedAt: Date | null;
}

/** A build in a list: without requirements, plan, result and files. */
export type BuildSummary = Omit<
  Build,
  "requirements" | "plan" | "result" | "files"
>;

/** What {@link createBuild} takes. */
export interface NewBuild {
  /** The user the build is for. */
  readonly userId: string;
  /** Project name the build produces. */
  readonly project: string;
  /** Programming language to generate (`typescript`, `python`). */
  readonly language: string;
  /** What to build, in the user's words. */
  readonly requirements: string;
  /** Where the build was requested. */
  readonly source: BuildSource;
  /** The chat model to build with; absent or null: the configured one. */
  readonly model?: string | null;
  /** Telegram chat to tell of progress; absent or null: none. */
  readonly telegramChatId?: number | null;
  /** Optional fixed id (the build actor's key); default generated. */
  readonly id?: string;
}

/** Fields the build actor changes as the build progresses. */
export interface BuildPatch {
  /** The new status; a terminal one also sets `finished_at`. */
  readonly status?: BuildStatus;
  /** The plan the workflow wrote. */
  readonly plan?: unknown;
  /** The final outcome (test report, scores). */
  readonly result?: unknown;
  /** The generated files. */
  readonly files?: unknown;
  /** Why the build failed; null clears it. */
  readonly error?: string | null;
  /** Generation attempts made so far. */
  readonly attempts?: number;
}

/** Options of {@link updateBuild}. */
export interface UpdateBuildOptions {
  /** Defaults to the current time. */
  readonly now?: Date;
  /** Only update if the build is in this status (else StateError). */
  readonly expectedStatus?: BuildStatus;
  /** When the change is made on someone's behalf (cancel): audited. */
  readonly audit?: AuditContext;
}

const summaryColumns = [
  "id",
  "user_id",
  "project",
  "language",
  "status",
  "source",
  "model",
  "error",
  "attempts",
  "last_event_seq",
  "telegram_chat_id",
  "created_at",
  "updated_at",
  "started_at",
  "finished_at",
] as const;

/** The columns a {@link BuildSummary} is read from. */
export type SummaryRow = Omit<
  BuildRow,
  "requirements" | "plan" | "result" | "files"
>;

/** Maps the summary columns of a row to a {@link BuildSummary}. */
export function toBuildSummary(row: SummaryRow): BuildSummary {
  return {
    id: row.id,
    userId: row.user_id,
    project: row.project,
    language: row.language,
    status: row.status,
    source: row.source,
    model: row.model,
    error: row.error,
    attempts: row.attempts,
    lastEventSeq: row.last_event_seq,
    telegramChatId: row.telegram_chat_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** Maps a row to a {@link Build}. */
export function toBuild(row: BuildRow): Build {
  return {
    ...toBuildSummary(row),
    requirements: row.requirements,
    plan: row.plan,
    result: row.result,
    files: row.files,
  };
}

export { isTerminalStatus } from "./schema.ts";

/**
 * Creates a queued build with its `build.create` audit row.
 *
 * @example
 * ```ts
 * import { createBuild } from "./builds.ts";
 * // const build = await createBuild(db, {
 * //   userId, project: "todo", language: "typescript", requirements: "...", source: "api",
 * // }, { actorUserId: userId, ip });
 * ```
 */
export async function createBuild(
  db: Db,
  input: NewBuild,
  audit: AuditContext,
): Promise<Build> {
  // One statement (two data-modifying CTEs): the build and its audit row
  // commit together, in one round trip; this is the hottest write path.
  const now = audit.now ?? null;
  const result = await run(() =>
    sql<BuildRow>`
      WITH b AS (
        INSERT INTO builds (id, user_id, project, language, requirements,
          source, model, telegram_chat_id, created_at, updated_at)
        VALUES (coalesce(${input.id ?? null}::uuid, gen_random_uuid()),
          ${input.userId}::uuid, ${input.project}, ${input.language},
          ${input.requirements}, ${input.source}, ${input.model ?? null},
          ${input.telegramChatId ?? null}::bigint,
          coalesce(${now}::timestamptz, now()),
          coalesce(${now}::timestamptz, now()))
        RETURNING *
      ), a AS (
        INSERT INTO audit_logs (actor_user_id, action, target, details, ip,
          created_at)
        SELECT ${audit.actorUserId}::uuid, 'build.create', b.id::text,
          jsonb_build_object('project', b.project, 'language', b.language,
            'source', b.source),
          ${audit.ip ?? null}, coalesce(${now}::timestamptz, now())
        FROM b
      )
      SELECT * FROM b`.execute(db)
  );
  const row = result.rows[0];
  if (row === undefined) {
    throw new Error("INSERT ... RETURNING returned no row");
  }
  return toBuild(row);
}

/**
 * One of a user's builds; undefined if it does not exist or is someone
 * else's.
 */
export async function getBuild(
  db: Db,
  userId: string,
  buildId: string,
): Promise<Build | undefined> {
  if (!isUuid(userId) || !isUuid(buildId)) return undefined;
  const row = await run(() =>
    db.selectFrom("builds").selectAll()
      .where("id", "=", buildId).where("user_id", "=", userId)
      .executeTakeFirst()
  );
  return row && toBuild(row);
}

/** What a follower of a build polls: its status and latest event number. */
export interface BuildProgress {
  /** Where the build is in its state machine. */
  readonly status: BuildStatus;
  /** Highest event sequence number appended so far (0: none). */
  readonly lastEventSeq: number;
}

/**
 * Status and latest event number of one of a user's builds: two columns
 * instead of {@link getBuild}'s whole row, whose files and result can be
 * large. Undefined if it does not exist or is someone else's.
 */
export async function getBuildProgress(
  db: Db,
  userId: string,
  buildId: string,
): Promise<BuildProgress | undefined> {
  if (!isUuid(userId) || !isUuid(buildId)) return undefined;
  const row = await run(() =>
    db.selectFrom("builds").select(["status", "last_event_seq"])
      .where("id", "=", buildId).where("user_id", "=", userId)
      .executeTakeFirst()
  );
  return row && { status: row.status, lastEventSeq: row.last_event_seq };
}

/**
 * A build by id alone, for the actors that own it (build, workflow) and for
 * admins. Never use it to answer a user's request: use {@link getBuild}.
 */
export async function loadBuild(
  db: Db,
  buildId: string,
): Promise<Build | undefined> {
  if (!isUuid(buildId)) return undefined;
  const row = await run(() =>
    db.selectFrom("builds").selectAll().where("id", "=", buildId)
      .executeTakeFirst()
  );
  return row && toBuild(row);
}

/** Paging and filters for {@link listBuilds}. */
export interface BuildQuery {
  /** Default 50, at most 200. */
  readonly limit?: number;
  /** Keyset paging: only builds listed after this one (older). */
  readonly before?: { readonly createdAt: Date; readonly id: string };
  /** Only builds with this status; absent: every status. */
  readonly status?: BuildStatus;
}

/**
 * The latest failed builds of every user, newest first: for admins only,
 * never to answer a user's request.
 */
export async function listFailedBuilds(
  db: Db,
  limit: number,
): Promise<BuildSummary[]> {
  const rows = await run(() =>
    db.selectFrom("builds").select(summaryColumns)
      .where("status", "=", "failed")
      .orderBy("created_at", "desc").orderBy("id", "desc")
      .limit(Math.min(Math.max(limit, 1), 200)).execute()
  );
  return rows.map(toBuildSummary);
}

/**
 * A user's builds, newest first (served by the (user_id, created_at desc, id
 * desc) index).
 */
export async function listBuilds(
  db: Db,
  userId: string,
  query: BuildQuery = {},
): Promise<BuildSummary[]> {
  if (!isUuid(userId)) return [];
  let q = db.selectFrom("builds").select(summaryColumns)
    .where("user_id", "=", userId);
  if (query.status !== undefined) q = q.where("status", "=", query.status);
  const before = query.before;
  if (before !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb("created_at", "<", before.createdAt),
        eb.and([
          eb("created_at", "=", before.createdAt),
          eb("id", "<", before.id),
        ]),
      ])
    );
  }
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
  const rows = await run(() =>
    q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit)
      .execute()
  );
  return rows.map(toBuildSummary);
}

/**
 * Builds a user created at or after `since`, for the daily quota.
 */
export async function countBuildsSince(
  db: Db,
  userId: string,
  since: Date,
): Promise<number> {
  if (!isUuid(userId)) return 0;
  const row = await run(() =>
    db.selectFrom("builds").select((eb) => eb.fn.countAll<number>().as("n"))
      .where("user_id", "=", userId).where("created_at", ">=", since)
      .executeTakeFirstOrThrow()
  );
  return Number(row.n);
}

/** Number of builds in each status (every status present, 0 if none). */
export async function countBuildsByStatus(
  db: Db,
): Promise<Record<BuildStatus, number>> {
  const rows = await run(() =>
    db.selectFrom("builds")
      .select((eb) => ["status", eb.fn.countAll<number>().as("n")])
      .groupBy("status").execute()
  );
  const counts = Object.fromEntries(
    BUILD_STATUSES.map((s) => [s, 0]),
  ) as Record<
    BuildStatus,
    number
  >;
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

/**
 * Applies a progress update from the build actor. `started_at` is set when
 * the build first leaves `queued`, `finished_at` when it reaches a final
 * status; a finished build never changes again (StateError). One statement
 * on the happy path.
 */
export function updateBuild(
  db: Db,
  buildId: string,
  patch: BuildPatch,
  options: UpdateBuildOptions = {},
): Promise<Build> {
  const work = async (tx: Db) => {
    if (!isUuid(buildId)) throw new NotFoundError("build", buildId);
    const now = options.now ?? new Date();
    const status = patch.status;
    let q = tx.updateTable("builds")
      .set((eb) => ({
        updated_at: now,
        ...omitUndefined({ status }),
        ...(status !== undefined && status !== "queued"
          ? { started_at: eb.fn.coalesce("started_at", eb.val(now)) }
          : {}),
        ...(status !== undefined && isTerminalStatus(status)
          ? { finished_at: now }
          : {}),
        ...("plan" in patch ? { plan: jsonOrNull(patch.plan) } : {}),
        ...("result" in patch ? { result: jsonOrNull(patch.result) } : {}),
        ...("files" in patch ? { files: jsonOrNull(patch.files) } : {}),
        ...omitUndefined({ error: patch.error, attempts: patch.attempts }),
      }))
      .where("id", "=", buildId)
      .where("status", "not in", TERMINAL_BUILD_STATUSES);
    if (options.expectedStatus !== undefined) {
      q = q.where("status", "=", options.expectedStatus);
    }
    const row = await q.returningAll().executeTakeFirst();
    if (row === undefined) {
      const current = await tx.selectFrom("builds").select("status")
        .where("id", "=", buildId).executeTakeFirst();
      if (current === undefined) throw new NotFoundError("build", buildId);
      throw new StateError(
        "build",
        buildId,
        isTerminalStatus(current.status)
          ? `already ${current.status}`
          : `is ${current.status}, expected ${options.expectedStatus}`,
      );
    }
    if (options.audit !== undefined) {
      await writeAudit(
        tx,
        options.audit,
        "build.update",
        buildId,
        omitUndefined({ status }),
      );
    }
    return toBuild(row);
  };
  return options.audit === undefined
    ? run(() => work(db))
    : inTransaction(db, (trx) => work(trx));
}

/**
 * Cancels one of a user's builds with a `build.cancel` audit row.
 * NotFoundError if it is not theirs; StateError if it already finished.
 * (Normally the build actor does this on a `cancel` message so it can also
 * stop the workflow.)
 */
export function cancelBuild(
  db: Db,
  userId: string,
  buildId: string,
  audit: AuditContext,
): Promise<Build> {
  return inTransaction(db, async (trx) => {
    if (!isUuid(userId) || !isUuid(buildId)) {
      throw new NotFoundError("build", buildId);
    }
    const owned = await trx.selectFrom("builds").select("status")
      .where("id", "=", buildId).where("user_id", "=", userId)
      .forUpdate().executeTakeFirst();
    if (owned === undefined) throw new NotFoundError("build", buildId);
    if (isTerminalStatus(owned.status)) {
      throw new StateError("build", buildId, `already ${owned.status}`);
    }
    const build = await updateBuild(
      trx,
      buildId,
      { status: "cancelled" },
      omitUndefined({ now: audit.now }),
    );
    await writeAudit(trx, audit, "build.cancel", buildId, {
      from: owned.status,
    });
    return build;
  });
}

/**
 * Deletes one of a user's builds and everything hanging off it (events,
 * analysis, vector bookkeeping). NotFoundError if it is not theirs.
 */
export function deleteBuild(
  db: Db,
  userId: string,
  buildId: string,
  audit: AuditContext,
): Promise<void> {
  return inTransaction(db, async (trx) => {
    if (!isUuid(userId) || !isUuid(buildId)) {
      throw new NotFoundError("build", buildId);
    }
    const row = await trx.deleteFrom("builds")
      .where("id", "=", buildId).where("user_id", "=", userId)
      .returning("project").executeTakeFirst();
    if (row === undefined) throw new NotFoundError("build", buildId);
    await writeAudit(trx, audit, "build.delete", buildId, {
      project: row.project,
    });
  });
}
