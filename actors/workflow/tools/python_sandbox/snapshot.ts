/**
 * The start-up snapshot of the Python sandbox: Pyodide's WebAssembly memory
 * right after it has booted Python and imported the runner (with `unittest`
 * and the `pytest` shim). A sandbox process that restores it is ready in a
 * few hundred milliseconds instead of seconds, because Python's start-up and
 * the runner's imports are not done again.
 *
 * The snapshot is made by a sandbox process of its own (the same worker with
 * the same permissions: it may read Pyodide's package folder only) before any
 * job's code exists, so no job's state can be in it. The parent reads the
 * file and hands it to each process over stdin: the sandbox may read no
 * file outside Pyodide's folder, this one included. It is written to a
 * file named after a hash of everything that shapes it (Pyodide's build, the
 * worker and runner sources, the Deno version), so a changed input makes a
 * new file and never reuses an old one. A directory given for keeping it
 * between pools is trusted only when it belongs to this user and nobody else
 * can write to it; otherwise the pool's private temp directory is used.
 *
 * Pyodide's snapshot API is marked experimental (`_makeSnapshot`,
 * `_loadSnapshot`): when making the snapshot fails for any reason, processes
 * start the slow way and still work.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { type ProcessSpec, WORKER_URL, workerCommand } from "./process.ts";

/** Where a snapshot is looked for and kept. */
export interface SnapshotPlace {
  /** A directory kept between pools (checked before use), if any. */
  keepDir?: string | undefined;
  /** The pool's private temp directory (used when `keepDir` is not usable). */
  tempDir: string;
  /** Longest time making the snapshot may take, in ms. */
  timeoutMs: number;
}

/**
 * The path of a snapshot file for `spec` (found, or made now), or the reason
 * there is none. Never throws: without a snapshot the sandbox starts cold.
 */
export async function startupSnapshot(
  spec: ProcessSpec,
  place: SnapshotPlace,
): Promise<{ path: string } | { reason: string }> {
  try {
    const dir = place.keepDir !== undefined &&
        await usableSnapshotDir(place.keepDir)
      ? place.keepDir
      : place.tempDir;
    const path = `${dir}/pyodide-${await snapshotKey(spec)}.snapshot`;
    if (await privateFile(path)) return { path };
    const bytes = await makeSnapshot(spec, place.timeoutMs);
    // Written aside and renamed, so a process never reads half a snapshot.
    const partial = `${path}.${crypto.randomUUID()}.partial`;
    await Deno.writeFile(partial, bytes, { mode: 0o600 });
    await Deno.rename(partial, path);
    await removeStale(dir, path);
    return { path };
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}

/** A hash of what the snapshot's content depends on. */
async function snapshotKey(spec: ProcessSpec): Promise<string> {
  const parts = [
    Deno.version.deno,
    Deno.version.v8,
    await Deno.readTextFile(`${spec.pyodideDir}/package.json`),
    await Deno.readTextFile(WORKER_URL),
    spec.bootLine,
  ];
  return createHash("sha256").update(parts.join("\u0000")).digest("hex")
    .slice(0, 24);
}

/** Runs the worker in snapshot mode and returns the snapshot's bytes. */
async function makeSnapshot(
  spec: ProcessSpec,
  timeoutMs: number,
): Promise<Uint8Array> {
  const child = workerCommand(spec, ["--make-snapshot"]).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  try {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(spec.bootLine + "\n"));
    await writer.close();
    const { code, stdout, stderr } = await child.output();
    if (code !== 0 || stdout.length === 0) {
      const why = new TextDecoder().decode(stderr).trim().slice(0, 500);
      throw new Error(
        `making the Python sandbox snapshot failed (exit ${code}): ${
          why || "no error output"
        }`,
      );
    }
    return stdout;
  } finally {
    clearTimeout(timer);
  }
}

/** Snapshots of earlier versions (and leftovers of interrupted writes) older than ten minutes. */
async function removeStale(dir: string, keep: string): Promise<void> {
  const before = Date.now() - 10 * 60_000;
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (path === keep || !/^pyodide-.*\.(snapshot|partial)$/.test(entry.name)) {
      continue;
    }
    const info = await Deno.lstat(path).catch(() => null);
    if (info?.isFile && (info.mtime?.getTime() ?? 0) < before) {
      await Deno.remove(path).catch(() => {});
    }
  }
}

/**
 * Whether `dir` may hold snapshots: it exists (made 0700 if missing), is this
 * user's, and nobody else can write to it (a snapshot is code the sandbox
 * runs, so a file planted by someone else must never be restored).
 */
export async function usableSnapshotDir(dir: string): Promise<boolean> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  return ownedAndPrivate(await Deno.stat(dir));
}

/** A regular file of this user's that nobody else can write to. */
async function privateFile(path: string): Promise<boolean> {
  try {
    const info = await Deno.lstat(path);
    return info.isFile && ownedAndPrivate(info);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function ownedAndPrivate(info: Deno.FileInfo): boolean {
  const uid = Deno.uid();
  if (uid === null || info.uid !== uid || info.mode === null) return false;
  return (info.mode & 0o022) === 0;
}
