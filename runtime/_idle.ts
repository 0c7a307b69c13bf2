/**
 * Idle tracking with one clock timer per idle timeout instead of one per
 * activation: activity only updates a number, and the sweep re-queues
 * entries that turned out to be active since they were queued.
 *
 * @module
 */
import type { Clock, TimerId } from "./clock.ts";

/** Something that can be passivated when idle. */
export interface Idler {
  /** Clock time of the last activity. */
  lastActive: number;
  /** Passivates if idle now; false if busy (it stays tracked). */
  passivateIfIdle(): boolean;
}

/** Passivates tracked activations `timeoutMs` after their last activity. */
export class IdleTracker {
  #items = new Map<Idler, number>();
  #timer: TimerId | undefined;
  #timerAt = Infinity;

  constructor(readonly clock: Clock, readonly timeoutMs: number) {}

  /** Starts tracking `item` from its `lastActive`. */
  add(item: Idler): void {
    this.#items.set(item, item.lastActive);
    this.#arm();
  }

  delete(item: Idler): void {
    this.#items.delete(item);
    if (this.#items.size === 0) this.#disarm();
  }

  get size(): number {
    return this.#items.size;
  }

  /** Stops the timer and forgets every item. */
  clear(): void {
    this.#items.clear();
    this.#disarm();
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #arm(): void {
    const first = this.#items.values().next();
    if (first.done) return this.#disarm();
    const at = first.value + this.timeoutMs;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    this.#disarm();
    this.#timerAt = at;
    this.#timer = this.clock.setTimeout(
      () => this.#sweep(),
      Math.max(0, at - this.clock.now()),
    );
  }

  #sweep(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.clock.now();
    for (const [item, queuedAt] of this.#items) {
      if (queuedAt + this.timeoutMs > now) break;
      this.#items.delete(item);
      if (item.lastActive + this.timeoutMs > now) {
        this.#items.set(item, item.lastActive);
      } else if (!item.passivateIfIdle()) {
        this.#items.set(item, now);
      }
    }
    this.#arm();
  }
}
