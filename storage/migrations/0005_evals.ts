/**
 * `evals`: runs of the eval harness started through `POST /v1/admin/evals`
 * (eval/): who started it, its settings, its status (`running`,
 * `succeeded`, `failed`), the report when done (summaries and per-task
 * results, jsonb) or the error.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

const upSql: string[] = [
  `CREATE TABLE evals (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    status text NOT NULL DEFAULT 'running'
      CHECK (status IN ('running', 'succeeded', 'failed')),
    settings jsonb NOT NULL,
    progress jsonb,
    report jsonb,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
  )`,
  `CREATE INDEX evals_created_at_idx ON evals (created_at DESC)`,
];

/** Creates the table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of upSql) await sql.raw(statement).execute(db);
}

/** Drops it. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw("DROP TABLE IF EXISTS evals").execute(db);
}
