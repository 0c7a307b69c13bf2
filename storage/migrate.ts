/**
 * Runs the schema migrations in storage/migrations/ with Kysely's Migrator:
 * on start (`migrateToLatest`) and from `deno task migrate` (`migrateCommand`:
 * up, down, status).
 *
 * @module
 */
import { Migrator, NO_MIGRATIONS } from "kysely/migration";
import type { Kysely, MigrationResult } from "./_kysely_types.ts";
import { migrationProvider, migrations } from "./migrations/mod.ts";
import { StorageError, toStorageError } from "./errors.ts";

/** Any Kysely instance: migrations run before (and regardless of) the schema. */
// deno-lint-ignore no-explicit-any
export type AnyKysely = Kysely<any>;

/** A migration failed; earlier ones in the same run stay applied. */
export class MigrationError extends StorageError {
  /** The error's class name. */
  override name = "MigrationError";
  /** Records which migration failed, what the run did before, and the cause. */
  constructor(
    readonly migration: string | undefined,
    readonly results: readonly MigrationResult[],
    cause: unknown,
  ) {
    super(
      `migration ${migration ?? "(unknown)"} failed: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
  }
}

/** One migration and whether it has run. */
export interface MigrationState {
  /** The migration's file name, which orders it. */
  readonly name: string;
  /** When it was applied; undefined while it is pending. */
  readonly executedAt: Date | undefined;
}

function migrator(db: AnyKysely): Migrator {
  return new Migrator({ db, provider: migrationProvider(migrations) });
}

function check(
  outcome: { error?: unknown; results?: MigrationResult[] },
): string[] {
  const results = outcome.results ?? [];
  if (outcome.error !== undefined) {
    const failed = results.find((r) => r.status === "Error");
    throw new MigrationError(
      failed?.migrationName,
      results,
      toStorageError(outcome.error),
    );
  }
  return results.filter((r) => r.status === "Success").map((r) =>
    r.migrationName
  );
}

/**
 * Applies every pending migration. Returns the names applied (empty when the
 * schema was already current). Safe to run on every start and from several
 * nodes at once: Kysely takes a lock table.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./db.ts";
 * import { migrateToLatest } from "./migrate.ts";
 * await using database = await openDatabase();
 * await migrateToLatest(database.db);
 * ```
 */
export async function migrateToLatest(db: AnyKysely): Promise<string[]> {
  return check(await migrator(db).migrateToLatest());
}

/**
 * Reverts the last `steps` migrations (default 1; `"all"` reverts every one).
 * Returns the names reverted, newest first.
 */
export async function migrateDown(
  db: AnyKysely,
  steps: number | "all" = 1,
): Promise<string[]> {
  const m = migrator(db);
  if (steps === "all") return check(await m.migrateTo(NO_MIGRATIONS));
  const reverted: string[] = [];
  for (let i = 0; i < steps; i++) {
    const names = check(await m.migrateDown());
    if (names.length === 0) break;
    reverted.push(...names);
  }
  return reverted;
}

/** Every known migration, oldest first, with when it ran. */
export async function migrationStatus(
  db: AnyKysely,
): Promise<MigrationState[]> {
  try {
    const infos = await migrator(db).getMigrations();
    return infos.map((i) => ({ name: i.name, executedAt: i.executedAt }));
  } catch (error) {
    throw toStorageError(error);
  }
}

/**
 * The `deno task migrate [up|down [n|all]|status]` command. Writes one line
 * per migration to `write`; returns the exit code.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./db.ts";
 * import { migrateCommand } from "./migrate.ts";
 * await using database = await openDatabase();
 * const code = await migrateCommand(database.db, ["status"], console.log);
 * ```
 */
export async function migrateCommand(
  db: AnyKysely,
  args: readonly string[],
  write: (line: string) => void,
): Promise<number> {
  const [command = "up", arg] = args;
  switch (command) {
    case "up":
    case "latest": {
      const applied = await migrateToLatest(db);
      if (applied.length === 0) write("schema is up to date");
      for (const name of applied) write(`applied  ${name}`);
      return 0;
    }
    case "down": {
      const steps = arg === undefined ? 1 : arg === "all" ? "all" : Number(arg);
      if (steps !== "all" && (!Number.isInteger(steps) || steps < 1)) {
        write(
          `migrate down: expected a positive number or "all", got "${arg}"`,
        );
        return 2;
      }
      const reverted = await migrateDown(db, steps);
      if (reverted.length === 0) write("nothing to revert");
      for (const name of reverted) write(`reverted ${name}`);
      return 0;
    }
    case "status": {
      for (const m of await migrationStatus(db)) {
        write(
          `${m.executedAt ? "applied" : "pending"}  ${m.name}${
            m.executedAt ? `  ${m.executedAt.toISOString()}` : ""
          }`,
        );
      }
      return 0;
    }
    default:
      write(
        `unknown migrate command "${command}"; use: up | down [n|all] | status`,
      );
      return 2;
  }
}
