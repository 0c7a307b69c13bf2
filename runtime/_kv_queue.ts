/**
 * The KV transport's queue: what is enqueued and with which options, the
 * busy-retry wake-ups, and the handling of every delivery (wake-ups,
 * reminders, reply doorbells, lease watches). Internal to runtime/kv.ts.
 *
 * @module
 */
import type { Address } from "./actor.ts";
import { addressKey } from "./actor.ts";
import {
  isQueueMessage,
  KV_MAX_DELAY_MS,
  leaseKey,
  type LeaseValue,
  lostReminderKey,
  lostWakeKey,
  type QueueMessage,
  ringKey,
  wakeMessage,
} from "./_kv_keys.ts";
import { isClosedError, retryLocked } from "./_kv_retry.ts";
import {
  CLOSED_REQUEUE_DELAY_MS,
  type KvCore,
  RETRY_PENDING_SIZE,
  RING_TTL_MS,
} from "./_kv_core.ts";

/** The queue: enqueue options, busy-retry wake-ups, deliveries and lease watches. */
export class KvQueue {
  readonly #c: KvCore;

  /** Works on the transport's shared state. */
  constructor(core: KvCore) {
    this.#c = core;
  }

  enqueueOptions(
    delay: number,
    lost: Deno.KvKey[],
  ): {
    delay?: number;
    keysIfUndelivered: Deno.KvKey[];
    backoffSchedule?: number[];
  } {
    const options: {
      delay?: number;
      keysIfUndelivered: Deno.KvKey[];
      backoffSchedule?: number[];
    } = { keysIfUndelivered: lost };
    if (delay > 0) options.delay = Math.min(delay, KV_MAX_DELAY_MS);
    if (this.#c.backoffSchedule) {
      options.backoffSchedule = this.#c.backoffSchedule;
    }
    return options;
  }

  async enqueue(
    msg: QueueMessage,
    delay: number,
    lost: Deno.KvKey[],
  ): Promise<void> {
    await retryLocked(() =>
      this.#c.kv.enqueue(msg, this.enqueueOptions(delay, lost))
    );
  }

  /**
   * The lease of `target` is held elsewhere: ring the holder (it polls its
   * doorbells) and queue a wake-up for later, once per target at a time.
   */
  async retryWake(target: Address, holder?: string): Promise<void> {
    const key = addressKey(target);
    const now = Date.now();
    const until = this.#c.retryPending.get(key);
    if (until !== undefined && until > now) return;
    if (this.#c.retryPending.size >= RETRY_PENDING_SIZE) {
      // Retry wake-ups delivered to other processes never clear their entry here.
      for (const [k, t] of this.#c.retryPending) {
        if (t <= now) this.#c.retryPending.delete(k);
      }
    }
    this.#c.retryPending.set(key, now + this.#c.wakeRetryDelayMs * 4 + 1_000);
    const wake = wakeMessage(target, { retry: true });
    const options = this.enqueueOptions(this.#c.wakeRetryDelayMs, [
      lostWakeKey(target),
    ]);
    await retryLocked(() => {
      const op = this.#c.kv.atomic().enqueue(wake, options);
      if (holder !== undefined && holder !== this.#c.nodeId) {
        op.set(ringKey(holder, target), true, { expireIn: RING_TTL_MS });
      }
      return op.commit();
    });
  }

  async onQueue(raw: unknown): Promise<void> {
    try {
      await this.handleQueue(raw);
    } catch (error) {
      // The owner closed the KV: the message stays queued for the next listener.
      if (isClosedError(error)) return;
      // The system stopped before this transport: hand the message back.
      if (
        error instanceof Error && error.name === "SystemStoppedError" &&
        isQueueMessage(raw)
      ) {
        await this.handBack(raw).catch((e) => {
          if (!isClosedError(e)) throw e;
        });
        return;
      }
      throw error;
    }
  }

  /** Re-enqueues a delivery for a node that still listens (or this one after a restart). */
  async handBack(raw: QueueMessage): Promise<void> {
    const lost = raw.t === "wake"
      ? [lostWakeKey(raw)]
      : raw.t === "remind"
      ? [lostReminderKey(raw.rid)]
      : [];
    const options = this.enqueueOptions(CLOSED_REQUEUE_DELAY_MS, lost);
    await retryLocked(() => this.#c.kv.enqueue(raw, options));
  }

  async handleQueue(raw: unknown): Promise<void> {
    if (!isQueueMessage(raw)) return;
    const handlers = this.#c.handlers;
    if (this.#c.closed || !handlers) {
      await this.handBack(raw);
      return;
    }
    switch (raw.t) {
      case "wake": {
        const target = { kind: raw.kind, id: raw.id };
        if (raw.retry) this.#c.retryPending.delete(addressKey(target));
        if (
          raw.upto !== undefined &&
          (this.#c.done.get(addressKey(target)) ?? 0) >= raw.upto
        ) {
          return;
        }
        if (
          raw.watch !== undefined && await this.rearmWatch(raw, raw.watch)
        ) {
          return;
        }
        await handlers.wake(target);
        return;
      }
      case "remind":
        await this.#c.post([raw.message], raw.rid);
        return;
      case "reply":
        if (raw.node === this.#c.nodeId) await this.#c.drainReplies();
        return;
    }
  }

  /**
   * A lease's watch: while the lease with this fence is alive, re-arm at its
   * expiry; once it has expired, wake the actor (true = nothing more to do).
   */
  async rearmWatch(raw: QueueMessage, fence: number): Promise<boolean> {
    if (raw.t !== "wake") return true;
    const target = { kind: raw.kind, id: raw.id };
    const lease = await retryLocked(() =>
      this.#c.kv.get<LeaseValue>(leaseKey(target))
    );
    // Released or superseded: the releasing holder rescanned, a newer lease watches itself.
    if (!lease.value || lease.value.fence !== fence) return true;
    const left = lease.value.expiresAt - this.#c.clock.now();
    if (left <= 0) return false;
    const options = this.enqueueOptions(left + this.#c.leaseGraceMs, [
      lostWakeKey(target),
    ]);
    await retryLocked(() => this.#c.kv.enqueue(raw, options));
    return true;
  }
}
