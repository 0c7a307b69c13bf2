/**
 * The actor kind of the cluster benchmarks: counts what it handled and tells
 * its host through `onHandled`.
 *
 * @module
 */
import { type Behavior, defineActor } from "../runtime/actor.ts";

/** What a probe takes. */
export type ProbeMessage = { type: "hold" } | { type: "ping"; n: number };

/** A durable probe kind that calls `onHandled` after each message's turn. */
export function probeKind(
  onHandled: (id: string, message: ProbeMessage) => void,
): Behavior<number, ProbeMessage> {
  return defineActor<number, ProbeMessage>({
    kind: "probe",
    durable: true,
    idleTimeoutMs: 600_000,
    initialState: () => 0,
    receive(ctx, state, message) {
      queueMicrotask(() => onHandled(ctx.self.id, message));
      return state + 1;
    },
  });
}
