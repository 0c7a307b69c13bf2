/**
 * File operations confined to one build's workspace directory.
 *
 * Every path is relative to the workspace; anything that would resolve
 * outside it (`..` past the root, absolute paths, NUL bytes, symlinks that
 * lead out) is refused with a {@linkcode WorkspaceEscapeError} before any file
 * is touched.
 *
 * @example
 * ```ts
 * const ws = await createWorkspace("/var/lib/troupe/workspaces", "b_123");
 * await ws.writeFile("src/add.ts", "export const add = (a: number, b: number) => a + b;\n");
 * console.log(await ws.list()); // ["src/add.ts"]
 * ```
 *
 * @module
 */

import { dirname, join, relative, sep } from "node:path";

/** A path given to a workspace would resolve outside it. */
export class WorkspaceEscapeError extends Error {
  /** The error's class name. */
  override name = "WorkspaceEscapeError";
  /** Names the path and why it leads outside the workspace. */
  constructor(
    readonly path: string,
    readonly workspace: string,
    readonly reason: string,
  ) {
    super(
      `path ${
        JSON.stringify(path)
      } is outside workspace ${workspace}: ${reason}`,
    );
  }
}

/** A write would take the workspace over one of its limits. */
export class WorkspaceLimitError extends Error {
  /** The error's class name. */
  override name = "WorkspaceLimitError";
  /** Names the limit that a write would break. */
  constructor(
    readonly limit: "maxFiles" | "maxFileBytes" | "maxTotalBytes",
    readonly value: number,
    readonly max: number,
    readonly path: string,
  ) {
    super(
      `writing ${
        JSON.stringify(path)
      } would exceed the workspace's ${limit} (${value} > ${max})`,
    );
  }
}

/** Size limits of one workspace. */
export interface WorkspaceLimits {
  /** Most files the workspace may hold. Default 200. */
  maxFiles: number;
  /** Largest single file in bytes. Default 1 MiB. */
  maxFileBytes: number;
  /** Most bytes over all files. Default 10 MiB. */
  maxTotalBytes: number;
}

/** Default {@linkcode WorkspaceLimits}. */
export const DEFAULT_WORKSPACE_LIMITS: Readonly<WorkspaceLimits> = Object
  .freeze({
    maxFiles: 200,
    maxFileBytes: 1024 * 1024,
    maxTotalBytes: 10 * 1024 * 1024,
  });

/** Options of {@linkcode createWorkspace}. */
export interface WorkspaceOptions {
  /** Overrides of {@linkcode DEFAULT_WORKSPACE_LIMITS}. */
  limits?: Partial<WorkspaceLimits>;
}

/** One build's workspace: a directory and the only file operations allowed in it. */
export interface Workspace {
  /** The build this workspace belongs to. */
  readonly buildId: string;
  /** Absolute, symlink-free path of the workspace directory. */
  readonly dir: string;
  /** The limits in force. */
  readonly limits: Readonly<WorkspaceLimits>;
  /** Writes a file (creating parent directories), replacing an existing one. */
  writeFile(path: string, content: string | Uint8Array): Promise<void>;
  /** Reads a file as UTF-8 text. */
  readFile(path: string): Promise<string>;
  /** Lists every regular file as a sorted relative path with `/` separators. */
  list(): Promise<string[]>;
  /** Removes a file or directory (recursively). Missing paths are ignored. */
  remove(path: string): Promise<void>;
  /** Resolves a relative path to its absolute path, refusing escapes. */
  resolve(path: string): Promise<string>;
  /** Deletes the whole workspace directory. */
  destroy(): Promise<void>;
}

const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Creates (or reopens) the workspace of `buildId` under `root`.
 *
 * @example
 * ```ts
 * const root = await Deno.makeTempDir();
 * const ws = await createWorkspace(root, "b_1", { limits: { maxFiles: 20 } });
 * await ws.writeFile("src/add.ts", "export const add = (a: number, b: number) => a + b;\n");
 * const escaped = await ws.writeFile("../x", "nope").then(() => false, (e) => e instanceof WorkspaceEscapeError);
 * await Deno.remove(root, { recursive: true });
 * if (!escaped) throw new Error("a path above the root was accepted");
 * ```
 */
export async function createWorkspace(
  root: string,
  buildId: string,
  options: WorkspaceOptions = {},
): Promise<Workspace> {
  if (!BUILD_ID.test(buildId) || buildId.includes("..")) {
    throw new WorkspaceEscapeError(
      buildId,
      root,
      "a build id must be letters, digits, '_', '-' or '.', at most 128 characters",
    );
  }
  const limits: WorkspaceLimits = {
    ...DEFAULT_WORKSPACE_LIMITS,
    ...definedOnly(options.limits ?? {}),
  };
  await Deno.mkdir(join(root, buildId), { recursive: true });
  const dir = await Deno.realPath(join(root, buildId));

  const resolve = async (path: string): Promise<string> => {
    const target = lexicalResolve(dir, path);
    await assertNoSymlinkEscape(dir, path, target);
    return target;
  };

  return {
    buildId,
    dir,
    limits,
    resolve,
    async writeFile(path, content) {
      const target = await resolve(path);
      if (target === dir) {
        throw new WorkspaceEscapeError(path, dir, "not a file path");
      }
      const bytes = typeof content === "string"
        ? new TextEncoder().encode(content)
        : content;
      if (bytes.byteLength > limits.maxFileBytes) {
        throw new WorkspaceLimitError(
          "maxFileBytes",
          bytes.byteLength,
          limits.maxFileBytes,
          path,
        );
      }
      const usage = await measure(dir, target);
      if (!usage.exists && usage.files + 1 > limits.maxFiles) {
        throw new WorkspaceLimitError(
          "maxFiles",
          usage.files + 1,
          limits.maxFiles,
          path,
        );
      }
      if (usage.bytes + bytes.byteLength > limits.maxTotalBytes) {
        throw new WorkspaceLimitError(
          "maxTotalBytes",
          usage.bytes + bytes.byteLength,
          limits.maxTotalBytes,
          path,
        );
      }
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.writeFile(target, bytes);
    },
    async readFile(path) {
      return await Deno.readTextFile(await resolve(path));
    },
    async list() {
      const out: string[] = [];
      for await (const file of walkFiles(dir)) out.push(file.rel);
      return out.sort();
    },
    async remove(path) {
      const target = await resolve(path);
      if (target === dir) {
        throw new WorkspaceEscapeError(
          path,
          dir,
          "refusing to remove the workspace itself; use destroy()",
        );
      }
      try {
        await Deno.remove(target, { recursive: true });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    },
    async destroy() {
      try {
        await Deno.remove(dir, { recursive: true });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    },
  };
}

/** Resolves `path` against `dir` without touching the disk; refuses escapes. */
function lexicalResolve(dir: string, path: string): string {
  if (typeof path !== "string" || path.length === 0) {
    throw new WorkspaceEscapeError(String(path), dir, "empty path");
  }
  if (path.includes("\0")) {
    throw new WorkspaceEscapeError(path, dir, "contains a NUL byte");
  }
  if (
    path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path)
  ) {
    throw new WorkspaceEscapeError(path, dir, "absolute paths are not allowed");
  }
  if (path.includes("\\")) {
    throw new WorkspaceEscapeError(path, dir, "use '/' as the separator");
  }
  const parts: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) {
        throw new WorkspaceEscapeError(path, dir, "'..' leads above the root");
      }
      parts.pop();
    } else {
      parts.push(segment);
    }
  }
  return parts.length === 0 ? dir : join(dir, ...parts);
}

/** Refuses a target whose existing part passes through a symlink that leads out. */
async function assertNoSymlinkEscape(
  dir: string,
  path: string,
  target: string,
): Promise<void> {
  let existing = target;
  // Find the deepest part of the path that exists; realPath follows every link in it.
  while (existing !== dir) {
    try {
      await Deno.lstat(existing);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      existing = dirname(existing);
    }
  }
  let real: string;
  try {
    real = await Deno.realPath(existing);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new WorkspaceEscapeError(path, dir, "dangling symlink");
    }
    throw error;
  }
  if (!isInside(dir, real)) {
    throw new WorkspaceEscapeError(
      path,
      dir,
      `a symlink leads to ${real}`,
    );
  }
}

/** True when `path` is `dir` or below it. Both must be absolute and normalized. */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" ||
    (!rel.startsWith("..") && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel));
}

/** A regular file found by {@linkcode walkFiles}. */
export interface WalkedFile {
  /** Relative path with `/` separators. */
  rel: string;
  /** Absolute path. */
  abs: string;
}

/** Yields every regular file under `dir` (symlinks are not followed). */
export async function* walkFiles(
  dir: string,
  rel = "",
): AsyncGenerator<WalkedFile> {
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(join(dir, rel))) entries.push(entry);
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const entry of entries) {
    const childRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory) yield* walkFiles(dir, childRel);
    else if (entry.isFile) yield { rel: childRel, abs: join(dir, childRel) };
  }
}

async function measure(
  dir: string,
  target: string,
): Promise<{ files: number; bytes: number; exists: boolean }> {
  let files = 0;
  let bytes = 0;
  let exists = false;
  for await (const file of walkFiles(dir)) {
    if (file.abs === target) {
      exists = true;
      continue;
    }
    files++;
    bytes += (await Deno.stat(file.abs)).size;
  }
  return { files, bytes, exists };
}

function definedOnly<T extends object>(value: Partial<T>): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
