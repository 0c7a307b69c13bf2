/**
 * A clean async context for the runtime's own work. An actor's turn must not
 * run inside the async context of whatever caused it (a sender's turn, a
 * graph node that told another actor, a request handler): libraries that keep
 * per-call state in `AsyncLocalStorage` (LangGraph keeps its run config
 * there) would otherwise take the receiver's work for part of the sender's.
 * The system captures the context it is built in (the composition root, no
 * store set) once, and starts every drain, timer, reminder and delivery from
 * it. Internal to runtime/system.ts.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Clock, TimerId } from "./clock.ts";

/** Runs `fn` in the context captured when the runner was made. */
export type RootRunner = <R>(fn: () => R) => R;

/** Captures the current async context; build the system outside any store. */
export function rootRunner(): RootRunner {
  const snapshot = AsyncLocalStorage.snapshot();
  return (fn) => snapshot(fn);
}

/** `clock` whose timer callbacks run in the root context, not the caller's. */
export function rootedClock(clock: Clock, root: RootRunner): Clock {
  return {
    now: () => clock.now(),
    setTimeout: (fn: () => void, ms: number): TimerId =>
      clock.setTimeout(() => root(fn), ms),
    clearTimeout: (id: TimerId) => clock.clearTimeout(id),
  };
}
