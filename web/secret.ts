/**
 * The web console's session secret: 32 random bytes in `DATA_DIR/web-session.key`,
 * created on first start with mode 0600, so sessions survive restarts and
 * every node sharing that directory accepts the same cookies.
 *
 * @module
 */
import { join } from "node:path";

/** Bytes in a session secret. */
export const SECRET_BYTES = 32;

/**
 * Reads the secret from `dataDir`, creating it (0600) if it is absent.
 *
 * @example
 * ```ts ignore
 * import { loadSessionSecret } from "./secret.ts";
 * const secret = await loadSessionSecret("./data");
 * ```
 */
export async function loadSessionSecret(dataDir: string): Promise<Uint8Array> {
  const path = join(dataDir, "web-session.key");
  try {
    const bytes = await Deno.readFile(path);
    if (bytes.length !== SECRET_BYTES) {
      throw new Error(
        `${path} holds ${bytes.length} bytes, expected ${SECRET_BYTES}; delete it to make a new one (signs everyone out)`,
      );
    }
    return bytes;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(dataDir, { recursive: true });
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  try {
    await Deno.writeFile(path, bytes, { createNew: true, mode: 0o600 });
    return bytes;
  } catch (error) {
    // Another node made it first: use theirs.
    if (error instanceof Deno.errors.AlreadyExists) {
      return await loadSessionSecret(dataDir);
    }
    throw error;
  }
}
