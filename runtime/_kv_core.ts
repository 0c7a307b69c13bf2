/**
 * The KV transport's shared state, limits and small helpers. Internal to
 * runtime/kv.ts and its parts (`_kv_post.ts`, `_kv_queue.ts`, `_kv_sweep.ts`).
 *
 * @module
 */
import type { Address } from "./actor.ts";
import { addressKey } from "./actor.ts";
import type { Clock } from "./clock.ts";
import { PayloadTooLargeError } from "./errors.ts";
import type { Envelope, Outgoing, TransportHandlers } from "./transport.ts";
import {
  KV_MAX_COMMIT_BYTES,
  KV_MAX_MUTATIONS,
  type QueueMessage,
} from "./_kv_keys.ts";
import type { Logger } from "./logger.ts";
import { sleep } from "./retry.ts";

/** Posting more messages to one actor than fit in one atomic commit. */
export const MAX_MESSAGES_PER_TARGET = KV_MAX_MUTATIONS - 3;
/** Commit size budget: KV's limit less room for what we do not measure exactly. */
export const COMMIT_BYTE_BUDGET = KV_MAX_COMMIT_BYTES - 16_384;
/** Largest seq placeholder: V8 writes seqs >= 2^30 as 9-byte doubles, the widest form. */
export const SEQ_PLACEHOLDER = 2 ** 31;
/** Compare-and-set attempts before a post or lease gives up. */
export const MAX_POST_ATTEMPTS = 200;
/** How long a posted reminder is remembered (against double posting). */
export const REMINDER_DONE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Delay of a queue message handed back because the transport is closed. */
export const CLOSED_REQUEUE_DELAY_MS = 1_000;
/** A doorbell nobody answers (its node is gone) disappears after this long. */
export const RING_TTL_MS = 60_000;
/** A post's doorbell for any node, in case no node listens for a while. */
export const BELL_TTL_MS = 10 * 60_000;
/** Entries of the seq counter cache before it is dropped. */
export const COUNTER_CACHE_SIZE = 10_000;
/** Envelopes remembered for local reads before the memory is dropped. */
export const RECENT_SIZE = 10_000;
/** Entries of the busy-retry table before expired ones are dropped. */
export const RETRY_PENDING_SIZE = 10_000;
/** Entries of the done-seq table before it is dropped. */
export const DONE_SIZE = 10_000;

/** One commit's share of a post: an actor and its messages. */
export interface Group {
  readonly target: Address;
  readonly outgoing: Outgoing[];
  bytes: number;
}

/**
 * The state the KV transport's parts share, and the calls between them. The
 * front door ({@linkcode KvTransport} in kv.ts) creates it; each part
 * (posting, queue, replies and sweeping) holds it.
 */
export interface KvCore {
  /** This node. */
  readonly nodeId: string;
  readonly kv: Deno.Kv;
  clock: Clock;
  wakeRetryDelayMs: number;
  pollIntervalMs: number;
  sweepIntervalMs: number;
  leaseGraceMs: number;
  replyTtlMs: number;
  backoffSchedule: number[] | undefined;
  seqFloor: ((target: Address) => Promise<number>) | undefined;
  logger: Logger;
  handlers: TransportHandlers | undefined;
  closed: boolean;
  openQueue: (() => Promise<Deno.Kv>) | undefined;
  /** The handle taking queue deliveries when `openQueue` was given and not paused. */
  queueKv: Deno.Kv | undefined;
  paused: boolean;
  /** Pauses and resumes, one after another. */
  queueChange: Promise<void>;
  pollTimer: ReturnType<typeof setTimeout> | undefined;
  background: Set<Promise<unknown>>;
  lastSweep: number;
  replyDrain: Promise<void> | undefined;
  replyAgain: boolean;
  /** Targets with a busy-retry wake-up already queued by this node, until when. */
  retryPending: Map<string, number>;
  /** Seq counters as this node last wrote them: saves a read per post when no other node wrote since. */
  counters: Map<string, { seq: number; versionstamp: string }>;
  /** Envelopes this node committed, by target then seq, until acked (saves a read per turn). */
  recent: Map<string, Map<number, Envelope>>;
  recentSize: number;
  /**
   * Per actor, the highest seq this node's leases saw committed: a post's
   * queue wake-up for seqs up to it has nothing left to do (the local wake-up
   * after the post did it) and is dropped instead of costing a mailbox read.
   */
  done: Map<string, number>;

  // Calls from one part into another, wired by the front door.
  /** Queue options: delay, keys if undelivered, backoff schedule (queue). */
  enqueueOptions(delay: number, lost: Deno.KvKey[]): {
    delay?: number;
    keysIfUndelivered: Deno.KvKey[];
    backoffSchedule?: number[];
  };
  /** Enqueues a queue message (queue). */
  enqueue(msg: QueueMessage, delay: number, lost: Deno.KvKey[]): Promise<void>;
  /** Re-enqueues a wake-up for an actor leased elsewhere (queue). */
  retryWake(target: Address, holder?: string): Promise<void>;
  /** Handles one queue delivery (queue). */
  onQueue(raw: unknown): Promise<void>;
  /** Posts messages, optionally as a reminder's delivery (posting). */
  post(
    messages: readonly Outgoing[],
    reminder: string | undefined,
  ): Promise<void>;
  /** Checks one envelope's size; returns it (posting). */
  checkEnvelope(message: Outgoing): number;
  /** Tracks background work that close() waits for (sweeping). */
  track<T>(promise: Promise<T>): Promise<T>;
  /** Reports a failed local wake-up (sweeping). */
  wakeFailed(target: Address, error: unknown): void;
  /** Hands stored replies to this node's handler (sweeping). */
  drainReplies(): Promise<void>;
  /** Schedules the next reply/ring/lost poll (sweeping). */
  schedulePoll(ms: number): void;
}

/** `"type" to kind:id`, for error messages. */
export function describe(message: Outgoing): string {
  const m = message.message as { type?: unknown } | null;
  const type = typeof m === "object" && m !== null && typeof m.type === "string"
    ? m.type
    : typeof m;
  return `"${type}" to ${addressKey(message.target)}`;
}

/** KV's "too large" commit error as a {@linkcode PayloadTooLargeError}. */
export function mapKvError(error: unknown, groups: Group[]): unknown {
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
export function backoff(attempt: number): Promise<void> {
  return sleep(Math.random() * Math.min(50, 1 + attempt * 2));
}
