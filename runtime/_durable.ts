/**
 * The activation of a durable kind: holds the actor's lease, drains its
 * mailbox in order, and commits state with the message's sequence number
 * before replying and acknowledging.
 *
 * @module
 */
import type { ChildFailure, Message } from "./actor.ts";
import type { TimerId } from "./clock.ts";
import { VersionConflictError } from "./errors.ts";
import type { Idler } from "./_idle.ts";
import { CHILD_FAILED, errorText, messageTypeOf } from "./_host.ts";
import { Activation, NO_REPLY } from "./_context.ts";
import type { Envelope, Lease, Outgoing } from "./transport.ts";
import type { Poster } from "./_host.ts";

const BATCH = 100;

type Phase = "starting" | "running" | "idle" | "passivating";
type Outcome = "retry" | "next" | "end";

/** One live durable actor on this node. */
export class DurableActivation extends Activation implements Idler {
  fence = 0;
  version = 0;
  lastSeq = 0;
  #acked = 0;
  #lease: Lease | undefined;
  #phase: Phase = "starting";
  #wanted = false;
  #work: Promise<void> = Promise.resolve();
  #attempts = 0;
  #attemptSeq = 0;
  #renewTimer: TimerId | undefined;
  /** The current attempt's held tells, when the store has an outbox. */
  #turn: Outgoing[] | undefined;

  protected deliverTimer(message: Message): void {
    this.host.post({ target: this.self, message }).catch((error) =>
      this.host.internalFailed("timer", this.self, error)
    );
  }

  remind(message: Message, ms: number): Promise<void> {
    return this.host.transport.postLater({ target: this.self, message }, ms);
  }

  /**
   * Refs made during an attempt hold their tells for that attempt's commit;
   * used later (a promise the turn left running), they post at once.
   */
  protected override turnPoster(): Poster | undefined {
    const turn = this.#turn;
    if (turn === undefined) return undefined;
    return (out) => {
      if (this.#turn !== turn) return this.host.post(out);
      turn.push(out);
      return Promise.resolve();
    };
  }

  // --- driven by the system ---

  /**
   * Settles once the lease is taken, or found held elsewhere (the transport
   * then owes a wake-up); rejects when taking it failed. A transport
   * acknowledges a wake-up only after this: a process killed before the lease
   * (and its expiry watch) is committed leaves the wake-up queued, not lost.
   */
  acquired: Promise<void> = Promise.resolve();

  /** Takes the lease, loads state, and drains. */
  start(): void {
    const acquired = Promise.withResolvers<void>();
    // Callers that do not wait for it must not see an unhandled rejection.
    acquired.promise.catch(() => {});
    this.acquired = acquired.promise;
    this.#work = this.#start(acquired);
    this.host.track(this.#work);
  }

  /** A wake-up for an actor already active here. */
  nudge(): void {
    if (!this.alive) return;
    if (this.#phase === "idle") this.#drainAgain();
    else this.#wanted = true;
  }

  /** Resolves when the current work (start, drain, passivation) is done. */
  settled(): Promise<void> {
    return this.#work;
  }

  passivateIfIdle(): boolean {
    if (!this.alive) return true;
    if (this.#phase !== "idle") return false;
    this.#phase = "passivating";
    this.#work = this.#passivate();
    this.host.track(this.#work);
    return true;
  }

  /** Shutdown, after in-flight turns: give the lease up and forget this activation. */
  async shutdown(): Promise<void> {
    if (!this.alive) return;
    this.#close();
    await this.#release();
  }

  /** Gives the lease up; a failure leaves it to expire (its watch wakes the actor). */
  async #release(): Promise<void> {
    try {
      await this.#lease?.release(true);
    } catch (error) {
      this.host.internalFailed("release", this.self, error);
    }
  }

  // --- lifecycle ---

  async #start(acquired: PromiseWithResolvers<void>): Promise<void> {
    const { host } = this;
    let lease: Lease | undefined;
    try {
      lease = await host.transport.acquire(this.self, host.leaseTtlMs);
    } catch (error) {
      lease = undefined;
      acquired.reject(error);
    }
    acquired.resolve();
    if (!lease) {
      // Held elsewhere: the transport owes a wake-up once it is free.
      this.#close();
      host.removeDurable(this.info, this.id, this);
      return;
    }
    this.#lease = lease;
    this.fence = lease.fence;
    if (host.stopping) {
      this.#close();
      await this.#release();
      host.removeDurable(this.info, this.id, this);
      return;
    }
    try {
      await this.#load();
    } catch (error) {
      // Keep the lease: its expiry spaces out the retry.
      await this.#end(`could not load state: ${errorText(error)}`, false);
      return;
    }
    this.#armRenew();
    host.emit?.({ type: "activated", kind: this.info.kind, id: this.id });
    this.#phase = "running";
    this.info.idle.add(this);
    await this.#drain();
  }

  #drainAgain(): void {
    this.#phase = "running";
    this.#work = this.#drain();
    this.host.track(this.#work);
  }

  async #drain(): Promise<void> {
    const lease = this.#lease!;
    try {
      for (;;) {
        if (!this.alive || this.host.stopping) return;
        this.#wanted = false;
        const batch = await lease.read(this.lastSeq, BATCH);
        if (batch.length === 0) {
          if (this.#wanted) continue;
          break;
        }
        this.host.emit?.({
          type: "mailbox_depth",
          kind: this.info.kind,
          id: this.id,
          depth: batch.length,
        });
        let go = true;
        for (const envelope of batch) {
          if (!this.alive || this.host.stopping) break;
          if (envelope.seq <= this.lastSeq) continue;
          if (!(await this.#handle(envelope))) {
            go = false;
            break;
          }
        }
        if (this.alive && this.lastSeq > this.#acked) {
          await lease.ack(this.lastSeq);
          this.#acked = this.lastSeq;
        }
        if (!go) return;
      }
    } catch (error) {
      // The transport or the store failed: give the actor up; its mailbox
      // stays, and the lease, left to expire, spaces out the next attempt.
      await this.#end(`crashed: ${errorText(error)}`, false);
      return;
    }
    this.#phase = "idle";
    this.lastActive = this.host.clock.now();
  }

  async #passivate(): Promise<void> {
    let empty = true;
    try {
      empty = await this.#lease!.release();
    } catch (error) {
      // Left to expire: its watch wakes the actor if anything is pending.
      this.host.internalFailed("release", this.self, error);
      empty = true;
    }
    if (!this.alive) return;
    if (!empty) {
      this.info.idle.add(this);
      this.#phase = "running";
      await this.#drain();
      return;
    }
    this.#close();
    this.host.removeDurable(this.info, this.id, this);
    this.host.emit?.({ type: "passivated", kind: this.info.kind, id: this.id });
    if (this.#wanted) this.host.wake(this.self);
  }

  #armRenew(): void {
    this.#renewTimer = this.host.clock.setTimeout(
      () => {
        this.#renewTimer = undefined;
        this.#renew();
      },
      Math.max(1, Math.floor(this.host.leaseTtlMs / 3)),
    );
  }

  async #renew(): Promise<void> {
    if (!this.alive || !this.#lease) return;
    let held: boolean;
    try {
      held = await this.#lease.renew();
    } catch {
      held = false;
    }
    if (!this.alive) return;
    if (!held) {
      await this.#end("lease lost", false);
      return;
    }
    this.#armRenew();
  }

  async #load(): Promise<void> {
    const stored = await this.host.store.load(this.info.kind, this.id);
    if (stored) {
      this.state = stored.state;
      this.version = stored.version;
      this.lastSeq = stored.lastSeq;
    } else {
      this.state = this.info.behavior.initialState(this.id);
      this.version = 0;
      this.lastSeq = 0;
    }
  }

  /** Reloads from the store; false (and ended) if another activation committed meanwhile. */
  async #reload(): Promise<boolean> {
    const before = this.version;
    await this.#load();
    if (this.version !== before) {
      await this.#end("stale activation: the store moved on", false);
      return false;
    }
    return true;
  }

  // --- a turn ---

  async #handle(envelope: Envelope): Promise<boolean> {
    if (envelope.parent) this.host.setParent(this.self, envelope.parent);
    if (envelope.control === "restart") {
      if (!(await this.#reload())) return false;
      this.clearTimers();
      this.host.emit?.({
        type: "restarted",
        kind: this.info.kind,
        id: this.id,
        delayMs: 0,
      });
      return await this.#commit(this.state, envelope.seq);
    }
    const behavior = this.info.behavior;
    const outbox = this.host.store.saveAndPost !== undefined &&
      behavior.outbox !== false;
    for (;;) {
      this.replied = NO_REPLY;
      this.seq = envelope.seq;
      const started = this.host.emit ? this.host.clock.now() : 0;
      let next: unknown;
      // A failed attempt's held tells are dropped with it: the retry makes its own.
      const turn: Outgoing[] | undefined = outbox ? [] : undefined;
      this.#turn = turn;
      try {
        if (envelope.control === "child_failed") {
          next = behavior.childFailed
            ? await behavior.childFailed(
              this,
              this.state,
              envelope.message as ChildFailure,
            )
            : this.state;
        } else {
          next = await behavior.receive(
            this,
            this.state,
            envelope.message as Message,
          );
        }
        this.#turn = undefined;
        // A state the store refuses (say, not serializable) fails the turn.
        if (!(await this.#commit(next, envelope.seq, turn))) return false;
      } catch (error) {
        this.#turn = undefined;
        const outcome = await this.#failed(envelope, error);
        if (outcome === "retry") continue;
        return outcome === "next";
      }
      this.#attempts = 0;
      this.host.emit?.({
        type: "processed",
        kind: this.info.kind,
        id: this.id,
        messageType: typeOfEnvelope(envelope),
        durationMs: this.host.clock.now() - started,
      });
      if (envelope.replyTo !== undefined && this.replied !== NO_REPLY) {
        this.host.reply(envelope.replyTo, true, this.replied);
      }
      if (envelope.control === "child_failed") {
        const failure = envelope.message as ChildFailure;
        if (failure.outcome === "escalated") {
          this.host.restartSiblings(
            this.self,
            failure.child,
            this.info.policy.children,
          );
        }
      }
      return true;
    }
  }

  /**
   * Commits, with the turn's held tells if any; false (and ended) if this
   * activation turned out stale.
   */
  async #commit(
    state: unknown,
    seq: number,
    outgoing?: readonly Outgoing[],
  ): Promise<boolean> {
    const { store } = this.host;
    const snapshot = { state, lastSeq: seq, fence: this.fence };
    try {
      this.version = outgoing !== undefined && outgoing.length > 0 &&
          store.saveAndPost !== undefined
        ? await store.saveAndPost(
          this.info.kind,
          this.id,
          snapshot,
          this.version,
          outgoing,
        )
        : await store.save(this.info.kind, this.id, snapshot, this.version);
    } catch (error) {
      if (
        error instanceof VersionConflictError ||
        (error instanceof Error && error.name === "VersionConflictError")
      ) {
        await this.#end("stale activation: version conflict", false);
        return false;
      }
      throw error;
    }
    this.state = state;
    this.lastSeq = seq;
    return true;
  }

  async #failed(envelope: Envelope, error: unknown): Promise<Outcome> {
    if (!this.alive) return "end";
    if (this.#attemptSeq !== envelope.seq) {
      this.#attemptSeq = envelope.seq;
      this.#attempts = 0;
    }
    const attempt = ++this.#attempts;
    const text = errorText(error);
    const verdict = this.supervise(typeOfEnvelope(envelope), text, attempt);
    if (verdict.type !== "restart") {
      if (!(await this.#giveUp(envelope, text, attempt))) return "end";
      if (verdict.type === "dead_letter") {
        this.host.notifyParent(this.self, text, "dead_lettered");
        return "next";
      }
      if (verdict.notify) this.host.notifyParent(this.self, text, "stopped");
      await this.#end(verdict.reason, true);
      return "end";
    }
    this.clearTimers();
    if (verdict.delayMs > 0) {
      const completed = await this.backoff(verdict.delayMs);
      if (!completed || !this.alive) return "end";
    }
    return (await this.#reload()) ? "retry" : "end";
  }

  /** Dead-letters the message and commits past it with the last committed state. */
  async #giveUp(
    envelope: Envelope,
    text: string,
    attempts: number,
  ): Promise<boolean> {
    const { kind } = this.info;
    this.#attempts = 0;
    if (!(await this.#reload())) return false;
    const message = envelope.control === "child_failed"
      ? { type: CHILD_FAILED, failure: envelope.message }
      : envelope.message;
    await this.host.deadLetter({
      kind,
      id: this.id,
      seq: envelope.seq,
      message,
      error: text,
      attempts,
      at: this.host.clock.now(),
    });
    if (!(await this.#commit(this.state, envelope.seq))) return false;
    this.host.emit?.({
      type: "dead_lettered",
      kind,
      id: this.id,
      messageType: typeOfEnvelope(envelope),
      error: text,
    });
    if (envelope.replyTo !== undefined) {
      this.host.reply(envelope.replyTo, false, text);
    }
    return true;
  }

  async #end(reason: string, release: boolean): Promise<void> {
    if (!this.alive) return;
    this.#close();
    this.host.removeDurable(this.info, this.id, this);
    this.host.emit?.({
      type: "stopped",
      kind: this.info.kind,
      id: this.id,
      reason,
    });
    if (release) await this.#release();
  }

  #close(): void {
    this.alive = false;
    this.abortWait();
    this.info.idle.delete(this);
    if (this.#renewTimer !== undefined) {
      this.host.clock.clearTimeout(this.#renewTimer);
      this.#renewTimer = undefined;
    }
    this.clearTimers();
  }
}

function typeOfEnvelope(envelope: Envelope): string {
  return envelope.control === "child_failed"
    ? CHILD_FAILED
    : messageTypeOf(envelope.message);
}
