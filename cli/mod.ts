/**
 * The data commands (those that read or write the database) and how any
 * command is run: its errors become an exit code and a line on standard
 * error. `main.ts` runs them in the CLI process; a node runs them for the CLI
 * when it owns the embedded database (see `cli/_node.ts`).
 *
 * @module
 */
import { ConfigError } from "../config.ts";
import { type Command, type CommandContext, UsageError } from "./_context.ts";
import { dlq, prune } from "./maintenance.ts";
import { reindex } from "./reindex.ts";
import {
  apiKeyCreate,
  apiKeyRevoke,
  userCreate,
  userList,
  userRole,
} from "./users.ts";

/**
 * Commands that open the database: with the embedded PGlite and a node
 * running on the same DATA_DIR they run inside that node.
 */
export const dataCommands: Readonly<Record<string, Command>> = {
  "user:create": userCreate,
  "user:list": userList,
  "user:role": userRole,
  "apikey:create": apiKeyCreate,
  "apikey:revoke": apiKeyRevoke,
  prune,
  reindex,
  dlq,
};

/**
 * Runs one command and returns its exit code: 2 for wrong usage, 78 for a
 * bad configuration, 1 (with `<name> failed: <why>`) for any other error.
 */
export async function runCommand(
  name: string,
  command: Command,
  args: string[],
  context: CommandContext,
): Promise<number> {
  const writeError = context.writeError ?? ((line) => console.error(line));
  try {
    return await command(args, context);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      writeError(error.message);
      return error instanceof UsageError ? 2 : 78;
    }
    writeError(
      `${name} failed: ${error instanceof Error ? error.message : error}`,
    );
    return 1;
  }
}

/** One line a command printed, and where. */
export interface PrintedLine {
  /** The stream the line went to. */
  readonly stream: "stdout" | "stderr";
  /** The text, without its line break. */
  readonly line: string;
}

/**
 * Runs a data command inside a node, on the node's services, and returns its
 * exit code with what it printed (for the operator endpoint).
 */
export async function runDataCommand(
  name: string,
  args: string[],
  context: Pick<CommandContext, "config" | "node">,
): Promise<{ exitCode: number; output: PrintedLine[] }> {
  const output: PrintedLine[] = [];
  const command = dataCommands[name];
  if (!command) {
    return {
      exitCode: 2,
      output: [{ stream: "stderr", line: `unknown data command "${name}"` }],
    };
  }
  const exitCode = await runCommand(name, command, args, {
    ...context,
    write: (line) => output.push({ stream: "stdout", line }),
    writeError: (line) => output.push({ stream: "stderr", line }),
  });
  return { exitCode, output };
}

export type { Command, CommandContext, NodeServices } from "./_context.ts";
