/**
 * A {@linkcode Transport} in memory. Several `ActorSystem`s can share one
 * backend through {@linkcode MemoryTransport.peer} to simulate nodes: the
 * leases, fences and wake-up routing then behave as across processes.
 *
 * @module
 */
import { type Address, addressKey } from "./actor.ts";
import { type Clock, realClock, type TimerId } from "./clock.ts";
import type {
  Envelope,
  Lease,
  Outgoing,
  Reply,
  Transport,
  TransportHandlers,
} from "./transport.ts";

interface HeldLease {
  readonly fence: number;
  readonly node: string;
  expiresAt: number;
  timer: TimerId;
}

interface Mailbox {
  readonly target: Address;
  entries: Envelope[];
  nextSeq: number;
  fence: number;
  lease: HeldLease | undefined;
  wakeQueued: boolean;
  /** A wake-up found no listener, or lost to a lease; deliver it later. */
  owed: boolean;
}

class Backend {
  readonly boxes = new Map<string, Mailbox>();
  readonly listeners = new Map<string, TransportHandlers>();
  readonly timers = new Set<TimerId>();
  #turn = 0;

  constructor(readonly clock: Clock) {}

  box(target: Address): Mailbox {
    const key = addressKey(target);
    let box = this.boxes.get(key);
    if (!box) {
      box = {
        target: { kind: target.kind, id: target.id },
        entries: [],
        nextSeq: 0,
        fence: 0,
        lease: undefined,
        wakeQueued: false,
        owed: false,
      };
      this.boxes.set(key, box);
    }
    return box;
  }

  leaseActive(box: Mailbox): boolean {
    return box.lease !== undefined &&
      box.lease.expiresAt > this.clock.now();
  }

  wake(box: Mailbox): void {
    if (box.wakeQueued) return;
    box.wakeQueued = true;
    queueMicrotask(() => {
      box.wakeQueued = false;
      if (box.entries.length === 0 && !box.owed) return;
      const node = this.#pick(box);
      const handlers = node === undefined
        ? undefined
        : this.listeners.get(node);
      if (!handlers) {
        box.owed = true;
        return;
      }
      box.owed = false;
      try {
        const result = handlers.wake(box.target);
        // Refused (its node is stopping, or taking the lease failed): the
        // wake-up is owed, like one that found no listener.
        if (result instanceof Promise) result.catch(() => box.owed = true);
      } catch {
        // A listener's failure must not break delivery to others.
        box.owed = true;
      }
    });
  }

  /** The lease holder if it listens (so it drains what arrived), else round robin. */
  #pick(box: Mailbox): string | undefined {
    if (box.lease && this.leaseActive(box)) {
      return this.listeners.has(box.lease.node) ? box.lease.node : undefined;
    }
    const nodes = [...this.listeners.keys()];
    if (nodes.length === 0) return undefined;
    return nodes[this.#turn++ % nodes.length];
  }

  post(messages: readonly Outgoing[]): void {
    // Clone all first, so a message that cannot be serialized changes nothing.
    const cloned = messages.map((m) => structuredClone(m));
    const touched = new Set<Mailbox>();
    for (const m of cloned) {
      const box = this.box(m.target);
      box.entries.push({ ...m, target: box.target, seq: ++box.nextSeq });
      touched.add(box);
    }
    for (const box of touched) this.wake(box);
  }

  setTimer(fn: () => void, ms: number): TimerId {
    const id: TimerId = this.clock.setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, ms);
    this.timers.add(id);
    return id;
  }

  clearTimer(id: TimerId): void {
    this.clock.clearTimeout(id);
    this.timers.delete(id);
  }

  expire(box: Mailbox, fence: number): void {
    if (box.lease?.fence !== fence) return;
    box.lease = undefined;
    if (box.entries.length > 0 || box.owed) {
      box.owed = true;
      this.wake(box);
    }
  }

  acquire(node: string, target: Address, ttlMs: number): Lease | undefined {
    const box = this.box(target);
    if (box.lease && this.leaseActive(box)) {
      box.owed = true;
      return undefined;
    }
    if (box.lease) this.clearTimer(box.lease.timer);
    const fence = ++box.fence;
    box.lease = {
      fence,
      node,
      expiresAt: this.clock.now() + ttlMs,
      timer: this.setTimer(() => this.expire(box, fence), ttlMs),
    };
    return new MemoryLease(this, box, fence, ttlMs);
  }
}

class MemoryLease implements Lease {
  readonly target: Address;

  constructor(
    readonly backend: Backend,
    readonly box: Mailbox,
    readonly fence: number,
    readonly ttlMs: number,
  ) {
    this.target = box.target;
  }

  #held(): boolean {
    return this.box.lease?.fence === this.fence &&
      this.backend.leaseActive(this.box);
  }

  read(afterSeq: number, limit: number): Promise<Envelope[]> {
    const out: Envelope[] = [];
    for (const e of this.box.entries) {
      if (out.length >= limit) break;
      if (e.seq > afterSeq) out.push(structuredClone(e));
    }
    return Promise.resolve(out);
  }

  ack(uptoSeq: number): Promise<void> {
    if (this.#held()) {
      this.box.entries = this.box.entries.filter((e) => e.seq > uptoSeq);
    }
    return Promise.resolve();
  }

  renew(): Promise<boolean> {
    const lease = this.box.lease;
    if (!lease || !this.#held()) return Promise.resolve(false);
    this.backend.clearTimer(lease.timer);
    lease.expiresAt = this.backend.clock.now() + this.ttlMs;
    lease.timer = this.backend.setTimer(
      () => this.backend.expire(this.box, this.fence),
      this.ttlMs,
    );
    return Promise.resolve(true);
  }

  release(force = false): Promise<boolean> {
    const empty = this.box.entries.length === 0;
    const lease = this.box.lease;
    if (lease?.fence !== this.fence) return Promise.resolve(empty);
    if (!empty && !force) return Promise.resolve(false);
    this.backend.clearTimer(lease.timer);
    this.box.lease = undefined;
    if (!empty || this.box.owed) this.backend.wake(this.box);
    return Promise.resolve(empty);
  }
}

/** Options of {@linkcode MemoryTransport}. */
export interface MemoryTransportOptions {
  /** This node's id (default: a random one). */
  nodeId?: string;
  /** Drives lease expiry and `postLater` (default: the real clock). */
  clock?: Clock;
}

/**
 * Durable-kind delivery in memory: per-actor mailboxes with sequence numbers,
 * leases with fencing tokens and expiry on the clock, delayed posts on clock
 * timers, replies routed to the node named in `replyTo`. Closing a node keeps
 * its mailboxes and pending `postLater`s, so a new system on the same instance
 * continues where the last one stopped; {@linkcode MemoryTransport.dispose}
 * cancels the timers.
 *
 * @example
 * ```ts
 * import { MemoryTransport } from "./memory_transport.ts";
 * const a = new MemoryTransport({ nodeId: "a" });
 * const b = a.peer("b"); // a second node on the same backend
 * await a.post([{ target: { kind: "counter", id: "1" }, message: { type: "inc" } }]);
 * console.assert(b.mailboxSize({ kind: "counter", id: "1" }) === 1);
 * a.dispose();
 * ```
 */
export class MemoryTransport implements Transport {
  readonly nodeId: string;
  #backend: Backend;

  /**
   * A transport with a fresh in-memory backend; use `peer` for other nodes on
   * it.
   */
  constructor(options: MemoryTransportOptions = {}) {
    this.nodeId = options.nodeId ?? `node-${crypto.randomUUID().slice(0, 8)}`;
    this.#backend = new Backend(options.clock ?? realClock);
  }

  /** A transport for another node sharing this one's mailboxes and leases. */
  peer(nodeId: string): MemoryTransport {
    const other = new MemoryTransport({
      nodeId,
      clock: this.#backend.clock,
    });
    other.#backend = this.#backend;
    return other;
  }

  post(messages: readonly Outgoing[]): Promise<void> {
    try {
      this.#backend.post(messages);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  postLater(message: Outgoing, delayMs: number): Promise<void> {
    try {
      const cloned = structuredClone(message);
      this.#backend.setTimer(() => this.#backend.post([cloned]), delayMs);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  acquire(target: Address, ttlMs: number): Promise<Lease | undefined> {
    return Promise.resolve(
      this.#backend.acquire(this.nodeId, target, ttlMs),
    );
  }

  sendReply(reply: Reply): Promise<void> {
    const node = reply.replyTo.slice(0, reply.replyTo.lastIndexOf(":"));
    const handlers = this.#backend.listeners.get(node);
    if (handlers) {
      const copy = structuredClone(reply);
      queueMicrotask(() => handlers.reply(copy));
    }
    return Promise.resolve();
  }

  listen(handlers: TransportHandlers): void {
    const backend = this.#backend;
    backend.listeners.set(this.nodeId, handlers);
    for (const box of backend.boxes.values()) {
      if (
        (box.entries.length > 0 || box.owed) && !backend.leaseActive(box)
      ) {
        backend.wake(box);
      }
    }
  }

  close(): Promise<void> {
    this.#backend.listeners.delete(this.nodeId);
    return Promise.resolve();
  }

  /** Messages waiting in an actor's mailbox (posted and not yet acked). */
  mailboxSize(target: Address): number {
    return this.#backend.boxes.get(addressKey(target))?.entries.length ?? 0;
  }

  /** Cancels every pending timer of the shared backend (delayed posts, lease expiries). */
  dispose(): void {
    for (const id of this.#backend.timers) this.#backend.clock.clearTimeout(id);
    this.#backend.timers.clear();
  }
}
