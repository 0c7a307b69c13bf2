/**
 * The build status machine (ARCHITECTURE §3): which status may follow which.
 *
 * ```
 * queued -> analyzing -> planning -> generating <-> testing -> finalizing -> succeeded
 * any non-final status -> failed | cancelled
 * ```
 *
 * @module
 */
import { type BuildStatus, isTerminalStatus } from "../storage/schema.ts";

export type { BuildStatus } from "../storage/schema.ts";
export {
  isTerminalStatus,
  TERMINAL_BUILD_STATUSES,
} from "../storage/schema.ts";

const NEXT: Record<BuildStatus, readonly BuildStatus[]> = {
  queued: ["analyzing"],
  analyzing: ["planning"],
  planning: ["generating"],
  generating: ["testing"],
  testing: ["generating", "finalizing"],
  finalizing: ["succeeded"],
  succeeded: [],
  failed: [],
  cancelled: [],
};

/**
 * Statuses after which a build never changes again: the same function as
 * {@linkcode isTerminalStatus}, kept under the machine's older name.
 *
 * @deprecated Import {@linkcode isTerminalStatus} instead.
 */
export const isFinal: (status: BuildStatus) => boolean = isTerminalStatus;

/**
 * Whether `to` may follow `from`. Staying in a status is not a transition
 * (callers treat it as a no-op, which makes redelivered progress harmless).
 *
 * @example
 * ```ts
 * import { canTransition } from "./build_status.ts";
 * console.assert(canTransition("testing", "generating"));
 * console.assert(!canTransition("queued", "testing"));
 * console.assert(!canTransition("succeeded", "failed"));
 * ```
 */
export function canTransition(from: BuildStatus, to: BuildStatus): boolean {
  if (isTerminalStatus(from) || from === to) return false;
  if (to === "failed" || to === "cancelled") return true;
  return NEXT[from].includes(to);
}

/**
 * The statuses to pass through, in order, to get from `from` to `to` by
 * forward moves only (`to` included); undefined if `to` cannot be reached.
 * Lets the build actor catch up when a workflow reports a later step than
 * the one it last heard of.
 *
 * @example
 * ```ts
 * import { pathTo } from "./build_status.ts";
 * console.assert(pathTo("generating", "finalizing")?.join() === "testing,finalizing");
 * console.assert(pathTo("finalizing", "planning") === undefined);
 * ```
 */
export function pathTo(
  from: BuildStatus,
  to: BuildStatus,
): BuildStatus[] | undefined {
  if (from === to) return [];
  if (canTransition(from, to)) return [to];
  const previous = new Map<BuildStatus, BuildStatus>([[from, from]]);
  const queue: BuildStatus[] = [from];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const next of NEXT[current]) {
      if (previous.has(next)) continue;
      previous.set(next, current);
      if (next === to) {
        const path: BuildStatus[] = [to];
        for (let s = current; s !== from; s = previous.get(s)!) path.unshift(s);
        return path;
      }
      queue.push(next);
    }
  }
  return undefined;
}

/** A status change the machine does not allow. */
export class IllegalTransitionError extends Error {
  override name = "IllegalTransitionError";
  constructor(
    readonly buildId: string,
    readonly from: BuildStatus,
    readonly to: BuildStatus,
  ) {
    super(`build ${buildId} cannot go from ${from} to ${to}`);
  }
}
