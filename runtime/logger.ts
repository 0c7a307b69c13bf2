/**
 * Where the runtime reports what went wrong off any caller's path: a failed
 * internal post, a handler that threw, a store found replaced. The
 * composition root passes the platform's structured logger (any object with
 * these two methods fits); the default writes to the console.
 *
 * @module
 */

/** Structured fields of a log line. */
export type LogFields = Record<string, unknown>;

/** The runtime's view of a logger. */
export interface Logger {
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * The default logger: `console.warn` / `console.error` with the fields as JSON.
 *
 * @example
 * ```ts
 * import { consoleLogger } from "./logger.ts";
 * consoleLogger.warn("something odd", { component: "example" });
 * ```
 */
export const consoleLogger: Logger = {
  warn: (message, fields) =>
    console.warn(message, ...(fields ? [JSON.stringify(fields)] : [])),
  error: (message, fields) =>
    console.error(message, ...(fields ? [JSON.stringify(fields)] : [])),
};
