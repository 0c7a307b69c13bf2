/**
 * Keeps one dependency warning out of the terminal. grammY's npm build loads
 * `node-fetch@2`, whose URL parser requires Node's deprecated `punycode`
 * module; Deno's Node layer then prints DEP0040 on every command, which a
 * user can do nothing about. Every other warning still prints.
 *
 * Imported first by `main.ts`, so it runs before any dependency loads.
 *
 * @module
 */
import process from "node:process";

/** The deprecation codes that come from dependencies, not from Troupe. */
export const SILENCED_WARNINGS: ReadonlySet<string> = new Set(["DEP0040"]);

type EmitWarning = (warning: string | Error, ...rest: unknown[]) => void;

function codeOf(rest: readonly unknown[]): unknown {
  const [first, second] = rest;
  if (typeof first === "object" && first !== null && "code" in first) {
    return (first as { code?: unknown }).code;
  }
  return second;
}

const emitWarning = process.emitWarning.bind(process) as EmitWarning;
(process as { emitWarning: EmitWarning }).emitWarning = (warning, ...rest) => {
  const code = codeOf(rest);
  if (typeof code === "string" && SILENCED_WARNINGS.has(code)) return;
  emitWarning(warning, ...rest);
};
