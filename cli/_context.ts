/**
 * What every command gets: the configuration, output, and a way to open the
 * database for the length of the command.
 *
 * @module
 */
import type { Config as AppConfig } from "../config.ts";
import {
  type Database as StorageDatabase,
  openDatabaseFromConfig,
} from "../storage/db.ts";
import { migrateToLatest } from "../storage/migrate.ts";
import type { VectorStore as StorageVectorStore } from "../storage/vector.ts";

/**
 * The application's parsed configuration (config.ts).
 * @internal
 */
export type Config = AppConfig;
/**
 * An open database and its Kysely instance (storage/mod.ts).
 * @internal
 */
export type Database = StorageDatabase;
/**
 * The Chroma-backed vector store (storage/vector.ts).
 * @internal
 */
export type VectorStore = StorageVectorStore;

/**
 * A running node's open services. A data command sent to a node (because
 * the node owns the embedded database) runs with these instead of opening
 * its own.
 */
export interface NodeServices {
  /** The node's open database. */
  readonly database: Database;
  /** The node's open Deno KV. */
  readonly kv: Deno.Kv;
  /** The node's vector store. */
  readonly vector: VectorStore;
}

/** A command's surroundings. */
export interface CommandContext {
  /** The configuration the command runs with. */
  readonly config: Config;
  /** Standard output, one line per call. */
  write(line: string): void;
  /** Standard error, one line per call (default: `console.error`). */
  readonly writeError?: ((line: string) => void) | undefined;
  /** Set when the command runs inside a node: its open services. */
  readonly node?: NodeServices | undefined;
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

/**
 * Opens the database, migrated, for `fn`, and closes it after; inside a node
 * (`node` given) uses the node's open database.
 */
export async function withDatabase<T>(
  config: Config,
  fn: (database: Database) => Promise<T>,
  node?: NodeServices | undefined,
): Promise<T> {
  if (node) return await fn(node.database);
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
