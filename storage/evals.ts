/**
 * Eval runs started through the API (`evals` table): created `running`,
 * progress updated as tasks finish, then finished with the report or an
 * error.
 *
 * @module
 */
import type { Db, EvalStatus } from "./schema.ts";

/** An eval run as stored. */
export interface EvalRun {
  readonly id: string;
  readonly createdBy: string | null;
  readonly status: EvalStatus;
  readonly settings: unknown;
  readonly progress: unknown;
  readonly report: unknown;
  readonly error: string | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

/** Records a new running eval; returns its id. */
export async function createEvalRun(
  db: Db,
  input: { createdBy: string | null; settings: unknown },
): Promise<string> {
  const row = await db.insertInto("evals").values({
    created_by: input.createdBy,
    settings: JSON.stringify(input.settings),
  }).returning("id").executeTakeFirstOrThrow();
  return row.id;
}

/** Stores how far a running eval got. */
export async function updateEvalProgress(
  db: Db,
  id: string,
  progress: unknown,
): Promise<void> {
  await db.updateTable("evals").set({ progress: JSON.stringify(progress) })
    .where("id", "=", id).where("status", "=", "running").execute();
}

/** Ends an eval with its report or its error. */
export async function finishEvalRun(
  db: Db,
  id: string,
  outcome: { report: unknown } | { error: string },
): Promise<void> {
  await db.updateTable("evals").set({
    status: "report" in outcome ? "succeeded" : "failed",
    report: "report" in outcome ? JSON.stringify(outcome.report) : null,
    error: "error" in outcome ? outcome.error : null,
    finished_at: new Date(),
  }).where("id", "=", id).execute();
}

/** One eval, or undefined. */
export async function getEvalRun(
  db: Db,
  id: string,
): Promise<EvalRun | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const row = await db.selectFrom("evals").selectAll().where("id", "=", id)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    createdBy: row.created_by,
    status: row.status,
    settings: row.settings,
    progress: row.progress,
    report: row.report,
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
