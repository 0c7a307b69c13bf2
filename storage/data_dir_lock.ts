/**
 * One owner for an embedded database directory. PGlite is PostgreSQL in one
 * process: two processes opening one data directory each run their own
 * server on the same files and corrupt them. So whoever opens `DATA_DIR/pg`
 * first takes an exclusive OS lock on `DATA_DIR/pg.lock` (`flock`), and any
 * other process fails at once with a {@linkcode DataDirLockedError} naming the
 * holder. The OS drops the lock when its process ends in any way (SIGKILL
 * included), so a stale lock file never blocks the next start.
 *
 * The lock file says who holds it: `{ pid, startedAt, adminUrl? }`. A node
 * that serves HTTP publishes its URL there and writes a random operator token
 * to `DATA_DIR/pg.admin` (mode 0600, readable only by the node's OS user):
 * the `deno task` data commands find the node through these two files and
 * run inside it instead of opening the files themselves.
 *
 * @module
 */
import { z } from "zod";

/** Who holds a data directory's lock, as written in the lock file. */
export interface LockHolder {
  readonly pid: number;
  readonly startedAt: string;
  /** Where the holder's HTTP API listens, when it is a node that serves one. */
  readonly adminUrl?: string | undefined;
}

const holderSchema = z.object({
  pid: z.number().int().positive(),
  startedAt: z.string(),
  adminUrl: z.url().optional(),
});

/** Another process holds the embedded database. */
export class DataDirLockedError extends Error {
  override name = "DataDirLockedError";
  constructor(
    /** The locked directory. */
    readonly dir: string,
    /** The holder, when its lock file could be read. */
    readonly holder: LockHolder | undefined,
  ) {
    super(
      `the embedded database ${dir} is in use by ${
        holder ? `process ${holder.pid}` : "another process"
      }${
        holder?.adminUrl ? ` (a Troupe node serving ${holder.adminUrl})` : ""
      }; PGlite allows one process per data directory. ` +
        `Stop that process first, give this one another DATA_DIR, or share a PostgreSQL server ` +
        `between processes (DATABASE_URL). The deno task data commands (user:*, apikey:*, prune, dlq, reindex) ` +
        `run through a node that serves HTTP on this DATA_DIR.`,
    );
  }
}

/** A held lock. Release it once, after the database is closed. */
export interface DataDirLock {
  /** The lock file. */
  readonly path: string;
  /** The operator token this holder accepts once it has published its URL. */
  readonly adminToken: string;
  /**
   * Announces that this process serves the operator endpoint at `url`:
   * writes it into the lock file and the token to the credential file (0600).
   */
  publishAdmin(url: string): Promise<void>;
  /** Removes the credential, clears the lock file and unlocks it. */
  release(): Promise<void>;
}

/** The lock file of a PGlite directory: `DATA_DIR/pg` -> `DATA_DIR/pg.lock`. */
export function lockPathOf(dir: string): string {
  return `${dir.replace(/\/+$/, "")}.lock`;
}

/** The operator credential of a PGlite directory: `DATA_DIR/pg.admin`. */
export function adminTokenPathOf(dir: string): string {
  return `${dir.replace(/\/+$/, "")}.admin`;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function writeHolder(file: Deno.FsFile, holder: LockHolder) {
  await file.truncate(0);
  await file.seek(0, Deno.SeekMode.Start);
  const bytes = new TextEncoder().encode(JSON.stringify(holder) + "\n");
  let written = 0;
  while (written < bytes.length) {
    written += await file.write(bytes.subarray(written));
  }
}

/** Reads who holds a lock file; undefined when it is empty or unreadable. */
export async function readLockHolder(
  dir: string,
): Promise<LockHolder | undefined> {
  try {
    const text = await Deno.readTextFile(lockPathOf(dir));
    const parsed = holderSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock of a PGlite directory, or throws
 * {@linkcode DataDirLockedError} at once when another process (or another
 * open in this one) holds it.
 *
 * @example
 * ```ts
 * import { lockDataDir } from "./data_dir_lock.ts";
 * const dir = await Deno.makeTempDir();
 * const lock = await lockDataDir(`${dir}/pg`);
 * await lock.release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function lockDataDir(
  dir: string,
  options: { pid?: number; now?: () => Date } = {},
): Promise<DataDirLock> {
  const path = lockPathOf(dir);
  const file = await Deno.open(path, {
    read: true,
    write: true,
    create: true,
  });
  let locked = false;
  try {
    locked = await file.tryLock(true);
  } finally {
    if (!locked) file.close();
  }
  if (!locked) throw new DataDirLockedError(dir, await readLockHolder(dir));
  const holder: LockHolder = {
    pid: options.pid ?? Deno.pid,
    startedAt: (options.now?.() ?? new Date()).toISOString(),
  };
  const adminToken = randomToken();
  const tokenPath = adminTokenPathOf(dir);
  // A credential left by a killed holder is worthless now: remove it.
  await Deno.remove(tokenPath).catch(() => {});
  await writeHolder(file, holder);
  let released: Promise<void> | undefined;
  return {
    path,
    adminToken,
    async publishAdmin(url) {
      await Deno.remove(tokenPath).catch(() => {});
      await Deno.writeTextFile(tokenPath, adminToken + "\n", {
        mode: 0o600,
        createNew: true,
      });
      await Deno.chmod(tokenPath, 0o600);
      await writeHolder(file, { ...holder, adminUrl: url });
    },
    release: () =>
      released ??= (async () => {
        try {
          await Deno.remove(tokenPath).catch(() => {});
          await file.truncate(0);
          await file.unlock();
        } finally {
          file.close();
        }
      })(),
  };
}

/** How to reach the node that holds a data directory. */
export interface NodeAdminAccess {
  readonly pid: number;
  readonly url: string;
  readonly token: string;
}

/**
 * Whether another process holds the PGlite directory, and if so how to reach
 * it: `free` (nobody holds it), `node` (a node that serves the operator
 * endpoint, with its URL and token), or `busy` (a holder that cannot be
 * reached: a worker without HTTP, another command, or a credential this OS
 * user may not read).
 */
export async function inspectDataDir(
  dir: string,
): Promise<
  | { state: "free" }
  | { state: "node"; access: NodeAdminAccess }
  | { state: "busy"; error: DataDirLockedError }
> {
  let lock: DataDirLock;
  try {
    await Deno.stat(lockPathOf(dir));
  } catch {
    return { state: "free" };
  }
  try {
    lock = await lockDataDir(dir);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    const holder = error.holder;
    if (holder?.adminUrl === undefined) return { state: "busy", error };
    let token: string;
    try {
      token = (await Deno.readTextFile(adminTokenPathOf(dir))).trim();
    } catch {
      return { state: "busy", error };
    }
    return {
      state: "node",
      access: { pid: holder.pid, url: holder.adminUrl, token },
    };
  }
  await lock.release();
  return { state: "free" };
}
