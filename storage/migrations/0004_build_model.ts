/**
 * `builds.model`: the Ollama chat model a build asked for (`POST /v1/builds`
 * `model`, `deno task build --model`). NULL means the node's configured
 * model (OLLAMA_MODEL), so builds created before this column keep using it.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Adds the column. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE builds ADD COLUMN model text`.execute(db);
}

/** Drops it. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE builds DROP COLUMN IF EXISTS model`.execute(db);
}
