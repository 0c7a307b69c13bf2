/**
 * This node's actor figures from the runtime's own events: activations,
 * mailbox depth, messages, failures and dead letters by kind, and the node's
 * figures as published to the cluster view.
 *
 * @module
 */
import type { RuntimeEvent } from "../../runtime/events.ts";
import type { NodeFigures } from "./figures.ts";
import type { ActorTracking, Metrics } from "./types.ts";

/**
 * Feeds one runtime event into the actor metrics. Cheap and synchronous: made
 * to be the runtime's `onEvent` hook.
 *
 * @example
 * ```ts
 * import { createMetrics, recordRuntimeEvent } from "../metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * const onEvent = (e: Parameters<typeof recordRuntimeEvent>[1]) => recordRuntimeEvent(metrics, e);
 * onEvent({ type: "activated", kind: "build", id: "b1" });
 * ```
 */
export function recordRuntimeEvent(
  metrics: Metrics,
  event: RuntimeEvent,
): void {
  const kind = event.kind;
  switch (event.type) {
    case "activated":
      setActive(metrics, kind, event.id, true);
      setInSet(metrics.tracking.firstTurns, kind, event.id, true);
      break;
    case "passivated":
      setActive(metrics, kind, event.id, false);
      setDepth(metrics, kind, event.id, 0);
      setInSet(metrics.tracking.firstTurns, kind, event.id, false);
      break;
    case "stopped":
      metrics.actorStops.inc({ kind });
      setActive(metrics, kind, event.id, false);
      setDepth(metrics, kind, event.id, 0);
      setInSet(metrics.tracking.firstTurns, kind, event.id, false);
      break;
    case "processed":
      setInSet(metrics.tracking.firstTurns, kind, event.id, false);
      metrics.actorMessages.inc({ kind });
      metrics.actorMessageDuration.observe(
        { kind },
        Math.max(0, event.durationMs) / 1000,
      );
      break;
    case "failed":
      metrics.actorFailures.inc({ kind });
      break;
    case "restarted":
      metrics.actorRestarts.inc({ kind });
      break;
    case "dead_lettered":
      metrics.actorDeadLetters.inc({ kind });
      metrics.tracking.deadLetters.set(
        kind,
        (metrics.tracking.deadLetters.get(kind) ?? 0) + 1,
      );
      setInSet(metrics.tracking.firstTurns, kind, event.id, false);
      break;
    case "mailbox_depth":
      setDepth(metrics, kind, event.id, event.depth);
      break;
  }
}

function setInSet(
  sets: Map<string, Set<string>>,
  kind: string,
  id: string,
  member: boolean,
): void {
  let ids = sets.get(kind);
  if (!ids) {
    if (!member) return;
    ids = new Set();
    sets.set(kind, ids);
  }
  if (member) ids.add(id);
  else ids.delete(id);
}

function setActive(
  metrics: Metrics,
  kind: string,
  id: string,
  active: boolean,
): void {
  let ids = metrics.tracking.active.get(kind);
  if (!ids) {
    if (!active) return;
    ids = new Set();
    metrics.tracking.active.set(kind, ids);
  }
  if (active) ids.add(id);
  else ids.delete(id);
  metrics.actorActivations.set({ kind }, ids.size);
}

function setDepth(
  metrics: Metrics,
  kind: string,
  id: string,
  depth: number,
): void {
  let entry = metrics.tracking.depths.get(kind);
  if (!entry) {
    if (depth <= 0) return;
    entry = { total: 0, byId: new Map() };
    metrics.tracking.depths.set(kind, entry);
  }
  const before = entry.byId.get(id) ?? 0;
  const after = Math.max(0, depth);
  // Ids at depth 0 are forgotten so the map only holds busy mailboxes.
  if (after === 0) entry.byId.delete(id);
  else entry.byId.set(id, after);
  entry.total += after - before;
  metrics.actorMailboxDepth.set({ kind }, entry.total);
}

/**
 * This node's figures for the cluster view: activations, mailbox depth and
 * dead letters by kind, and the builds in progress, counted as the
 * activations of `buildKind` (the workflow actor, whose one turn runs a
 * whole agent graph) whose first turn has not finished.
 *
 * @example
 * ```ts
 * import { createMetrics, nodeFigures, recordRuntimeEvent } from "../metrics.ts";
 * const metrics = createMetrics({ defaultMetrics: false });
 * recordRuntimeEvent(metrics, { type: "activated", kind: "workflow", id: "b1" });
 * console.assert(nodeFigures(metrics.tracking, "workflow").buildsInProgress === 1);
 * ```
 */
export function nodeFigures(
  tracking: ActorTracking,
  buildKind: string,
): NodeFigures {
  const kinds = new Set([
    ...tracking.active.keys(),
    ...tracking.depths.keys(),
    ...tracking.deadLetters.keys(),
  ]);
  let activations = 0;
  for (const ids of tracking.active.values()) activations += ids.size;
  return {
    activations,
    buildsInProgress: tracking.firstTurns.get(buildKind)?.size ?? 0,
    kinds: [...kinds].sort().map((kind) => ({
      kind,
      activations: tracking.active.get(kind)?.size ?? 0,
      mailboxDepth: tracking.depths.get(kind)?.total ?? 0,
      deadLetters: tracking.deadLetters.get(kind) ?? 0,
    })),
  };
}
