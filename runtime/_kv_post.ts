/**
 * The KV transport's posting: messages committed to mailboxes per group of
 * actors with their seq counters, one queue wake-up per actor, local
 * wake-ups, doorbells. Internal to runtime/kv.ts.
 *
 * @module
 */
import { addressKey } from "./actor.ts";
import { PayloadTooLargeError, RuntimeError } from "./errors.ts";
import type { Envelope, Outgoing } from "./transport.ts";
import {
  bellKey,
  keySizeBound,
  KV_MAX_CHECKS,
  KV_MAX_GET_MANY,
  KV_MAX_MUTATIONS,
  KV_MAX_VALUE_BYTES,
  lostWakeKey,
  mailboxKey,
  reminderDoneKey,
  seqKey,
  serializedSize,
  wakeMessage,
} from "./_kv_keys.ts";
import { retryLocked } from "./_kv_retry.ts";
import {
  backoff,
  BELL_TTL_MS,
  COMMIT_BYTE_BUDGET,
  COUNTER_CACHE_SIZE,
  describe,
  type Group,
  type KvCore,
  mapKvError,
  MAX_MESSAGES_PER_TARGET,
  MAX_POST_ATTEMPTS,
  RECENT_SIZE,
  REMINDER_DONE_TTL_MS,
  SEQ_PLACEHOLDER,
} from "./_kv_core.ts";

/** Posting: mailbox commits per group of actors, seq counters, local wake-ups and doorbells. */
export class KvPosting {
  readonly #c: KvCore;

  /** Works on the transport's shared state. */
  constructor(core: KvCore) {
    this.#c = core;
  }

  async post(
    messages: readonly Outgoing[],
    reminder: string | undefined,
  ): Promise<void> {
    if (messages.length === 0) return;
    const groups = new Map<string, Group>();
    for (const message of messages) {
      const bytes = this.checkEnvelope(message);
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
    for (const b of batches) await this.commitGroups(b, reminder);
  }

  /** Returns the serialized size of the envelope; throws if it is too large for KV. */
  checkEnvelope(message: Outgoing): number {
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

  async commitGroups(
    groups: Group[],
    reminder: string | undefined,
  ): Promise<void> {
    const keys = groups.map((g) => seqKey(g.target));
    const names = groups.map((g) => addressKey(g.target));
    const ringBells = !this.#c.handlers || this.#c.closed;
    for (let attempt = 0; attempt < MAX_POST_ATTEMPTS; attempt++) {
      const counters = await this.readCounters(keys, names, groups);
      const op = this.#c.kv.atomic();
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
          this.#c.enqueueOptions(0, [lostWakeKey(group.target)]),
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
        if (this.#c.counters.size > COUNTER_CACHE_SIZE) {
          this.#c.counters.clear();
        }
        names.forEach((name, i) => {
          this.#c.counters.set(name, {
            seq: seqs[i]!,
            versionstamp: res.versionstamp,
          });
        });
        this.remember(names, written);
        this.wakeHere(groups);
        return;
      }
      for (const name of names) this.#c.counters.delete(name);
      if (reminder !== undefined) {
        const done = await retryLocked(() =>
          this.#c.kv.get(reminderDoneKey(reminder))
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
  wakeHere(groups: Group[]): void {
    const handlers = this.#c.handlers;
    // Paused: the post's queue wake-up starts the work after resume().
    if (!handlers || this.#c.closed || this.#c.paused) return;
    for (const group of groups) {
      try {
        const result = handlers.wake(group.target);
        if (result instanceof Promise) {
          this.#c.track(result).catch((error) =>
            this.#c.wakeFailed(group.target, error)
          );
        }
      } catch (error) {
        // The queue's wake-up still stands behind this one.
        this.#c.wakeFailed(group.target, error);
      }
    }
  }

  /** Keeps copies of committed envelopes (the caller may mutate its messages later). */
  remember(names: string[], written: Envelope[][]): void {
    const count = written.reduce((n, w) => n + w.length, 0);
    if (this.#c.recentSize + count > RECENT_SIZE) {
      this.#c.recent.clear();
      this.#c.recentSize = 0;
      if (count > RECENT_SIZE) return;
    }
    names.forEach((name, i) => {
      let box = this.#c.recent.get(name);
      if (!box) this.#c.recent.set(name, box = new Map());
      for (const envelope of written[i]!) {
        if (!box.has(envelope.seq)) this.#c.recentSize++;
        box.set(envelope.seq, structuredClone(envelope));
      }
    });
  }

  /** Current counters: from this node's cache where it has them, else read. */
  async readCounters(
    keys: Deno.KvKey[],
    names: string[],
    groups: Group[],
  ): Promise<{ seq: number; versionstamp: string | null }[]> {
    const out: { seq: number; versionstamp: string | null }[] = [];
    const missing: number[] = [];
    names.forEach((name, i) => {
      const cached = this.#c.counters.get(name);
      if (cached) out[i] = cached;
      else missing.push(i);
    });
    for (let i = 0; i < missing.length; i += KV_MAX_GET_MANY) {
      const chunk = missing.slice(i, i + KV_MAX_GET_MANY);
      const entries = await retryLocked(() =>
        this.#c.kv.getMany<number[]>(chunk.map((j) => keys[j]!))
      );
      chunk.forEach((j, k) => {
        const entry = entries[k]!;
        out[j] = { seq: entry.value ?? 0, versionstamp: entry.versionstamp };
      });
    }
    const floor = this.#c.seqFloor;
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
}
