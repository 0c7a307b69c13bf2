/**
 * Troupe's storage: the PostgreSQL database (PGlite by default), its
 * migrations, one repository per table, and the runtime's PostgreSQL state
 * store.
 *
 * Repositories are plain functions taking the Kysely instance first. Reads
 * that serve a user take the user's id and are scoped by it in the query.
 * Mutations made on someone's behalf take an {@link AuditContext} and write
 * their audit row in the same transaction. Driver errors come out as
 * {@link StorageError}s (DuplicateError, ConstraintError, ...).
 *
 * @example
 * ```ts
 * import { createUser, migrateToLatest, openDatabase } from "./mod.ts";
 * await using database = await openDatabase(); // PGlite in memory
 * await migrateToLatest(database.db);
 * await createUser(database.db, { email: "ada@example.com", name: "Ada" }, { actorUserId: null });
 * ```
 *
 * @module
 */
export * from "./db.ts";
export * from "./errors.ts";
export * from "./schema.ts";
export * from "./migrate.ts";
export * from "./audit.ts";
export * from "./users.ts";
export * from "./api_keys.ts";
export * from "./api_key_cache.ts";
export * from "./builds.ts";
export * from "./build_overviews.ts";
export * from "./build_events.ts";
export * from "./code_analyses.ts";
export * from "./vector_memories.ts";
export * from "./memories.ts";
export * from "./telegram_users.ts";
export * from "./dead_letters.ts";
export * from "./cluster_nodes.ts";
export * from "./state_store.ts";
export { inTransaction } from "./_sql.ts";
/**
 * Kysely's column types that the table types are written in, re-exported so
 * the schema can be read without Kysely's documentation at hand.
 */
export type { ColumnType, Generated } from "kysely";
/** The runtime's store interfaces that {@link PostgresStateStore} implements. */
export type {
  Address,
  DeadLetter,
  Envelope,
  Outgoing,
  StateStore,
  StoredState,
} from "../runtime/mod.ts";
/** The data directory lock a {@link Database} holds. */
export type { DataDirLock } from "./data_dir_lock.ts";
/** How {@link buildOverviewReader} batches concurrent reads. */
export type { CoalesceOptions } from "./_coalesce.ts";
