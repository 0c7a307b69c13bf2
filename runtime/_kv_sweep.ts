/**
 * The KV transport's replies and sweeping: the poll that hands stored
 * replies to this node, answers doorbells, and re-enqueues queue messages
 * KV gave up on. Internal to runtime/kv.ts.
 *
 * @module
 */
import type { Address } from "./actor.ts";
import { addressKey } from "./actor.ts";
import type { Reply } from "./transport.ts";
import {
  bellPrefix,
  isQueueMessage,
  KV_MAX_MUTATIONS,
  lostPrefix,
  replyPrefix,
  ringPrefix,
} from "./_kv_keys.ts";
import { errorText } from "./_host.ts";
import { isClosedError, listAll, retryLocked } from "./_kv_retry.ts";
import type { KvCore } from "./_kv_core.ts";

/** Replies and sweeping: the poll for replies, doorbells and lost queue messages. */
export class KvSweeper {
  readonly #c: KvCore;

  /** Works on the transport's shared state. */
  constructor(core: KvCore) {
    this.#c = core;
  }

  schedulePoll(ms: number): void {
    if (this.#c.closed) return;
    this.#c.pollTimer = setTimeout(() => {
      this.#c.pollTimer = undefined;
      const run = this.track(this.pollOnce());
      run.finally(() => this.schedulePoll(this.#c.pollIntervalMs));
    }, ms);
  }

  async pollOnce(): Promise<void> {
    if (this.#c.closed) return;
    try {
      await this.drainReplies();
      // Paused: no new work starts here either; bells and lost wake-ups wait in KV.
      if (this.#c.paused) return;
      await this.answerRings();
      const now = Date.now();
      if (now - this.#c.lastSweep >= this.#c.sweepIntervalMs) {
        this.#c.lastSweep = now;
        await this.sweepLost();
      }
    } catch (error) {
      // The KV was closed under us: stop quietly; anything else is worth a line.
      if (!this.#c.closed && !isClosedError(error)) {
        this.#c.logger.error("KV transport poll failed", {
          error: errorText(error),
        });
      }
    }
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.#c.background.add(promise);
    promise.finally(() => this.#c.background.delete(promise)).catch(() => {});
    return promise;
  }

  /** Delivers replies stored for this node; one drain at a time. */
  drainReplies(): Promise<void> {
    if (this.#c.replyDrain) {
      this.#c.replyAgain = true;
      return this.#c.replyDrain;
    }
    const run = async () => {
      try {
        do {
          this.#c.replyAgain = false;
          await this.drainRepliesOnce();
        } while (this.#c.replyAgain && !this.#c.closed);
      } finally {
        this.#c.replyDrain = undefined;
      }
    };
    this.#c.replyDrain = this.track(run());
    return this.#c.replyDrain;
  }

  async drainRepliesOnce(): Promise<void> {
    const handlers = this.#c.handlers;
    if (!handlers || this.#c.closed) return;
    const entries = await listAll<Reply>(
      this.#c.kv,
      { prefix: replyPrefix(this.#c.nodeId) },
      { limit: KV_MAX_MUTATIONS },
    );
    if (entries.length === 0) return;
    await retryLocked(() => {
      const op = this.#c.kv.atomic();
      for (const entry of entries) op.delete(entry.key);
      return op.commit();
    });
    for (const entry of entries) {
      try {
        handlers.reply(entry.value);
      } catch (error) {
        this.#c.logger.error("KV transport reply handler threw", {
          replyTo: entry.value.replyTo,
          error: errorText(error),
        });
      }
    }
  }

  /** Wakes the actors other nodes rang this node (or any node) about. */
  async answerRings(): Promise<void> {
    const handlers = this.#c.handlers;
    if (!handlers || this.#c.closed) return;
    const bells = await listAll(this.#c.kv, { prefix: bellPrefix }, {
      limit: 100,
    });
    for (const bell of bells) {
      // Several nodes may see the bell; the one whose delete commits answers.
      const res = await retryLocked(() =>
        this.#c.kv.atomic().check(bell).delete(bell.key).commit()
      );
      const [, , kind, id] = bell.key;
      if (!res.ok || typeof kind !== "string" || typeof id !== "string") {
        continue;
      }
      try {
        await handlers.wake({ kind, id });
      } catch (error) {
        this.wakeFailed({ kind, id }, error);
      }
    }
    const rings = await listAll(this.#c.kv, {
      prefix: ringPrefix(this.#c.nodeId),
    }, {
      limit: KV_MAX_MUTATIONS,
    });
    if (rings.length === 0) return;
    await retryLocked(() => {
      const op = this.#c.kv.atomic();
      for (const ring of rings) op.delete(ring.key);
      return op.commit();
    });
    for (const ring of rings) {
      const [, , , kind, id] = ring.key;
      if (typeof kind !== "string" || typeof id !== "string") continue;
      try {
        await handlers.wake({ kind, id });
      } catch (error) {
        // The queue's wake-ups (retry, watch) still stand behind this one.
        this.wakeFailed({ kind, id }, error);
      }
    }
  }

  /** A doorbell's wake-up failed: worth a line unless the node is stopping. */
  wakeFailed(target: Address, error: unknown): void {
    if (this.#c.closed || isClosedError(error)) return;
    // The system refuses wake-ups while it stops; the queue keeps them.
    if (error instanceof Error && error.name === "SystemStoppedError") return;
    this.#c.logger.warn("KV transport wake-up failed", {
      actor: addressKey(target),
      error: errorText(error),
    });
  }

  /** Re-enqueues queue messages that KV wrote to `keysIfUndelivered`. */
  async sweepLost(): Promise<void> {
    const lost = await listAll(this.#c.kv, { prefix: lostPrefix }, {
      limit: KV_MAX_MUTATIONS,
    });
    for (const entry of lost) {
      if (this.#c.closed) return;
      const value = entry.value;
      await retryLocked(() => {
        const op = this.#c.kv.atomic().check(entry).delete(entry.key);
        if (isQueueMessage(value)) {
          op.enqueue(value, this.#c.enqueueOptions(0, [entry.key]));
        }
        return op.commit();
      });
    }
  }
}
