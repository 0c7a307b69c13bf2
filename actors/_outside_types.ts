/**
 * Types from npm packages and from other rooms that the actors' public
 * signatures use, under `@internal` aliases.
 *
 * `deno doc --lint` counts a type imported from an npm package as private
 * when the package lives in the project's `node_modules/` (a `file:` module;
 * denoland/deno#27364), and re-exporting it would make the package's whole
 * API ours to document. The runtime's types are documented in runtime/mod.ts;
 * re-exporting them where the actors are documented (bot/mod.ts,
 * bot/commands/mod.ts) would pull the runtime's type graph in there.
 *
 * @module
 */
import type { InlineKeyboardMarkup as TelegramInlineKeyboardMarkup } from "grammy/types";
import type {
  ActorContext as RuntimeActorContext,
  ActorRef as RuntimeActorRef,
  Message,
} from "../runtime/actor.ts";

/**
 * An inline keyboard under a message (npm:grammy `InlineKeyboardMarkup`).
 * @internal
 */
export type InlineKeyboardMarkup = TelegramInlineKeyboardMarkup;
/**
 * What an actor's `receive` is given for one turn (runtime/actor.ts).
 * @internal
 */
export type ActorContext<M extends Message = Message> = RuntimeActorContext<M>;
/**
 * A handle to send to an actor (runtime/actor.ts).
 * @internal
 */
export type ActorRef<M extends Message = Message, R = unknown> =
  RuntimeActorRef<M, R>;
