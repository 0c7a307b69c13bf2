/**
 * Kysely's generic types under names of our own, marked `@internal`.
 *
 * `deno doc --lint` counts a type imported from an npm package as private
 * when the package lives in the project's `node_modules/` (a `file:` module;
 * denoland/deno#27364), and re-exporting Kysely's classes would make their
 * whole undocumented API ours to document. These aliases are where the
 * storage room's public types meet Kysely; read Kysely's own documentation
 * for what they offer.
 *
 * @module
 */
import type {
  Insertable as KyselyInsertable,
  Kysely as KyselyInstance,
  Selectable as KyselySelectable,
  Transaction as KyselyTransaction,
} from "kysely";
import type {
  Migration as KyselyMigration,
  MigrationProvider as KyselyMigrationProvider,
  MigrationResult as KyselyMigrationResult,
} from "kysely/migration";

/**
 * Kysely's query builder over the database `S` (npm:kysely `Kysely`).
 * @internal
 */
export type Kysely<S> = KyselyInstance<S>;
/**
 * A Kysely transaction over the database `S` (npm:kysely `Transaction`).
 * @internal
 */
export type Transaction<S> = KyselyTransaction<S>;
/**
 * A table's row as read (npm:kysely `Selectable`).
 * @internal
 */
export type Selectable<T> = KyselySelectable<T>;
/**
 * A table's row as inserted (npm:kysely `Insertable`).
 * @internal
 */
export type Insertable<T> = KyselyInsertable<T>;
/**
 * What one migration did in a run (npm:kysely `MigrationResult`).
 * @internal
 */
export type MigrationResult = KyselyMigrationResult;
/**
 * One schema migration: its `up` and `down` (npm:kysely `Migration`).
 * @internal
 */
export type Migration = KyselyMigration;
/**
 * Where Kysely's Migrator gets the migrations from (npm:kysely `MigrationProvider`).
 * @internal
 */
export type MigrationProvider = KyselyMigrationProvider;
