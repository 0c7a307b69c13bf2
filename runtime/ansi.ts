/**
 * Terminal escape codes: the one place Troupe strips them (the sandbox's
 * test output, the embedded Chroma server's log tail).
 *
 * @module
 */

/**
 * Removes ANSI CSI escape sequences (colours, cursor moves, erase-line).
 *
 * @example
 * ```ts
 * import { stripAnsi } from "./ansi.ts";
 * console.assert(stripAnsi("\x1b[32mok\x1b[0m\x1b[2K") === "ok");
 * ```
 */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}
