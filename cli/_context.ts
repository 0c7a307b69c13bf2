/**
 * What every command gets: the configuration, output, and a way to open the
 * database for the length of the command.
 *
 * @module
 */
import type { Config } from "../config.ts";
import { type Database, openDatabaseFromConfig } from "../storage/db.ts";
import { migrateToLatest } from "../storage/migrate.ts";

/** A command's surroundings. */
export interface CommandContext {
  readonly config: Config;
  /** Standard output, one line per call. */
  write(line: string): void;
}

/** A `deno task` command: returns the process exit code. */
export type Command = (
  args: string[],
  context: CommandContext,
) => Promise<number>;

/** A command's wrong usage: printed with the usage line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Opens the database, migrated, for `fn`, and closes it after. */
export async function withDatabase<T>(
  config: Config,
  fn: (database: Database) => Promise<T>,
): Promise<T> {
  const database = await openDatabaseFromConfig(config);
  try {
    await migrateToLatest(database.db);
    return await fn(database);
  } finally {
    await database.close();
  }
}

/** Formats rows as an aligned text table. */
export function table(rows: readonly Record<string, unknown>[]): string {
  const first = rows[0];
  if (!first) return "(none)";
  const columns = Object.keys(first);
  const cell = (value: unknown) =>
    value instanceof Date
      ? value.toISOString()
      : value === null || value === undefined
      ? "-"
      : String(value);
  const widths = columns.map((c) =>
    Math.max(c.length, ...rows.map((r) => cell(r[c]).length))
  );
  const line = (values: string[]) =>
    values.map((v, i) => v.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [
    line(columns),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ]
    .join("\n");
}
