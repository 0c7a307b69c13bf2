/**
 * Types from npm packages and from other rooms that the bot's public
 * signatures use, under `@internal` aliases.
 *
 * `deno doc --lint` counts a type imported from an npm package as private
 * when the package lives in the project's `node_modules/` (a `file:` module;
 * denoland/deno#27364), and re-exporting it would make the package's whole
 * API ours to document. The other rooms' types are documented in their own
 * modules; re-exporting them here would pull their type graphs into this
 * room's documentation.
 *
 * @module
 */
import type { Api as GrammyApi, Bot } from "grammy";
import type {
  InlineKeyboardMarkup as TelegramInlineKeyboardMarkup,
  Update as TelegramUpdate,
  UserFromGetMe as TelegramUserFromGetMe,
} from "grammy/types";
import type { Context } from "hono";
import type { Behavior as RuntimeBehavior, Message } from "../runtime/actor.ts";
import type { Db as StorageDb } from "../storage/schema.ts";
import type { Config as PlatformConfig } from "../config.ts";

/**
 * grammY's Bot API client (npm:grammy `Api`).
 * @internal
 */
export type Api = GrammyApi;
/**
 * The grammY bot (npm:grammy `Bot`).
 * @internal
 */
export type GrammyBot = Bot;
/**
 * A Telegram update (npm:grammy `Update`, Bot API types).
 * @internal
 */
export type Update = TelegramUpdate;
/**
 * The bot's own user, as getMe answers it (npm:grammy `UserFromGetMe`).
 * @internal
 */
export type UserFromGetMe = TelegramUserFromGetMe;
/**
 * An inline keyboard under a message (npm:grammy `InlineKeyboardMarkup`).
 * @internal
 */
export type InlineKeyboardMarkup = TelegramInlineKeyboardMarkup;
/**
 * The context of a Hono request (npm:hono `Context`).
 * @internal
 */
export type HonoContext = Context;
/**
 * An actor behavior (runtime/actor.ts).
 * @internal
 */
export type Behavior<S = unknown, M extends Message = Message> =
  RuntimeBehavior<
    S,
    M
  >;
/**
 * A Kysely instance over Troupe's schema (storage/schema.ts).
 * @internal
 */
export type Db = StorageDb;
/**
 * The platform's validated configuration (config.ts).
 * @internal
 */
export type Config = PlatformConfig;
