/**
 * A tiny in-process doorbell for build events. The build actor's `notify`
 * feeds it; event streams (SSE, WebSocket) subscribe to wake up early instead
 * of waiting for their next database poll. It carries no guarantee: the
 * database log is the source of truth, and streams on other nodes simply
 * poll, so a missed or duplicated ring is harmless.
 *
 * @module
 */
import type { BuildEvent } from "./_room_types.ts";

/** Called with the events appended to one build, in order. */
export type BuildEventListener = (events: readonly BuildEvent[]) => void;

/** Subscribe side of a hub: what the HTTP routes need. */
export interface BuildEventSubscriptions {
  /** Listens to one build's events; returns the function that stops listening. */
  subscribe(buildId: string, listener: BuildEventListener): () => void;
}

/** A hub: subscriptions plus the `publish` the build actor's `notify` calls. */
export interface BuildEventHub extends BuildEventSubscriptions {
  /** Tells the listeners of each event's build; never throws. */
  publish(events: readonly BuildEvent[]): void;
  /** Number of live subscriptions (for tests and metrics). */
  readonly size: number;
}

/**
 * An in-memory hub for one node.
 *
 * @example
 * ```ts
 * import { createBuildEventHub } from "./build_event_hub.ts";
 * const hub = createBuildEventHub();
 * const stop = hub.subscribe("b1", (events) => console.log(events.length));
 * hub.publish([{ buildId: "b1", seq: 1, type: "status", data: {}, createdAt: new Date() }]);
 * stop();
 * // buildBehavior({ db, notify: hub.publish }) feeds it in production.
 * ```
 */
export function createBuildEventHub(): BuildEventHub {
  const listeners = new Map<string, Set<BuildEventListener>>();
  let size = 0;
  return {
    subscribe(buildId, listener) {
      let set = listeners.get(buildId);
      if (!set) listeners.set(buildId, set = new Set());
      // A wrapper, so the same function subscribed twice is two subscriptions.
      const entry: BuildEventListener = (events) => listener(events);
      set.add(entry);
      size++;
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        size--;
        set.delete(entry);
        if (set.size === 0 && listeners.get(buildId) === set) {
          listeners.delete(buildId);
        }
      };
    },
    publish(events) {
      const byBuild = new Map<string, BuildEvent[]>();
      for (const event of events) {
        const list = byBuild.get(event.buildId);
        if (list) list.push(event);
        else byBuild.set(event.buildId, [event]);
      }
      for (const [buildId, list] of byBuild) {
        for (const listener of [...listeners.get(buildId) ?? []]) {
          try {
            listener(list);
          } catch {
            // A listener's failure must not reach the build actor's turn.
          }
        }
      }
    },
    get size() {
      return size;
    },
  };
}
