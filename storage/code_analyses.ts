/**
 * Code analyses: security, quality and maintainability scores (0-100) and
 * findings, either of a build (at most one per build, replaced on re-run) or
 * of code sent to `/v1/analyze` (no build).
 *
 * @module
 */
import type { CodeAnalysisRow, Db } from "./schema.ts";
import { isUuid, json, run } from "./_sql.ts";

/** One analysis. */
export interface CodeAnalysis {
  /** The analysis's id (a UUID). */
  readonly id: string;
  /** The build analysed; null for an ad-hoc analysis. */
  readonly buildId: string | null;
  /** The user it was made for. */
  readonly userId: string;
  /** Security score, 0-100, higher is better. */
  readonly security: number;
  /** Quality score, 0-100, higher is better. */
  readonly quality: number;
  /** Maintainability score, 0-100, higher is better. */
  readonly maintainability: number;
  /** The findings behind the scores. */
  readonly findings: unknown;
  /** When the analysis was made. */
  readonly createdAt: Date;
}

/** What {@link saveCodeAnalysis} takes. */
export interface NewCodeAnalysis {
  /** The user it is made for. */
  readonly userId: string;
  /** The build analysed; absent or null for an ad-hoc analysis. */
  readonly buildId?: string | null;
  /** Security score, 0-100, higher is better. */
  readonly security: number;
  /** Quality score, 0-100, higher is better. */
  readonly quality: number;
  /** Maintainability score, 0-100, higher is better. */
  readonly maintainability: number;
  /** The findings behind the scores. */
  readonly findings: unknown;
}

function toAnalysis(row: CodeAnalysisRow): CodeAnalysis {
  return {
    id: row.id,
    buildId: row.build_id,
    userId: row.user_id,
    security: row.security,
    quality: row.quality,
    maintainability: row.maintainability,
    findings: row.findings,
    createdAt: row.created_at,
  };
}

/**
 * Stores an analysis. For a build, replaces the build's previous analysis.
 * Scores outside 0-100 or non-integers raise ConstraintError.
 *
 * @example
 * ```ts
 * import { saveCodeAnalysis } from "./code_analyses.ts";
 * // await saveCodeAnalysis(db, { userId, buildId, security: 90, quality: 80, maintainability: 75, findings: [] });
 * ```
 */
export async function saveCodeAnalysis(
  db: Db,
  input: NewCodeAnalysis,
  now: Date = new Date(),
): Promise<CodeAnalysis> {
  const values = {
    user_id: input.userId,
    build_id: input.buildId ?? null,
    security: input.security,
    quality: input.quality,
    maintainability: input.maintainability,
    findings: json(input.findings ?? []),
    created_at: now,
  };
  const row = await run(() => {
    const insert = db.insertInto("code_analyses").values(values);
    return (values.build_id === null
      ? insert
      : insert.onConflict((oc) =>
        oc.column("build_id").where("build_id", "is not", null)
          .doUpdateSet((eb) => ({
            security: eb.ref("excluded.security"),
            quality: eb.ref("excluded.quality"),
            maintainability: eb.ref("excluded.maintainability"),
            findings: eb.ref("excluded.findings"),
          }))
      )).returningAll().executeTakeFirstOrThrow();
  });
  return toAnalysis(row);
}

/** One of a user's analyses by id. */
export async function getCodeAnalysis(
  db: Db,
  userId: string,
  analysisId: string,
): Promise<CodeAnalysis | undefined> {
  if (!isUuid(userId) || !isUuid(analysisId)) return undefined;
  const row = await run(() =>
    db.selectFrom("code_analyses").selectAll()
      .where("id", "=", analysisId).where("user_id", "=", userId)
      .executeTakeFirst()
  );
  return row && toAnalysis(row);
}

/** The analysis of one of a user's builds. */
export async function getBuildAnalysis(
  db: Db,
  userId: string,
  buildId: string,
): Promise<CodeAnalysis | undefined> {
  if (!isUuid(userId) || !isUuid(buildId)) return undefined;
  const row = await run(() =>
    db.selectFrom("code_analyses").selectAll()
      .where("build_id", "=", buildId).where("user_id", "=", userId)
      .executeTakeFirst()
  );
  return row && toAnalysis(row);
}

/** A user's analyses, newest first. */
export async function listCodeAnalyses(
  db: Db,
  userId: string,
  query: { limit?: number } = {},
): Promise<CodeAnalysis[]> {
  if (!isUuid(userId)) return [];
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
  const rows = await run(() =>
    db.selectFrom("code_analyses").selectAll()
      .where("user_id", "=", userId)
      .orderBy("created_at", "desc").orderBy("id", "desc").limit(limit)
      .execute()
  );
  return rows.map(toAnalysis);
}
