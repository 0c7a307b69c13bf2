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
  bellKey,
  bellPrefix,
  fenceKey,
  isQueueMessage,
  keySizeBound,
  KV_MAX_CHECKS,
  KV_MAX_COMMIT_BYTES,
  KV_MAX_DELAY_MS,
  KV_MAX_GET_MANY,
  KV_MAX_MUTATIONS,
  KV_MAX_VALUE_BYTES,
  leaseKey,
  type LeaseValue,
  lostPrefix,
  lostReminderKey,
  lostWakeKey,
  mailboxKey,
  parseReplyTo,
  type QueueMessage,
  reminderDoneKey,
  replyPrefix,
  ringKey,
  ringPrefix,
  seqKey,
  serializedSize,
  wakeMessage,
} from "./_kv_keys.ts";
import { KvLease, type LeaseDeps } from "./_kv_lease.ts";
import { consoleLogger, type Logger } from "./logger.ts";
import { errorText } from "./_host.ts";
import { isClosedError, listAll, retryLocked } from "./_kv_retry.ts";
import { sleep } from "./retry.ts";

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
const MAX_MESSAGES_PER_TARGET = KV_MAX_MUTATIONS - 3;
/** Commit size budget: KV's limit less room for what we do not measure exactly. */
const COMMIT_BYTE_BUDGET = KV_MAX_COMMIT_BYTES - 16_384;
/** Largest seq placeholder: V8 writes seqs >= 2^30 as 9-byte doubles, the widest form. */
const SEQ_PLACEHOLDER = 2 ** 31;
const MAX_POST_ATTEMPTS = 200;
const REMINDER_DONE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Delay of a queue message handed back because the transport is closed. */
const CLOSED_REQUEUE_DELAY_MS = 1_000;
/** A doorbell nobody answers (its node is gone) disappears after this long. */
const RING_TTL_MS = 60_000;
/** A post's doorbell for any node, in case no node listens for a while. */
const BELL_TTL_MS = 10 * 60_000;
/** Entries of the seq counter cache before it is dropped. */
const COUNTER_CACHE_SIZE = 10_000;
/** Envelopes remembered for local reads before the memory is dropped. */
const RECENT_SIZE = 10_000;
/** Entries of the busy-retry table before expired ones are dropped. */
const RETRY_PENDING_SIZE = 10_000;
/** Entries of the done-seq table before it is dropped. */
const DONE_SIZE = 10_000;

interface Group {
  readonly target: Address;
  readonly outgoing: Outgoing[];
  bytes: number;
}

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
  readonly nodeId: string;
  #kv: Deno.Kv;
  #clock: Clock;
  #wakeRetryDelayMs: number;
  #pollIntervalMs: number;
  #sweepIntervalMs: number;
  #leaseGraceMs: number;
  #replyTtlMs: number;
  #backoffSchedule: number[] | undefined;
  #seqFloor: ((target: Address) => Promise<number>) | undefined;
  #logger: Logger;
  #handlers: TransportHandlers | undefined;
  #closed = false;
  #openQueue: (() => Promise<Deno.Kv>) | undefined;
  /** The handle taking queue deliveries when `openQueue` was given and not paused. */
  #queueKv: Deno.Kv | undefined;
  #paused = false;
  /** Pauses and resumes, one after another. */
  #queueChange: Promise<void> = Promise.resolve();
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #background = new Set<Promise<unknown>>();
  #lastSweep = -Infinity;
  #replyDrain: Promise<void> | undefined;
  #replyAgain = false;
  /** Targets with a busy-retry wake-up already queued by this node, until when. */
  #retryPending = new Map<string, number>();
  #leaseDeps: LeaseDeps;
  /** Seq counters as this node last wrote them: saves a read per post when no other node wrote since. */
  #counters = new Map<string, { seq: number; versionstamp: string }>();
  /** Envelopes this node committed, by target then seq, until acked (saves a read per turn). */
  #recent = new Map<string, Map<number, Envelope>>();
  #recentSize = 0;
  /**
   * Per actor, the highest seq this node's leases saw committed: a post's
   * queue wake-up for seqs up to it has nothing left to do (the local wake-up
   * after the post did it) and is dropped instead of costing a mailbox read.
   */
  #done = new Map<string, number>();

  constructor(options: KvTransportOptions) {
    this.#kv = options.kv;
    this.#clock = options.clock ?? realClock;
    this.nodeId = options.nodeId ?? crypto.randomUUID();
    if (this.nodeId === "" || this.nodeId.includes(":")) {
      throw new RangeError(
        `KvTransport nodeId must be non-empty and contain no ":" (got "${this.nodeId}")`,
      );
    }
    this.#wakeRetryDelayMs = options.wakeRetryDelayMs ?? 750;
    this.#pollIntervalMs = options.pollIntervalMs ?? 50;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 5_000;
    this.#leaseGraceMs = options.leaseGraceMs ?? 1_000;
    this.#replyTtlMs = options.replyTtlMs ?? 600_000;
    this.#backoffSchedule = options.backoffSchedule
      ? [...options.backoffSchedule]
      : undefined;
    this.#seqFloor = options.seqFloor;
    this.#logger = options.logger ?? consoleLogger;
    this.#openQueue = options.openQueue;
    this.#leaseDeps = {
      kv: this.#kv,
      clock: this.#clock,
      node: this.nodeId,
      wake: (target) =>
        this.#enqueue(wakeMessage(target), 0, [lostWakeKey(target)]),
      recent: (target, from, limit) => {
        const box = this.#recent.get(addressKey(target));
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
        if ((this.#done.get(key) ?? 0) < uptoSeq) {
          if (this.#done.size >= DONE_SIZE) this.#done.clear();
          this.#done.set(key, uptoSeq);
        }
        const box = this.#recent.get(key);
        if (!box) return;
        for (const seq of box.keys()) {
          if (seq > uptoSeq) continue;
          box.delete(seq);
          this.#recentSize--;
        }
        if (box.size === 0) this.#recent.delete(key);
      },
    };
  }

  /** Appends messages to their mailboxes and enqueues one wake-up per actor, atomically per actor. */
  post(messages: readonly Outgoing[]): Promise<void> {
    return this.#post(messages, undefined);
  }

  /** Posts `message` after `delayMs` (at most 30 days), durably, exactly once. */
  async postLater(message: Outgoing, delayMs: number): Promise<void> {
    if (!(delayMs <= KV_MAX_DELAY_MS)) {
      throw new RangeError(
        `postLater delay ${delayMs} ms is over Deno KV's 30-day limit (${KV_MAX_DELAY_MS} ms); keep far-future dates in the actor's state and remind closer to them`,
      );
    }
    this.#checkEnvelope(message);
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
    await this.#enqueue(msg, Math.max(0, delayMs), [lostReminderKey(rid)]);
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
        this.#kv.getMany<[LeaseValue, number]>([lKey, fKey])
      );
      const now = this.#clock.now();
      const held = lease.value;
      if (held && held.expiresAt > now) {
        await this.#retryWake(target, held.node);
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
        this.#kv.atomic()
          .check(lease)
          .check(fence)
          .set(fKey, next)
          .set(lKey, value)
          .enqueue(
            watch,
            this.#enqueueOptions(ttlMs + this.#leaseGraceMs, [
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
    await this.#retryWake(target);
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
    const handlers = this.#handlers;
    if (to.node === this.nodeId && handlers && !this.#closed) {
      const copy = structuredClone(value);
      queueMicrotask(() => handlers.reply(copy));
      return;
    }
    await retryLocked(() =>
      this.#kv.atomic()
        .set([...replyPrefix(to.node), to.id], value, {
          expireIn: this.#replyTtlMs,
        })
        .enqueue({ troupe: 1, t: "reply", node: to.node })
        .commit()
    );
  }

  /** Starts taking queue messages and polling for replies. Call once. */
  listen(handlers: TransportHandlers): void {
    if (this.#closed) throw new RuntimeError("KvTransport is closed");
    if (this.#handlers) {
      throw new RuntimeError("KvTransport is already listening");
    }
    this.#handlers = handlers;
    if (this.#openQueue) {
      this.#queueChange = this.#startQueue();
    } else {
      this.#listenOn(this.#kv);
    }
    this.#schedulePoll(0);
  }

  /** True between {@linkcode pause} and {@linkcode resume}. */
  get paused(): boolean {
    return this.#paused;
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
    if (!this.#openQueue) {
      return Promise.reject(
        new RuntimeError(
          "KvTransport can pause only with openQueue (a handle of its own for the queue)",
        ),
      );
    }
    return this.#queueChange = this.#queueChange.then(() => {
      if (this.#paused) return;
      this.#paused = true;
      this.#stopQueue();
    });
  }

  /** Takes KV queue deliveries again, on a newly opened handle. Idempotent. */
  resume(): Promise<void> {
    if (!this.#openQueue) return Promise.resolve();
    return this.#queueChange = this.#queueChange.then(() => {
      if (!this.#paused) return;
      this.#paused = false;
      return this.#startQueue();
    });
  }

  async #startQueue(): Promise<void> {
    if (this.#closed || this.#paused || this.#queueKv) return;
    let kv: Deno.Kv;
    try {
      kv = await this.#openQueue!();
    } catch (error) {
      // Stay without deliveries rather than crash; a later resume() tries again.
      this.#paused = true;
      this.#logger.error("KV queue handle could not be opened", {
        error: errorText(error),
      });
      return;
    }
    if (this.#closed) {
      kv.close();
      return;
    }
    this.#queueKv = kv;
    this.#listenOn(kv);
  }

  #stopQueue(): void {
    const kv = this.#queueKv;
    this.#queueKv = undefined;
    try {
      kv?.close();
    } catch (error) {
      if (!isClosedError(error)) {
        this.#logger.warn("KV queue handle did not close cleanly", {
          error: errorText(error),
        });
      }
    }
  }

  #listenOn(kv: Deno.Kv): void {
    // The promise ends when the handle is closed. Each delivery is tracked
    // so that close() waits for the ones in flight.
    kv.listenQueue((raw) => this.#track(this.#onQueue(raw))).catch(
      (error) => {
        if (this.#closed || isClosedError(error)) return;
        if (kv !== this.#kv && kv !== this.#queueKv) return; // paused
        this.#logger.error("KV queue listener stopped", {
          error: errorText(error),
        });
      },
    );
  }

  /** Stops polling and taking queue messages; what is pending stays in KV. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pollTimer !== undefined) {
      clearTimeout(this.#pollTimer);
      this.#pollTimer = undefined;
    }
    await this.#queueChange;
    while (this.#background.size > 0) {
      await Promise.allSettled([...this.#background]);
    }
    this.#stopQueue();
  }

  // --- posting ---

  async #post(
    messages: readonly Outgoing[],
    reminder: string | undefined,
  ): Promise<void> {
    if (messages.length === 0) return;
    const groups = new Map<string, Group>();
    for (const message of messages) {
      const bytes = this.#checkEnvelope(message);
      const key = addressKey(message.target);
      let group = groups.get(key);
      if (!group) {
        group = {
          target: { kind: message.target.kind, id: message.target.id },
          outgoing: [],
          bytes: keySizeBound(seqKey(message.target)) + 64,
        };
        groups.set(key, group);
      }
      group.outgoing.push(message);
      group.bytes += bytes + keySizeBound(mailboxKey(message.target, 0));
    }
    const batches: Group[][] = [];
    let batch: Group[] = [];
    let mutations = 0;
    let bytes = 0;
    for (const group of groups.values()) {
      const n = group.outgoing.length;
      if (n > MAX_MESSAGES_PER_TARGET) {
        throw new RangeError(
          `a post of ${n} messages to ${
            addressKey(group.target)
          } does not fit one atomic KV commit (at most ${MAX_MESSAGES_PER_TARGET} messages to one actor per post)`,
        );
      }
      if (group.bytes > COMMIT_BYTE_BUDGET) {
        throw new PayloadTooLargeError(
          `a post of ${n} messages to ${addressKey(group.target)}`,
          group.bytes,
          COMMIT_BYTE_BUDGET,
        );
      }
      const m = n + 3;
      if (
        batch.length > 0 &&
        (mutations + m > KV_MAX_MUTATIONS - 1 ||
          batch.length + 1 > KV_MAX_CHECKS - 1 ||
          bytes + group.bytes > COMMIT_BYTE_BUDGET)
      ) {
        batches.push(batch);
        batch = [];
        mutations = 0;
        bytes = 0;
      }
      batch.push(group);
      mutations += m;
      bytes += group.bytes;
    }
    batches.push(batch);
    for (const b of batches) await this.#commitGroups(b, reminder);
  }

  /** Returns the serialized size of the envelope; throws if it is too large for KV. */
  #checkEnvelope(message: Outgoing): number {
    const bytes = serializedSize({ ...message, seq: SEQ_PLACEHOLDER });
    if (bytes > KV_MAX_VALUE_BYTES) {
      throw new PayloadTooLargeError(
        `message ${describe(message)}`,
        bytes,
        KV_MAX_VALUE_BYTES,
      );
    }
    return bytes;
  }

  async #commitGroups(
    groups: Group[],
    reminder: string | undefined,
  ): Promise<void> {
    const keys = groups.map((g) => seqKey(g.target));
    const names = groups.map((g) => addressKey(g.target));
    const ringBells = !this.#handlers || this.#closed;
    for (let attempt = 0; attempt < MAX_POST_ATTEMPTS; attempt++) {
      const counters = await this.#readCounters(keys, names, groups);
      const op = this.#kv.atomic();
      if (reminder !== undefined) {
        op.check({ key: reminderDoneKey(reminder), versionstamp: null });
        op.set(reminderDoneKey(reminder), true, {
          expireIn: REMINDER_DONE_TTL_MS,
        });
      }
      const seqs: number[] = [];
      const written: Envelope[][] = [];
      groups.forEach((group, i) => {
        const counter = counters[i]!;
        let seq = counter.seq;
        op.check({ key: keys[i]!, versionstamp: counter.versionstamp });
        const envelopes: Envelope[] = [];
        for (const message of group.outgoing) {
          seq += 1;
          const envelope: Envelope = { ...message, seq };
          op.set(mailboxKey(group.target, seq), envelope);
          envelopes.push(envelope);
        }
        written.push(envelopes);
        op.set(keys[i]!, seq);
        seqs.push(seq);
        op.enqueue(
          wakeMessage(group.target, { upto: seq }),
          this.#enqueueOptions(0, [lostWakeKey(group.target)]),
        );
        if (ringBells) {
          op.set(bellKey(group.target), true, { expireIn: BELL_TTL_MS });
        }
      });
      let res: Deno.KvCommitResult | Deno.KvCommitError;
      try {
        res = await retryLocked(() => op.commit());
      } catch (error) {
        throw mapKvError(error, groups);
      }
      if (res.ok) {
        if (this.#counters.size > COUNTER_CACHE_SIZE) this.#counters.clear();
        names.forEach((name, i) => {
          this.#counters.set(name, {
            seq: seqs[i]!,
            versionstamp: res.versionstamp,
          });
        });
        this.#remember(names, written);
        this.#wakeHere(groups);
        return;
      }
      for (const name of names) this.#counters.delete(name);
      if (reminder !== undefined) {
        const done = await retryLocked(() =>
          this.#kv.get(reminderDoneKey(reminder))
        );
        if (done.versionstamp !== null) return;
      }
      await backoff(attempt);
    }
    throw new RuntimeError(
      `post to ${
        groups.map((g) => addressKey(g.target)).join(", ")
      } lost ${MAX_POST_ATTEMPTS} compare-and-set races in a row`,
    );
  }

  /**
   * Wakes the posted actors on this node at once. The queue's wake-ups stay
   * (they survive a crash), but KV delivers them tens of milliseconds late
   * (about 50 ms on average, even in one process), which a chain of actors
   * telling each other would pay at every hop. A wake-up is only a hint, so
   * the queue's later duplicate is harmless; an actor leased elsewhere is
   * refused here and its holder rung, as the queue's wake-up would have done.
   */
  #wakeHere(groups: Group[]): void {
    const handlers = this.#handlers;
    // Paused: the post's queue wake-up starts the work after resume().
    if (!handlers || this.#closed || this.#paused) return;
    for (const group of groups) {
      try {
        const result = handlers.wake(group.target);
        if (result instanceof Promise) {
          this.#track(result).catch((error) =>
            this.#wakeFailed(group.target, error)
          );
        }
      } catch (error) {
        // The queue's wake-up still stands behind this one.
        this.#wakeFailed(group.target, error);
      }
    }
  }

  /** Keeps copies of committed envelopes (the caller may mutate its messages later). */
  #remember(names: string[], written: Envelope[][]): void {
    const count = written.reduce((n, w) => n + w.length, 0);
    if (this.#recentSize + count > RECENT_SIZE) {
      this.#recent.clear();
      this.#recentSize = 0;
      if (count > RECENT_SIZE) return;
    }
    names.forEach((name, i) => {
      let box = this.#recent.get(name);
      if (!box) this.#recent.set(name, box = new Map());
      for (const envelope of written[i]!) {
        if (!box.has(envelope.seq)) this.#recentSize++;
        box.set(envelope.seq, structuredClone(envelope));
      }
    });
  }

  /** Current counters: from this node's cache where it has them, else read. */
  async #readCounters(
    keys: Deno.KvKey[],
    names: string[],
    groups: Group[],
  ): Promise<{ seq: number; versionstamp: string | null }[]> {
    const out: { seq: number; versionstamp: string | null }[] = [];
    const missing: number[] = [];
    names.forEach((name, i) => {
      const cached = this.#counters.get(name);
      if (cached) out[i] = cached;
      else missing.push(i);
    });
    for (let i = 0; i < missing.length; i += KV_MAX_GET_MANY) {
      const chunk = missing.slice(i, i + KV_MAX_GET_MANY);
      const entries = await retryLocked(() =>
        this.#kv.getMany<number[]>(chunk.map((j) => keys[j]!))
      );
      chunk.forEach((j, k) => {
        const entry = entries[k]!;
        out[j] = { seq: entry.value ?? 0, versionstamp: entry.versionstamp };
      });
    }
    const floor = this.#seqFloor;
    if (floor) {
      // No counter in KV: continue after what the state store committed
      // (the commit's check that the counter is still absent keeps it atomic).
      await Promise.all(out.map(async (counter, i) => {
        if (counter.versionstamp !== null) return;
        out[i] = { seq: await floor(groups[i]!.target), versionstamp: null };
      }));
    }
    return out;
  }

  // --- queue ---

  #enqueueOptions(
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
    if (this.#backoffSchedule) options.backoffSchedule = this.#backoffSchedule;
    return options;
  }

  async #enqueue(
    msg: QueueMessage,
    delay: number,
    lost: Deno.KvKey[],
  ): Promise<void> {
    await retryLocked(() =>
      this.#kv.enqueue(msg, this.#enqueueOptions(delay, lost))
    );
  }

  /**
   * The lease of `target` is held elsewhere: ring the holder (it polls its
   * doorbells) and queue a wake-up for later, once per target at a time.
   */
  async #retryWake(target: Address, holder?: string): Promise<void> {
    const key = addressKey(target);
    const now = Date.now();
    const until = this.#retryPending.get(key);
    if (until !== undefined && until > now) return;
    if (this.#retryPending.size >= RETRY_PENDING_SIZE) {
      // Retry wake-ups delivered to other processes never clear their entry here.
      for (const [k, t] of this.#retryPending) {
        if (t <= now) this.#retryPending.delete(k);
      }
    }
    this.#retryPending.set(key, now + this.#wakeRetryDelayMs * 4 + 1_000);
    const wake = wakeMessage(target, { retry: true });
    const options = this.#enqueueOptions(this.#wakeRetryDelayMs, [
      lostWakeKey(target),
    ]);
    await retryLocked(() => {
      const op = this.#kv.atomic().enqueue(wake, options);
      if (holder !== undefined && holder !== this.nodeId) {
        op.set(ringKey(holder, target), true, { expireIn: RING_TTL_MS });
      }
      return op.commit();
    });
  }

  async #onQueue(raw: unknown): Promise<void> {
    try {
      await this.#handleQueue(raw);
    } catch (error) {
      // The owner closed the KV: the message stays queued for the next listener.
      if (isClosedError(error)) return;
      // The system stopped before this transport: hand the message back.
      if (
        error instanceof Error && error.name === "SystemStoppedError" &&
        isQueueMessage(raw)
      ) {
        await this.#handBack(raw).catch((e) => {
          if (!isClosedError(e)) throw e;
        });
        return;
      }
      throw error;
    }
  }

  /** Re-enqueues a delivery for a node that still listens (or this one after a restart). */
  async #handBack(raw: QueueMessage): Promise<void> {
    const lost = raw.t === "wake"
      ? [lostWakeKey(raw)]
      : raw.t === "remind"
      ? [lostReminderKey(raw.rid)]
      : [];
    const options = this.#enqueueOptions(CLOSED_REQUEUE_DELAY_MS, lost);
    await retryLocked(() => this.#kv.enqueue(raw, options));
  }

  async #handleQueue(raw: unknown): Promise<void> {
    if (!isQueueMessage(raw)) return;
    const handlers = this.#handlers;
    if (this.#closed || !handlers) {
      await this.#handBack(raw);
      return;
    }
    switch (raw.t) {
      case "wake": {
        const target = { kind: raw.kind, id: raw.id };
        if (raw.retry) this.#retryPending.delete(addressKey(target));
        if (
          raw.upto !== undefined &&
          (this.#done.get(addressKey(target)) ?? 0) >= raw.upto
        ) {
          return;
        }
        if (
          raw.watch !== undefined && await this.#rearmWatch(raw, raw.watch)
        ) {
          return;
        }
        await handlers.wake(target);
        return;
      }
      case "remind":
        await this.#post([raw.message], raw.rid);
        return;
      case "reply":
        if (raw.node === this.nodeId) await this.#drainReplies();
        return;
    }
  }

  /**
   * A lease's watch: while the lease with this fence is alive, re-arm at its
   * expiry; once it has expired, wake the actor (true = nothing more to do).
   */
  async #rearmWatch(raw: QueueMessage, fence: number): Promise<boolean> {
    if (raw.t !== "wake") return true;
    const target = { kind: raw.kind, id: raw.id };
    const lease = await retryLocked(() =>
      this.#kv.get<LeaseValue>(leaseKey(target))
    );
    // Released or superseded: the releasing holder rescanned, a newer lease watches itself.
    if (!lease.value || lease.value.fence !== fence) return true;
    const left = lease.value.expiresAt - this.#clock.now();
    if (left <= 0) return false;
    const options = this.#enqueueOptions(left + this.#leaseGraceMs, [
      lostWakeKey(target),
    ]);
    await retryLocked(() => this.#kv.enqueue(raw, options));
    return true;
  }

  // --- replies and sweeping ---

  #schedulePoll(ms: number): void {
    if (this.#closed) return;
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = undefined;
      const run = this.#track(this.#pollOnce());
      run.finally(() => this.#schedulePoll(this.#pollIntervalMs));
    }, ms);
  }

  async #pollOnce(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#drainReplies();
      // Paused: no new work starts here either; bells and lost wake-ups wait in KV.
      if (this.#paused) return;
      await this.#answerRings();
      const now = Date.now();
      if (now - this.#lastSweep >= this.#sweepIntervalMs) {
        this.#lastSweep = now;
        await this.#sweepLost();
      }
    } catch (error) {
      // The KV was closed under us: stop quietly; anything else is worth a line.
      if (!this.#closed && !isClosedError(error)) {
        this.#logger.error("KV transport poll failed", {
          error: errorText(error),
        });
      }
    }
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#background.add(promise);
    promise.finally(() => this.#background.delete(promise)).catch(() => {});
    return promise;
  }

  /** Delivers replies stored for this node; one drain at a time. */
  #drainReplies(): Promise<void> {
    if (this.#replyDrain) {
      this.#replyAgain = true;
      return this.#replyDrain;
    }
    const run = async () => {
      try {
        do {
          this.#replyAgain = false;
          await this.#drainRepliesOnce();
        } while (this.#replyAgain && !this.#closed);
      } finally {
        this.#replyDrain = undefined;
      }
    };
    this.#replyDrain = this.#track(run());
    return this.#replyDrain;
  }

  async #drainRepliesOnce(): Promise<void> {
    const handlers = this.#handlers;
    if (!handlers || this.#closed) return;
    const entries = await listAll<Reply>(
      this.#kv,
      { prefix: replyPrefix(this.nodeId) },
      { limit: KV_MAX_MUTATIONS },
    );
    if (entries.length === 0) return;
    await retryLocked(() => {
      const op = this.#kv.atomic();
      for (const entry of entries) op.delete(entry.key);
      return op.commit();
    });
    for (const entry of entries) {
      try {
        handlers.reply(entry.value);
      } catch (error) {
        this.#logger.error("KV transport reply handler threw", {
          replyTo: entry.value.replyTo,
          error: errorText(error),
        });
      }
    }
  }

  /** Wakes the actors other nodes rang this node (or any node) about. */
  async #answerRings(): Promise<void> {
    const handlers = this.#handlers;
    if (!handlers || this.#closed) return;
    const bells = await listAll(this.#kv, { prefix: bellPrefix }, {
      limit: 100,
    });
    for (const bell of bells) {
      // Several nodes may see the bell; the one whose delete commits answers.
      const res = await retryLocked(() =>
        this.#kv.atomic().check(bell).delete(bell.key).commit()
      );
      const [, , kind, id] = bell.key;
      if (!res.ok || typeof kind !== "string" || typeof id !== "string") {
        continue;
      }
      try {
        await handlers.wake({ kind, id });
      } catch (error) {
        this.#wakeFailed({ kind, id }, error);
      }
    }
    const rings = await listAll(this.#kv, { prefix: ringPrefix(this.nodeId) }, {
      limit: KV_MAX_MUTATIONS,
    });
    if (rings.length === 0) return;
    await retryLocked(() => {
      const op = this.#kv.atomic();
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
        this.#wakeFailed({ kind, id }, error);
      }
    }
  }

  /** A doorbell's wake-up failed: worth a line unless the node is stopping. */
  #wakeFailed(target: Address, error: unknown): void {
    if (this.#closed || isClosedError(error)) return;
    // The system refuses wake-ups while it stops; the queue keeps them.
    if (error instanceof Error && error.name === "SystemStoppedError") return;
    this.#logger.warn("KV transport wake-up failed", {
      actor: addressKey(target),
      error: errorText(error),
    });
  }

  /** Re-enqueues queue messages that KV wrote to `keysIfUndelivered`. */
  async #sweepLost(): Promise<void> {
    const lost = await listAll(this.#kv, { prefix: lostPrefix }, {
      limit: KV_MAX_MUTATIONS,
    });
    for (const entry of lost) {
      if (this.#closed) return;
      const value = entry.value;
      await retryLocked(() => {
        const op = this.#kv.atomic().check(entry).delete(entry.key);
        if (isQueueMessage(value)) {
          op.enqueue(value, this.#enqueueOptions(0, [entry.key]));
        }
        return op.commit();
      });
    }
  }
}

function describe(message: Outgoing): string {
  const m = message.message as { type?: unknown } | null;
  const type = typeof m === "object" && m !== null && typeof m.type === "string"
    ? m.type
    : typeof m;
  return `"${type}" to ${addressKey(message.target)}`;
}

function mapKvError(error: unknown, groups: Group[]): unknown {
  if (error instanceof TypeError && /too large/i.test(error.message)) {
    const bytes = groups.reduce((n, g) => n + g.bytes, 0);
    return new PayloadTooLargeError(
      `a post to ${
        groups.map((g) => addressKey(g.target)).join(", ")
      } (${error.message})`,
      bytes,
      KV_MAX_COMMIT_BYTES,
    );
  }
  return error;
}

/** Waits a little before the next compare-and-set attempt (random, growing with `attempt`). */
function backoff(attempt: number): Promise<void> {
  return sleep(Math.random() * Math.min(50, 1 + attempt * 2));
}
export { retryLocked } from "./_kv_retry.ts";
