/**
 * Troupe's command line: `deno run -A main.ts <command> [args]`, reached
 * through `deno task <command>`. `start` runs a node until SIGINT/SIGTERM,
 * then drains it.
 *
 * @module
 */
import "./cli/_node_warnings.ts";
import { type Config, ConfigError, readConfig } from "./config.ts";
import type { Command } from "./cli/_context.ts";
import { runInNode } from "./cli/_node.ts";
import { build, builds } from "./cli/builds.ts";
import { evalCommand } from "./cli/eval.ts";
import { health } from "./cli/health.ts";
import { dataCommands, runCommand } from "./cli/mod.ts";
import { inspectDataDir } from "./storage/data_dir_lock.ts";
import { openDatabaseFromConfig, pgliteDirOf } from "./storage/db.ts";
import { migrateCommand } from "./storage/migrate.ts";
import { startPlatform } from "./platform.ts";

const start: Command = async (_args, { config, write }) => {
  const platform = await startPlatform(config, { announce: write });
  write(`troupe is listening on ${platform.url} (Ctrl-C stops it)`);
  const stopped = Promise.withResolvers<void>();
  const stop = () => stopped.resolve();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await stopped.promise;
  write("stopping: finishing in-flight turns and releasing leases");
  await platform.close();
  return 0;
};

const migrate: Command = async (args, { config, write }) => {
  const database = await openDatabaseFromConfig(config);
  try {
    return await migrateCommand(database.db, args, write);
  } finally {
    await database.close();
  }
};

/** Every command `main.ts` knows, by name. */
export const commands: Record<string, Command> = {
  start,
  migrate,
  ...dataCommands,
  build,
  builds,
  health,
  eval: evalCommand,
};

/**
 * Runs one command line; returns the exit code. A data command on the
 * embedded database while a node owns it runs inside that node.
 */
export async function main(
  argv: string[],
  options: {
    config?: Config;
    write?: (line: string) => void;
    writeError?: (line: string) => void;
  } = {},
): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : commands[name];
  const writeError = options.writeError ?? ((line) => console.error(line));
  if (name === undefined || !command) {
    writeError(
      `usage: deno task <command>; commands: ${
        Object.keys(commands).join(", ")
      }`,
    );
    return 2;
  }
  let config: Config;
  try {
    config = options.config ?? readConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    writeError(error.message);
    return 78;
  }
  const context = {
    config,
    write: options.write ?? ((line: string) => console.log(line)),
    writeError,
  };
  if (name in dataCommands && config.DATABASE_URL === undefined) {
    const owner = await inspectDataDir(pgliteDirOf(config));
    if (owner.state === "node") {
      return await runInNode(owner.access, name, args, context);
    }
    if (owner.state === "busy") {
      writeError(`${name} failed: ${owner.error.message}`);
      return 1;
    }
  }
  return await runCommand(name, command, args, context);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
