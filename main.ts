/**
 * Troupe's command line: `deno run -A main.ts <command> [args]`, reached
 * through `deno task <command>`. `start` runs a node until SIGINT/SIGTERM,
 * then drains it.
 *
 * @module
 */
import { type Config, ConfigError, readConfig } from "./config.ts";
import { type Command, UsageError } from "./cli/_context.ts";
import { build, builds } from "./cli/builds.ts";
import { health } from "./cli/health.ts";
import { dlq, prune } from "./cli/maintenance.ts";
import { reindex } from "./cli/reindex.ts";
import {
  apiKeyCreate,
  apiKeyRevoke,
  userCreate,
  userList,
  userRole,
} from "./cli/users.ts";
import { openDatabaseFromConfig } from "./storage/db.ts";
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
  "user:create": userCreate,
  "user:list": userList,
  "user:role": userRole,
  "apikey:create": apiKeyCreate,
  "apikey:revoke": apiKeyRevoke,
  build,
  builds,
  health,
  prune,
  reindex,
  dlq,
};

/** Runs one command line; returns the exit code. */
export async function main(
  argv: string[],
  options: { config?: Config; write?: (line: string) => void } = {},
): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    console.error(
      `usage: deno task <command>; commands: ${
        Object.keys(commands).join(", ")
      }`,
    );
    return 2;
  }
  try {
    return await command(args, {
      config: options.config ?? readConfig(),
      write: options.write ?? ((line) => console.log(line)),
    });
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 78;
    }
    console.error(
      `${name} failed: ${error instanceof Error ? error.message : error}`,
    );
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
