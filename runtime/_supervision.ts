/**
 * Supervision arithmetic: policy defaults, backoff delays, restart intensity.
 *
 * @module
 */
import { defaultSupervision, type SupervisionPolicy } from "./actor.ts";

/** A kind's policy merged over {@linkcode defaultSupervision}. */
export function mergePolicy(
  policy: Partial<SupervisionPolicy> | undefined,
): SupervisionPolicy {
  return {
    ...defaultSupervision,
    ...policy,
    backoff: { ...defaultSupervision.backoff, ...policy?.backoff },
  };
}

/**
 * The delay before the `n`th restart (1-based):
 * `min(maxMs, initialMs * factor^(n-1))`, then +/- `jitter` of it, drawn
 * from `random` (0..1; 0.5 means no jitter). Rounded to whole milliseconds.
 */
export function backoffDelay(
  backoff: SupervisionPolicy["backoff"],
  n: number,
  random: () => number,
): number {
  const base = Math.min(
    backoff.maxMs,
    backoff.initialMs * backoff.factor ** Math.max(0, n - 1),
  );
  const jittered = base * (1 + backoff.jitter * (2 * random() - 1));
  return Math.max(0, Math.round(jittered));
}

/** Restart timestamps within a sliding window, as OTP's restart intensity. */
export class RestartWindow {
  #times: number[] = [];

  /** Records a restart at `now` and returns how many fall within `withinMs`. */
  record(now: number, withinMs: number): number {
    const times = this.#times.filter((t) => now - t < withinMs);
    times.push(now);
    this.#times = times;
    return times.length;
  }
}
