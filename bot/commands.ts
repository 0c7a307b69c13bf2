/**
 * The chat commands moved to bot/commands/ (one file each, composed in
 * bot/commands/mod.ts); this module keeps the old import path working.
 *
 * @module
 */
export * from "./commands/mod.ts";
