/**
 * The Deno KV transport: a durable mailbox per actor, wake-ups on the KV
 * queue written in the same atomic commit as the messages, and an activation
 * lease taken by compare-and-set with expiry and a fencing token.
 *
 * Keys (all under `"troupe"`): `seq/kind/id` (last seq handed out),
 * `mb/kind/id/seq` (mailbox entries, sorted by seq), `lease/kind/id` and
 * `fence/kind/id`, `reply/node/id` (replies waiting for a node),
 * `ring/node/kind/id` (doorbells for a lease holder), `bell/kind/id`
 * (doorbells for any node), `remdone/id` (reminders
 * already posted), `lost/...` (queue messages KV gave up on after their
 * retries, re-enqueued by a sweeper).
 *
 * Why some things are the way they are:
 * - KV queue delivery is not FIFO and handlers run concurrently, so order
 *   comes only from the mailbox; a wake-up just says "look at this actor".
 * - A node that listens on a KV file sees queue messages enqueued by another
 *   process only after about a minute, and `kv.watch` misses other processes'
 *   writes. Replies therefore go to a per-node key prefix that the node polls
 *   (plus a queue doorbell that helps when the sender shares the process).
 * - For the same reason a node refused a lease rings the holder: it writes
 *   `ring/holder/kind/id`, which the holder polls with its replies and turns
 *   into a local wake-up; and a node that does not listen (a CLI command)
 *   writes `bell/kind/id` with its post, which any listening node answers.
 * - KV delivers queue messages tens of milliseconds after the commit, even
 *   in one process. A post therefore also wakes the posted actors on this
 *   node at once; the queue's wake-up stays as the durable fallback and is
 *   dropped on arrival if this node has committed past the seqs it was for.
 * - A crashed holder leaves no wake-up behind. Each lease starts a "watch"
 *   chain on the queue: a delayed message that re-arms itself while the lease
 *   is alive and wakes the actor once the lease has expired.
 *
 * The transport is split along its parts: `_kv_post.ts` (posting),
 * `_kv_queue.ts` (the queue), `_kv_sweep.ts` (replies and sweeping),
 * `_kv_core.ts` (the state they share, limits, helpers), `_kv_lease.ts`
 * (the lease), `_kv_keys.ts` (keys and queue messages), `_kv_retry.ts`
 * (lock retries). This file is the front door: options, construction,
 * post/lease/reply/listen/pause/close.
 *
 * @module
 */
import type { Address } from "./actor.ts";
import { addressKey } from "./actor.ts";
import { type Clock, realClock } from "./clock.ts";
import { PayloadTooLargeError, RuntimeError } from "./errors.ts";
import type {
  Envelope,
  Lease,
  Outgoing,
  Reply,
  Transport,
  TransportHandlers,
} from "./transport.ts";
import {
  fenceKey,
  KV_MAX_DELAY_MS,
  KV_MAX_VALUE_BYTES,
  leaseKey,
  type LeaseValue,
  lostReminderKey,
  lostWakeKey,
  parseReplyTo,
  type QueueMessage,
  replyPrefix,
  serializedSize,
  wakeMessage,
} from "./_kv_keys.ts";
import { KvLease, type LeaseDeps } from "./_kv_lease.ts";
import { consoleLogger, type Logger } from "./logger.ts";
import { errorText } from "./_host.ts";
import { isClosedError, retryLocked } from "./_kv_retry.ts";
import {
  backoff,
  describe,
  DONE_SIZE,
  type KvCore,
  MAX_POST_ATTEMPTS,
} from "./_kv_core.ts";
import { KvPosting } from "./_kv_post.ts";
import { KvQueue } from "./_kv_queue.ts";
import { KvSweeper } from "./_kv_sweep.ts";

/** Options of {@linkcode KvTransport}. */
export interface KvTransportOptions {
  /** An opened KV (only storage/ opens connections). The transport owns its queue; the caller closes it. */
  readonly kv: Deno.Kv;
  /** Lease expiry is measured on this clock (default: the wall clock). KV queue delays are real time. */
  readonly clock?: Clock;
  /** Unique among nodes sharing the KV; must not contain `:` (default: a random UUID). */
  readonly nodeId?: string;
  /** Delay of the wake-up re-enqueued when another node holds the lease (default 750 ms). */
  readonly wakeRetryDelayMs?: number;
  /** How often this node looks for replies written by other processes (default 50 ms). */
  readonly pollIntervalMs?: number;
  /** How often queue messages that KV gave up on are re-enqueued (default 5 s). */
  readonly sweepIntervalMs?: number;
  /** Extra delay after a lease's expiry before its watch wakes the actor (default 1 s). */
  readonly leaseGraceMs?: number;
  /** Replies nobody picks up are dropped after this long (default 10 min). */
  readonly replyTtlMs?: number;
  /** Retry schedule of queue messages whose handler throws (KV's default if absent). */
  readonly backoffSchedule?: readonly number[];
  /**
   * The last seq the state store committed for `target` (0 if none). An
   * actor without a seq counter in KV (a new actor, or a KV store lost or
   * replaced under a state store that lives on) gets seqs after it, so new
   * messages are never taken for ones already processed. Default: 0.
   */
  readonly seqFloor?: (target: Address) => Promise<number>;
  /** Where failures off any caller's path are reported (default: the console). */
  readonly logger?: Logger;
  /**
   * Opens another handle on the same KV store, used only to take queue
   * deliveries. With it, {@linkcode KvTransport.pause} can stop dequeueing
   * (Deno stops a queue listener only when its handle is closed) and
   * {@linkcode KvTransport.resume} start again on a fresh handle. The
   * transport closes the handles it opened. Default: none (deliveries come
   * through `kv`, and the transport cannot pause).
   */
  readonly openQueue?: () => Promise<Deno.Kv>;
}

/** Posting more messages to one actor than fit in one atomic commit. */

/**
 * The durable transport over Deno KV.
 *
 * `post` of messages to several actors commits per group of actors: every
 * actor's messages of one call are always in one commit (all or nothing), and
 * the call is one commit unless it exceeds KV's per-commit limits (1000
 * mutations, 100 checks, 800 KiB), in which case it is split between actors,
 * in order (a crash between those commits leaves the first actors' messages
 * written, never part of one actor's). More than 997 messages to one actor in
 * one call are refused with a `RangeError`; a message whose serialized
 * envelope (V8 serialization, as KV measures it) is over 64 KiB with
 * `PayloadTooLargeError`. Both are checked before anything is written.
 *
 * The transport must be the only user of its KV's queue (`listenQueue`),
 * even after `close()`: Deno cannot take a queue listener back, so a closed
 * transport keeps receiving its share of the deliveries until the KV is
 * closed, and hands each back with a 1 s delay. Give a new transport a newly
 * opened KV, not the handle of a closed one. With `openQueue` the transport
 * takes deliveries on handles of its own, closes them on `close()`, and can
 * `pause()` and `resume()` taking deliveries (the disk guard does, before the
 * store fills up).
 *
 * @example
 * ```ts
 * import { KvTransport } from "./kv.ts";
 * const kv = await Deno.openKv(":memory:");
 * const transport = new KvTransport({ kv, nodeId: "n1" });
 * transport.listen({
 *   async wake(target) {
 *     const lease = await transport.acquire(target, 30_000);
 *     if (!lease) return;
 *     const batch = await lease.read(0, 100);
 *     console.log(batch.map((e) => e.message));
 *     await lease.ack(batch.at(-1)?.seq ?? 0);
 *     await lease.release();
 *   },
 *   reply() {},
 * });
 * await transport.post([{ target: { kind: "k", id: "1" }, message: { type: "hi" } }]);
 * // ...later
 * await transport.close();
 * kv.close();
 * ```
 */
export class KvTransport implements Transport {
  /** This node's id. */
  readonly nodeId: string;
  readonly #c: KvCore;
  readonly #leaseDeps: LeaseDeps;

  /**
   * A transport over `options.kv`; throws a RangeError when the node id is
   * empty or contains `:`. Nothing is taken from the queue before
   * {@linkcode listen}.
   */
  constructor(options: KvTransportOptions) {
    const nodeId = options.nodeId ?? crypto.randomUUID();
    if (nodeId === "" || nodeId.includes(":")) {
      throw new RangeError(
        `KvTransport nodeId must be non-empty and contain no ":" (got "${nodeId}")`,
      );
    }
    this.nodeId = nodeId;
    // The parts call each other through the core; they exist before any call.
    const core: KvCore = {
      nodeId,
      kv: options.kv,
      clock: options.clock ?? realClock,
      wakeRetryDelayMs: options.wakeRetryDelayMs ?? 750,
      pollIntervalMs: options.pollIntervalMs ?? 50,
      sweepIntervalMs: options.sweepIntervalMs ?? 5_000,
      leaseGraceMs: options.leaseGraceMs ?? 1_000,
      replyTtlMs: options.replyTtlMs ?? 600_000,
      backoffSchedule: options.backoffSchedule
        ? [...options.backoffSchedule]
        : undefined,
      seqFloor: options.seqFloor,
      logger: options.logger ?? consoleLogger,
      handlers: undefined,
      closed: false,
      openQueue: options.openQueue,
      queueKv: undefined,
      paused: false,
      queueChange: Promise.resolve(),
      pollTimer: undefined,
      background: new Set(),
      lastSweep: -Infinity,
      replyDrain: undefined,
      replyAgain: false,
      retryPending: new Map(),
      counters: new Map(),
      recent: new Map(),
      recentSize: 0,
      done: new Map(),
      enqueueOptions: (delay, lost) => queue.enqueueOptions(delay, lost),
      enqueue: (msg, delay, lost) => queue.enqueue(msg, delay, lost),
      retryWake: (target, holder) => queue.retryWake(target, holder),
      onQueue: (raw) => queue.onQueue(raw),
      post: (messages, reminder) => posting.post(messages, reminder),
      checkEnvelope: (message) => posting.checkEnvelope(message),
      track: <T>(promise: Promise<T>) => sweeper.track(promise),
      wakeFailed: (target, error) => sweeper.wakeFailed(target, error),
      drainReplies: () => sweeper.drainReplies(),
      schedulePoll: (ms) => sweeper.schedulePoll(ms),
    };
    const posting = new KvPosting(core);
    const queue = new KvQueue(core);
    const sweeper = new KvSweeper(core);
    this.#c = core;
    this.#leaseDeps = {
      kv: this.#c.kv,
      clock: this.#c.clock,
      node: nodeId,
      wake: (target) =>
        this.#c.enqueue(wakeMessage(target), 0, [lostWakeKey(target)]),
      recent: (target, from, limit) => {
        const box = this.#c.recent.get(addressKey(target));
        const out: Envelope[] = [];
        for (let seq = from; box && out.length < limit; seq++) {
          const envelope = box.get(seq);
          if (!envelope) break;
          out.push(structuredClone(envelope));
        }
        return out;
      },
      forget: (target, uptoSeq) => {
        const key = addressKey(target);
        if ((this.#c.done.get(key) ?? 0) < uptoSeq) {
          if (this.#c.done.size >= DONE_SIZE) this.#c.done.clear();
          this.#c.done.set(key, uptoSeq);
        }
        const box = this.#c.recent.get(key);
        if (!box) return;
        for (const seq of box.keys()) {
          if (seq > uptoSeq) continue;
          box.delete(seq);
          this.#c.recentSize--;
        }
        if (box.size === 0) this.#c.recent.delete(key);
      },
    };
  }

  /** Appends messages to their mailboxes and enqueues one wake-up per actor, atomically per actor. */
  post(messages: readonly Outgoing[]): Promise<void> {
    return this.#c.post(messages, undefined);
  }

  /** Posts `message` after `delayMs` (at most 30 days), durably, exactly once. */
  async postLater(message: Outgoing, delayMs: number): Promise<void> {
    if (!(delayMs <= KV_MAX_DELAY_MS)) {
      throw new RangeError(
        `postLater delay ${delayMs} ms is over Deno KV's 30-day limit (${KV_MAX_DELAY_MS} ms); keep far-future dates in the actor's state and remind closer to them`,
      );
    }
    this.#c.checkEnvelope(message);
    const rid = crypto.randomUUID();
    const msg: QueueMessage = { troupe: 1, t: "remind", rid, message };
    const bytes = serializedSize(msg);
    if (bytes > KV_MAX_VALUE_BYTES) {
      throw new PayloadTooLargeError(
        `reminder ${describe(message)}`,
        bytes,
        KV_MAX_VALUE_BYTES,
      );
    }
    await this.#c.enqueue(msg, Math.max(0, delayMs), [lostReminderKey(rid)]);
  }

  /**
   * Takes the lease by compare-and-set on the lease and fence keys. A lease
   * held and not expired (by any node, this one included) gives `undefined`
   * and a wake-up re-enqueued after `wakeRetryDelayMs`; an expired one is
   * taken over with the next fence.
   */
  async acquire(target: Address, ttlMs: number): Promise<Lease | undefined> {
    const lKey = leaseKey(target);
    const fKey = fenceKey(target);
    for (let attempt = 0; attempt < MAX_POST_ATTEMPTS; attempt++) {
      const [lease, fence] = await retryLocked(() =>
        this.#c.kv.getMany<[LeaseValue, number]>([lKey, fKey])
      );
      const now = this.#c.clock.now();
      const held = lease.value;
      if (held && held.expiresAt > now) {
        await this.#c.retryWake(target, held.node);
        return undefined;
      }
      const next = Math.max(fence.value ?? 0, held?.fence ?? 0) + 1;
      const value: LeaseValue = {
        node: this.nodeId,
        fence: next,
        expiresAt: now + ttlMs,
      };
      const watch: QueueMessage = {
        troupe: 1,
        t: "wake",
        kind: target.kind,
        id: target.id,
        watch: next,
      };
      const res = await retryLocked(() =>
        this.#c.kv.atomic()
          .check(lease)
          .check(fence)
          .set(fKey, next)
          .set(lKey, value)
          .enqueue(
            watch,
            this.#c.enqueueOptions(ttlMs + this.#c.leaseGraceMs, [
              lostWakeKey(target),
            ]),
          )
          .commit()
      );
      if (res.ok) {
        return new KvLease(
          this.#leaseDeps,
          target,
          next,
          ttlMs,
          res.versionstamp,
        );
      }
      await backoff(attempt);
    }
    await this.#c.retryWake(target);
    return undefined;
  }

  /** Hands the reply to this node's handler, or stores it for the asking node. */
  async sendReply(reply: Reply): Promise<void> {
    const to = parseReplyTo(reply.replyTo);
    if (!to) {
      throw new RangeError(
        `replyTo "${reply.replyTo}" is not of the form "<node>:<id>"`,
      );
    }
    const value: Reply = {
      replyTo: reply.replyTo,
      ok: reply.ok,
      value: reply.value,
    };
    const bytes = serializedSize(value);
    if (bytes > KV_MAX_VALUE_BYTES) {
      throw new PayloadTooLargeError(
        `reply to ${reply.replyTo}`,
        bytes,
        KV_MAX_VALUE_BYTES,
      );
    }
    const handlers = this.#c.handlers;
    if (to.node === this.nodeId && handlers && !this.#c.closed) {
      const copy = structuredClone(value);
      queueMicrotask(() => handlers.reply(copy));
      return;
    }
    await retryLocked(() =>
      this.#c.kv.atomic()
        .set([...replyPrefix(to.node), to.id], value, {
          expireIn: this.#c.replyTtlMs,
        })
        .enqueue({ troupe: 1, t: "reply", node: to.node })
        .commit()
    );
  }

  /** Starts taking queue messages and polling for replies. Call once. */
  listen(handlers: TransportHandlers): void {
    if (this.#c.closed) throw new RuntimeError("KvTransport is closed");
    if (this.#c.handlers) {
      throw new RuntimeError("KvTransport is already listening");
    }
    this.#c.handlers = handlers;
    if (this.#c.openQueue) {
      this.#c.queueChange = this.#startQueue();
    } else {
      this.#listenOn(this.#c.kv);
    }
    this.#c.schedulePoll(0);
  }

  /** True between {@linkcode pause} and {@linkcode resume}. */
  get paused(): boolean {
    return this.#c.paused;
  }

  /**
   * Stops taking KV queue deliveries, by closing the queue's own handle
   * (needs `openQueue`): a store about to run out of space must not be asked
   * to record dequeues, which Deno cannot survive failing. No new work starts
   * on this node meanwhile: doorbells are not answered and posts do not wake
   * actors here (their queue wake-ups wait in KV for `resume()`). Turns under
   * way finish; posts, replies and leases still work while the store can
   * write. Idempotent.
   */
  pause(): Promise<void> {
    if (!this.#c.openQueue) {
      return Promise.reject(
        new RuntimeError(
          "KvTransport can pause only with openQueue (a handle of its own for the queue)",
        ),
      );
    }
    return this.#c.queueChange = this.#c.queueChange.then(() => {
      if (this.#c.paused) return;
      this.#c.paused = true;
      this.#stopQueue();
    });
  }

  /** Takes KV queue deliveries again, on a newly opened handle. Idempotent. */
  resume(): Promise<void> {
    if (!this.#c.openQueue) return Promise.resolve();
    return this.#c.queueChange = this.#c.queueChange.then(() => {
      if (!this.#c.paused) return;
      this.#c.paused = false;
      return this.#startQueue();
    });
  }

  async #startQueue(): Promise<void> {
    if (this.#c.closed || this.#c.paused || this.#c.queueKv) return;
    let kv: Deno.Kv;
    try {
      kv = await this.#c.openQueue!();
    } catch (error) {
      // Stay without deliveries rather than crash; a later resume() tries again.
      this.#c.paused = true;
      this.#c.logger.error("KV queue handle could not be opened", {
        error: errorText(error),
      });
      return;
    }
    if (this.#c.closed) {
      kv.close();
      return;
    }
    this.#c.queueKv = kv;
    this.#listenOn(kv);
  }

  #stopQueue(): void {
    const kv = this.#c.queueKv;
    this.#c.queueKv = undefined;
    try {
      kv?.close();
    } catch (error) {
      if (!isClosedError(error)) {
        this.#c.logger.warn("KV queue handle did not close cleanly", {
          error: errorText(error),
        });
      }
    }
  }

  #listenOn(kv: Deno.Kv): void {
    // The promise ends when the handle is closed. Each delivery is tracked
    // so that close() waits for the ones in flight.
    kv.listenQueue((raw) => this.#c.track(this.#c.onQueue(raw))).catch(
      (error) => {
        if (this.#c.closed || isClosedError(error)) return;
        if (kv !== this.#c.kv && kv !== this.#c.queueKv) return; // paused
        this.#c.logger.error("KV queue listener stopped", {
          error: errorText(error),
        });
      },
    );
  }

  /** Stops polling and taking queue messages; what is pending stays in KV. Idempotent. */
  async close(): Promise<void> {
    this.#c.closed = true;
    if (this.#c.pollTimer !== undefined) {
      clearTimeout(this.#c.pollTimer);
      this.#c.pollTimer = undefined;
    }
    await this.#c.queueChange;
    while (this.#c.background.size > 0) {
      await Promise.allSettled([...this.#c.background]);
    }
    this.#stopQueue();
  }
}

export { retryLocked } from "./_kv_retry.ts";
