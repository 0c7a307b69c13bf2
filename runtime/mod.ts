/**
 * Troupe's actor runtime: virtual actors with turn-based mailboxes, durable
 * delivery, OTP-style supervision, timers and reminders.
 *
 * @example
 * ```ts
 * import { ActorSystem, defineActor } from "./mod.ts";
 * type Msg = { type: "ping" };
 * const echo = defineActor<number, Msg>({
 *   kind: "echo",
 *   durable: false,
 *   initialState: () => 0,
 *   receive: (ctx, n) => (ctx.reply(n + 1), n + 1),
 * });
 * const system = new ActorSystem({ behaviors: [echo] });
 * console.assert(await system.ref<Msg>("echo", "1").ask({ type: "ping" }) === 1);
 * await system.shutdown();
 * ```
 *
 * @module
 */
export * from "./actor.ts";
export * from "./clock.ts";
export * from "./errors.ts";
export type * from "./events.ts";
export type * from "./store.ts";
export type * from "./transport.ts";
export { MemoryStateStore } from "./memory_store.ts";
export {
  MemoryTransport,
  type MemoryTransportOptions,
} from "./memory_transport.ts";
export { ActorSystem, type ActorSystemOptions } from "./system.ts";
export { KvTransport, type KvTransportOptions } from "./kv.ts";
export { type OmitUndefined, omitUndefined } from "./optional.ts";
export type { LogFields, Logger } from "./logger.ts";
export type { AnyBehavior } from "./_host.ts";
