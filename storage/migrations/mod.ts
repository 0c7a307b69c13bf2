/**
 * Every migration, in order. Files are imported statically (no directory
 * scan) so the list works the same from source, a bundle or `deno compile`.
 * To add one: create `NNNN_name.ts` exporting `up` and `down`, then list it
 * here.
 *
 * @module
 */
import type { Migration, MigrationProvider } from "../_kysely_types.ts";
import * as m0001 from "./0001_initial.ts";
import * as m0002 from "./0002_auth_changes.ts";
import * as m0003 from "./0003_actor_transport.ts";
import * as m0004 from "./0004_build_model.ts";
import * as m0005 from "./0005_evals.ts";
import * as m0006 from "./0006_telegram_pollers.ts";
import * as m0007 from "./0007_cluster_nodes.ts";

/** Name -> migration, names sorting in the order they must run. */
export const migrations: Readonly<Record<string, Migration>> = {
  "0001_initial": m0001,
  "0002_auth_changes": m0002,
  "0003_actor_transport": m0003,
  "0004_build_model": m0004,
  "0005_evals": m0005,
  "0006_telegram_pollers": m0006,
  "0007_cluster_nodes": m0007,
};

/**
 * A Kysely {@link MigrationProvider} over {@link migrations}.
 *
 * @example
 * ```ts
 * import { Migrator } from "kysely";
 * import { migrationProvider } from "./mod.ts";
 * // new Migrator({ db, provider: migrationProvider() })
 * ```
 */
export function migrationProvider(
  list: Readonly<Record<string, Migration>> = migrations,
): MigrationProvider {
  return { getMigrations: () => Promise.resolve({ ...list }) };
}
