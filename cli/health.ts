/**
 * `deno task health`: asks a running node's `/readyz` and prints each
 * dependency; exits 1 when the node is not ready or cannot be reached.
 *
 * @module
 */
import type { ReadinessReport } from "../http/health.ts";
import type { Command } from "./_context.ts";

/** `deno task health [url]`. */
export const health: Command = async (args, { config, write }) => {
  const host = config.HOST === "0.0.0.0" || config.HOST === "::"
    ? "127.0.0.1"
    : config.HOST;
  const base = args[0] ??
    `http://${host.includes(":") ? `[${host}]` : host}:${config.PORT}`;
  let response: Response;
  try {
    response = await fetch(new URL("/readyz", base), {
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    write(
      `troupe is not reachable at ${base}: ${
        error instanceof Error ? error.message : error
      }`,
    );
    write(
      `start it with "deno task start" (or pass the node's URL: deno task health http://host:port)`,
    );
    return 1;
  }
  const body = await response.json() as ReadinessReport;
  for (const [name, check] of Object.entries(body.checks ?? {})) {
    write(
      `${check.status === "ok" ? "ok  " : "FAIL"}  ${name.padEnd(10)} ${
        String(check.latencyMs).padStart(6)
      } ms${check.error ? `  ${check.error}` : ""}`,
    );
  }
  write(`overall: ${body.status} (HTTP ${response.status})`);
  return response.ok ? 0 : 1;
};
