/**
 * The operator endpoint: `POST /operator/run` runs one of the `deno task`
 * data commands inside this node, on its open database. With the embedded
 * PGlite only the node may open `DATA_DIR/pg`, so the CLI sends these
 * commands here while a node runs (see `cli/_node.ts`).
 *
 * Authentication is a random token made when the node takes the data
 * directory's lock and written to `DATA_DIR/pg.admin` with mode 0600: whoever
 * can read it is the OS user who owns the database files anyway. It is not an
 * API key, and the endpoint is outside `/v1` (no API-key auth, no rate limit,
 * not in the public OpenAPI document).
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import type { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "./context.ts";
import { ApiError } from "./errors.ts";

/** Where the endpoint is served. */
export const OPERATOR_PATH = "/operator/run";

/** One line a command printed. */
export interface OutputLine {
  readonly stream: "stdout" | "stderr";
  readonly line: string;
}

/** Runs a command by name; never throws for the command's own failures. */
export type RunCommand = (
  name: string,
  args: string[],
) => Promise<{ exitCode: number; output: OutputLine[] }>;

/** Options of {@linkcode operatorRoute}. */
export interface OperatorOptions {
  /** The token callers must present as `Authorization: Bearer <token>`. */
  readonly token: string;
  /** The command names it accepts. */
  readonly commands: readonly string[];
  readonly run: RunCommand;
}

const requestSchema = z.object({
  command: z.string().min(1).max(64),
  args: z.array(z.string().max(100_000)).max(100),
});

function sameToken(presented: string, expected: string): boolean {
  const a = new TextEncoder().encode(presented);
  const b = new TextEncoder().encode(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Registers `POST /operator/run`: `{ command, args }` -> 200
 * `{ exitCode, output: [{ stream, line }] }`; 401 `invalid_operator_token`;
 * 400 for a command it does not run.
 *
 * @example
 * ```ts ignore
 * operatorRoute(app, { token: lock.adminToken, commands: ["user:list"], run });
 * ```
 */
export function operatorRoute(
  app: Hono<AppEnv>,
  options: OperatorOptions,
): void {
  app.post(OPERATOR_PATH, async (c) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(
      c.req.header("Authorization") ?? "",
    );
    if (!match?.[1] || !sameToken(match[1], options.token)) {
      throw new ApiError(
        401,
        "invalid_operator_token",
        "send the token of this node's DATA_DIR/pg.admin as 'Authorization: Bearer <token>'",
      );
    }
    const parsed = requestSchema.safeParse(
      await c.req.json().catch(() => undefined),
    );
    if (!parsed.success) {
      throw new ApiError(
        400,
        "invalid_request",
        'expected { "command": string, "args": string[] }',
      );
    }
    const { command, args } = parsed.data;
    if (!options.commands.includes(command)) {
      throw new ApiError(
        400,
        "unknown_command",
        `this node runs ${options.commands.join(", ")}; not "${command}"`,
      );
    }
    return c.json(await options.run(command, args), 200, {
      "Cache-Control": "no-store",
    });
  });
}
