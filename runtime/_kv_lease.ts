/**
 * The activation lease of the Deno KV transport. Internal to runtime/kv.ts.
 *
 * @module
 */
import type { Address } from "./actor.ts";
import type { Clock } from "./clock.ts";
import type { Envelope, Lease } from "./transport.ts";
import {
  KV_MAX_MUTATIONS,
  leaseKey,
  type LeaseValue,
  mailboxKey,
  mailboxPrefix,
  seqKey,
} from "./_kv_keys.ts";
import { isClosedError, listAll, retryLocked } from "./_kv_retry.ts";

/** Acked mailbox entries are deleted once this many seqs have piled up. */
const ACK_BATCH = 200;

/** What a lease needs from its transport. */
export interface LeaseDeps {
  readonly kv: Deno.Kv;
  readonly clock: Clock;
  readonly node: string;
  /** Makes sure a wake-up for `target` is queued (used when release finds messages). */
  wake(target: Address): Promise<void>;
  /** Envelopes this node committed to `target`'s mailbox, seqs `from`, `from + 1`, ... (a contiguous run, maybe empty). */
  recent(target: Address, from: number, limit: number): Envelope[];
  /** Seqs of `target` up to `uptoSeq` are committed: drops their remembered envelopes. */
  forget(target: Address, uptoSeq: number): void;
}

/**
 * A lease held by this node. The lease key's versionstamp is remembered: only
 * the holder writes the key while it holds it, so a changed versionstamp means
 * the lease was taken over.
 *
 * `read(afterSeq)` also tells the lease that everything up to `afterSeq` is
 * done (the caller reads after the last committed seq): those entries are
 * deleted when the lease is released, and `release()` only counts messages
 * above that floor as pending.
 */
export class KvLease implements Lease {
  readonly target: Address;
  readonly fence: number;
  #deps: LeaseDeps;
  #ttlMs: number;
  #versionstamp: string;
  /** Highest seq known to be done (acked, or implied by `read(afterSeq)`). */
  #floor = 0;
  /** Highest seq acked: entries up to it are gone for `read`, deleted lazily. */
  #acked = 0;
  /** Highest seq whose mailbox entry was deleted by this lease. */
  #deleted = 0;
  #released = false;

  constructor(
    deps: LeaseDeps,
    target: Address,
    fence: number,
    ttlMs: number,
    versionstamp: string,
  ) {
    this.#deps = deps;
    this.target = target;
    this.fence = fence;
    this.#ttlMs = ttlMs;
    this.#versionstamp = versionstamp;
  }

  async read(afterSeq: number, limit: number): Promise<Envelope[]> {
    if (afterSeq > this.#floor) {
      this.#floor = afterSeq;
      this.#deps.forget(this.target, afterSeq);
    }
    const prefix = mailboxPrefix(this.target);
    const out: Envelope[] = [];
    if (limit <= 0) return out;
    const from = Math.floor(Math.max(afterSeq, this.#acked)) + 1;
    // Mailbox entries never change once written: what this node posted can be
    // served without a read. A run starting at `from` is exactly what KV holds.
    const recent = this.#deps.recent(this.target, from, limit);
    if (recent.length > 0) return recent;
    const entries = await listAll<Envelope>(this.#deps.kv, {
      prefix,
      start: [...prefix, from],
    }, { limit });
    for (const entry of entries) out.push(entry.value);
    return out;
  }

  /**
   * Acked entries disappear from `read` at once; their keys are deleted in
   * batches (every {@linkcode ACK_BATCH} seqs, and on release), saving a
   * commit per turn. Entries left behind by a crash are at or below the
   * store's last seq, so the next holder skips and deletes them.
   */
  async ack(uptoSeq: number): Promise<void> {
    try {
      await this.#ack(uptoSeq);
    } catch (error) {
      // KV closed under the lease: the next holder deletes what is left.
      if (!isClosedError(error)) throw error;
    }
  }

  async #ack(uptoSeq: number): Promise<void> {
    if (uptoSeq > this.#floor) this.#floor = uptoSeq;
    if (uptoSeq > this.#acked) this.#acked = uptoSeq;
    this.#deps.forget(this.target, uptoSeq);
    if (uptoSeq - this.#deleted >= ACK_BATCH) await this.#deleteUpTo(uptoSeq);
  }

  async renew(): Promise<boolean> {
    try {
      return await this.#renew();
    } catch (error) {
      // KV closed under the lease: it is as good as lost.
      if (isClosedError(error)) return false;
      throw error;
    }
  }

  async #renew(): Promise<boolean> {
    if (this.#released) return false;
    const value: LeaseValue = {
      node: this.#deps.node,
      fence: this.fence,
      expiresAt: this.#deps.clock.now() + this.#ttlMs,
    };
    const key = leaseKey(this.target);
    const res = await retryLocked(() =>
      this.#deps.kv.atomic()
        .check({ key, versionstamp: this.#versionstamp })
        .set(key, value)
        .commit()
    );
    if (!res.ok) return false;
    this.#versionstamp = res.versionstamp;
    return true;
  }

  /**
   * Without `force`: gives the lease up only if the mailbox holds nothing
   * after the floor, checked atomically against the actor's seq counter (every
   * post changes it), and returns true; otherwise keeps the lease and returns
   * false. With `force`: always gives it up; a non-empty mailbox gets a
   * wake-up and false is returned. A lease already taken over returns true.
   * If the KV is closed under it (its node is stopping), release stops
   * quietly and returns true: the lease is left to expire, as after a crash,
   * and its watch wakes the actor elsewhere.
   */
  async release(force = false): Promise<boolean> {
    try {
      return await this.#release(force);
    } catch (error) {
      if (!isClosedError(error)) throw error;
      this.#released = true;
      return true;
    }
  }

  async #release(force: boolean): Promise<boolean> {
    if (this.#released) return true;
    const { kv } = this.#deps;
    const key = leaseKey(this.target);
    // Entries up to the floor are done whoever holds the lease.
    if (this.#floor > this.#deleted) await this.#deleteUpTo(this.#floor);
    for (;;) {
      const counter = await retryLocked(() => kv.get(seqKey(this.target)));
      const pending = await this.#pending();
      if (pending && !force) return false;
      const res = await retryLocked(() =>
        kv.atomic()
          .check({ key, versionstamp: this.#versionstamp })
          .check(counter)
          .delete(key)
          .commit()
      );
      if (res.ok) {
        this.#released = true;
        if (!pending) return true;
        await this.#deps.wake(this.target);
        return false;
      }
      const now = await retryLocked(() => kv.get(key));
      if (now.versionstamp !== this.#versionstamp) {
        // Taken over: the mailbox is the new holder's business.
        this.#released = true;
        return true;
      }
      // A post landed meanwhile: look again.
    }
  }

  async #pending(): Promise<boolean> {
    const prefix = mailboxPrefix(this.target);
    const entries = await listAll(this.#deps.kv, {
      prefix,
      start: [...prefix, Math.floor(this.#floor) + 1],
    }, { limit: 1 });
    return entries.length > 0;
  }

  async #deleteUpTo(uptoSeq: number): Promise<void> {
    const prefix = mailboxPrefix(this.target);
    const end = mailboxKey(this.target, Math.floor(uptoSeq) + 1);
    for (;;) {
      const entries = await listAll(this.#deps.kv, { prefix, end }, {
        limit: KV_MAX_MUTATIONS,
      });
      const keys = entries.map((e) => e.key);
      if (keys.length === 0) break;
      await retryLocked(() => {
        const op = this.#deps.kv.atomic();
        for (const k of keys) op.delete(k);
        return op.commit();
      });
      if (keys.length < KV_MAX_MUTATIONS) break;
    }
    if (uptoSeq > this.#deleted) this.#deleted = uptoSeq;
  }
}
