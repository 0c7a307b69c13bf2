/**
 * Opens the Deno KV database the runtime's transport runs on.
 *
 * @module
 */
import { join } from "node:path";
import { retryLocked } from "../runtime/kv.ts";

/** KV could not be opened; says where and how to fix it. */
export class KvUnavailableError extends Error {
  override name = "KvUnavailableError";
  constructor(readonly location: string, override readonly cause: unknown) {
    super(
      `cannot open Deno KV at ${location}: ${
        cause instanceof Error ? cause.message : String(cause)
      }. Check DENO_KV_URL (a file path or a KV Connect URL with DENO_KV_ACCESS_TOKEN set) or that DATA_DIR is writable`,
    );
  }
}

/**
 * Opens KV at `url` (a path or a KV Connect URL), or `DATA_DIR/kv.sqlite3`.
 *
 * @example
 * ```ts ignore
 * import { openKv } from "./kv.ts";
 * const kv = await openKv({ dataDir: "./data" });
 * kv.close();
 * ```
 */
export async function openKv(
  options: { url?: string | undefined; dataDir: string },
): Promise<Deno.Kv> {
  const location = options.url ?? join(options.dataDir, "kv.sqlite3");
  try {
    if (!options.url) await Deno.mkdir(options.dataDir, { recursive: true });
    // Several processes opening one KV file together can see SQLite's lock.
    return await retryLocked(() => Deno.openKv(location));
  } catch (error) {
    throw new KvUnavailableError(location, error);
  }
}
