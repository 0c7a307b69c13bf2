/**
 * How messages reach durable actors. A transport owns the durable mailbox of
 * each actor, the wake-ups, and the activation lease; the system owns
 * processing. Implementations: `MemoryTransport` and `KvTransport`. Every
 * implementation passes tests/runtime/transport_conformance.ts.
 *
 * @module
 */
import type { Address } from "./actor.ts";

/** One message in an actor's mailbox. */
export interface Envelope {
  /** The actor the message is for. */
  readonly target: Address;
  /** Per-actor sequence number, strictly increasing in mailbox order. */
  readonly seq: number;
  /** The message itself, as sent. */
  readonly message: unknown;
  /** Where to send the reply of an `ask`: `"<node>:<id>"`. */
  readonly replyTo?: string;
  /** The actor that spawned the target, for supervision links. */
  readonly parent?: Address;
  /**
   * Runtime control messages rather than user messages: `"restart"` asks the
   * target to discard its activation and reload from the store;
   * `"child_failed"` carries a `ChildFailure` (in `message`) to a parent.
   */
  readonly control?: "restart" | "child_failed";
}

/** What a sender provides; the transport assigns `seq`. */
export type Outgoing = Omit<Envelope, "seq">;

/** Exclusive right to process one actor's mailbox. */
export interface Lease {
  /** The actor whose mailbox the lease covers. */
  readonly target: Address;
  /** Strictly increasing per actor across all nodes. */
  readonly fence: number;
  /** Mailbox entries with `seq > afterSeq`, in order, at most `limit`. */
  read(afterSeq: number, limit: number): Promise<Envelope[]>;
  /** Removes entries with `seq <= uptoSeq` from the mailbox. */
  ack(uptoSeq: number): Promise<void>;
  /** Extends the lease; false if it was lost (expired and taken by another node). */
  renew(): Promise<boolean>;
  /**
   * Gives the lease up if the mailbox is empty and returns true. Otherwise
   * returns false and either keeps the lease (the caller keeps draining) or
   * guarantees a later wake-up. With `force`, always gives the lease up (used
   * when stopping); a non-empty mailbox then gets a wake-up later.
   */
  release(force?: boolean): Promise<boolean>;
}

/** A reply to an `ask`, routed to the node that asked. */
export interface Reply {
  /** The asker's reply address, `"<node>:<id>"`, from the envelope. */
  readonly replyTo: string;
  /** True for a value; false when the receiver failed (the ask rejects with `ActorFailedError`). */
  readonly ok: boolean;
  /** The reply value, or what made the receiver fail when `ok` is false. */
  readonly value: unknown;
}

/** The system's callbacks, registered with {@linkcode Transport.listen}. */
export interface TransportHandlers {
  /** An actor has (or may have) messages. Called at least once after every post. */
  wake(target: Address): void | Promise<void>;
  /** A reply addressed to this node arrived. */
  reply(reply: Reply): void;
}

/** The durable delivery layer under the actor system. */
export interface Transport {
  /** This node's id, unique among nodes sharing the backend. */
  readonly nodeId: string;
  /** Appends messages to their mailboxes and schedules wake-ups, atomically per call (all or nothing). */
  post(messages: readonly Outgoing[]): Promise<void>;
  /** Posts `message` after `delayMs`, durably (reminders). */
  postLater(message: Outgoing, delayMs: number): Promise<void>;
  /** Takes the actor's lease, or returns undefined if another node holds it (the transport then re-wakes later). */
  acquire(target: Address, ttlMs: number): Promise<Lease | undefined>;
  /** Sends a reply to the node named in `reply.replyTo`. */
  sendReply(reply: Reply): Promise<void>;
  /** Starts delivering wake-ups and replies. */
  listen(handlers: TransportHandlers): void;
  /** Stops listening; pending work stays in the backend. */
  close(): Promise<void>;
}
