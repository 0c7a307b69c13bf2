/**
 * Checks the files handed to the Python sandbox: relative POSIX paths inside
 * the workspace, no `..`, no NUL, within size limits.
 *
 * @module
 */

import type { SandboxFile } from "./protocol.ts";

/** A file given to the sandbox cannot be placed in its workspace. */
export class SandboxFileError extends Error {
  /** The error's class name. */
  override name = "SandboxFileError";
  /** Names the refused file and why. */
  constructor(readonly path: string, readonly reason: string) {
    super(
      `cannot put ${JSON.stringify(path)} in the Python sandbox: ${reason}`,
    );
  }
}

/** Most bytes over all files. */
export const MAX_TOTAL_CHARS = 10 * 1024 * 1024;

/** Normalises and checks `files`; accepts a list or a path -> content record. */
export function checkFiles(
  files: readonly SandboxFile[] | Readonly<Record<string, string>>,
): SandboxFile[] {
  const list: SandboxFile[] = Array.isArray(files)
    ? files.map((f) => ({ path: f.path, content: f.content }))
    : Object.entries(files).map(([path, content]) => ({ path, content }));
  const seen = new Set<string>();
  let total = 0;
  for (const file of list) {
    const path = file.path.replace(/^\.\//, "");
    if (path === "" || path.startsWith("/")) {
      throw new SandboxFileError(file.path, "paths must be relative");
    }
    if (path.includes("\0") || path.includes("\\")) {
      throw new SandboxFileError(file.path, "NUL or backslash in the path");
    }
    if (path.split("/").some((p) => p === ".." || p === "." || p === "")) {
      throw new SandboxFileError(file.path, "empty, . or .. path segments");
    }
    if (seen.has(path)) throw new SandboxFileError(file.path, "given twice");
    seen.add(path);
    file.path = path;
    total += file.content.length;
  }
  if (total > MAX_TOTAL_CHARS) {
    throw new SandboxFileError(
      "*",
      `more than ${MAX_TOTAL_CHARS} characters in all`,
    );
  }
  return list;
}
