/**
 * Reading `/command args` the way the bot does: names of 1-32 letters, digits
 * or underscores, case-insensitive, optionally addressed `/cmd@bot`.
 *
 * @module
 */

/** A parsed `/command args`. */
export interface ParsedCommand {
  /** The command's name, lower case, without the slash. */
  readonly name: string;
  /** Everything after the command, trimmed. */
  readonly args: string;
  /** Addressed to another bot (`/cmd@other_bot`). */
  readonly foreign: boolean;
}

/**
 * Parses a command; undefined for text that is not one.
 *
 * @example
 * ```ts
 * import { parseCommand } from "./parse.ts";
 * const c = parseCommand("/build@troupe_bot  todo api", "troupe_bot");
 * console.assert(c?.name === "build" && c.args === "todo api");
 * ```
 */
export function parseCommand(
  text: string,
  botUsername?: string,
): ParsedCommand | undefined {
  const match =
    /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+([\s\S]*))?$/
      .exec(text.trim());
  if (!match) return undefined;
  const target = match[2];
  return {
    name: match[1]!.toLowerCase(),
    args: (match[3] ?? "").trim(),
    foreign: target !== undefined && botUsername !== undefined &&
      target.toLowerCase() !== botUsername.toLowerCase(),
  };
}
