/**
 * The activation of a local (non-durable) kind: an in-memory mailbox drained
 * synchronously while `receive` returns plain values, so a message costs an
 * array push and a function call, not a promise.
 *
 * @module
 */
import type { Message } from "./actor.ts";
import { ActorFailedError, SystemStoppedError } from "./errors.ts";
import type { Idler } from "./_idle.ts";
import {
  AskEntry,
  CHILD_FAILED,
  ChildFailedEntry,
  errorText,
  type Host,
  type KindInfo,
  messageTypeOf,
  type Runnable,
} from "./_host.ts";
import { Activation, NO_REPLY } from "./_context.ts";

/** One live local actor. It is its own `ActorContext`, to keep idle activations small. */
export class LocalActivation extends Activation implements Idler, Runnable {
  readonly fence = 0;
  mailbox: unknown[] = [];
  head = 0;
  scheduled = false;
  busy = false;
  #count = 0;
  #attempts = 0;
  #restartRequested = false;

  constructor(host: Host, info: KindInfo, id: string) {
    super(host, info, id);
    this.state = info.behavior.initialState(id);
  }

  protected deliverTimer(message: Message): void {
    this.mailbox.push(message);
    if (!this.scheduled && !this.busy) this.host.schedule(this);
  }

  remind(message: Message, ms: number): Promise<void> {
    this.host.remindLocal(this.self, message, ms);
    return Promise.resolve();
  }

  // --- driven by the system ---

  /** Processes up to `budget` messages; true if messages remain (run again later). */
  run(budget: number): boolean {
    const box = this.mailbox;
    this.host.emit?.({
      type: "mailbox_depth",
      kind: this.info.kind,
      id: this.id,
      depth: box.length - this.head,
    });
    while (this.head < box.length) {
      if (!this.alive || this.busy || this.host.stopping) return false;
      if (budget-- <= 0) {
        if (this.head > 1024) {
          box.splice(0, this.head);
          this.head = 0;
        }
        return true;
      }
      if (this.#restartRequested) this.#reset();
      const pending = this.#turn(box[this.head]);
      if (pending !== undefined) {
        this.busy = true;
        this.host.track(pending.then(() => {
          this.busy = false;
          if (this.alive && !this.scheduled) this.host.schedule(this);
        }));
        return false;
      }
    }
    if (this.head > 0) {
      box.length = 0;
      this.head = 0;
    }
    this.lastActive = this.host.clock.now();
    return false;
  }

  passivateIfIdle(): boolean {
    if (this.busy || this.scheduled || this.head < this.mailbox.length) {
      return false;
    }
    this.#close();
    this.host.removeLocal(this.info, this.id, this, []);
    this.host.emit?.({ type: "passivated", kind: this.info.kind, id: this.id });
    return true;
  }

  /** A parent's strategy restarts this actor: fresh state, no timers. */
  requestRestart(): void {
    if (this.busy) {
      this.#restartRequested = true;
      return;
    }
    this.#reset();
    this.host.emit?.({
      type: "restarted",
      kind: this.info.kind,
      id: this.id,
      delayMs: 0,
    });
  }

  /** Something outside supervision threw: drop the activation and its mailbox. */
  crash(error: unknown): void {
    const text = errorText(error);
    const failure = new ActorFailedError(this.info.kind, this.id, text);
    const rest = this.mailbox.slice(this.head);
    this.abortWait();
    this.#close();
    this.mailbox = [];
    this.head = 0;
    this.host.removeLocal(this.info, this.id, this, []);
    for (const entry of rest) {
      if (entry instanceof AskEntry) {
        this.host.settle(entry.ask, false, failure);
      }
    }
    try {
      this.host.emit?.({
        type: "stopped",
        kind: this.info.kind,
        id: this.id,
        reason: `crashed: ${text}`,
      });
    } catch {
      // The hook itself may be what threw.
    }
  }

  /** Shutdown: drop the activation, failing asks that were never processed. */
  shutdown(): void {
    this.abortWait();
    this.#close();
    const error = new SystemStoppedError();
    for (let i = this.head; i < this.mailbox.length; i++) {
      const entry = this.mailbox[i];
      if (entry instanceof AskEntry) this.host.settle(entry.ask, false, error);
    }
    this.mailbox = [];
    this.head = 0;
  }

  // --- a turn ---

  #turn(entry: unknown): Promise<void> | undefined {
    const behavior = this.info.behavior;
    this.replied = NO_REPLY;
    this.seq = this.#count + 1;
    const started = this.host.emit ? this.host.clock.now() : 0;
    let result: unknown;
    try {
      if (entry instanceof ChildFailedEntry) {
        result = behavior.childFailed
          ? behavior.childFailed(this, this.state, entry.failure)
          : this.state;
      } else {
        result = behavior.receive(
          this,
          this.state,
          entry instanceof AskEntry ? entry.message : entry as Message,
        );
      }
    } catch (error) {
      return this.#failed(entry, error);
    }
    if (result instanceof Promise) {
      return result.then(
        (next) => this.#done(entry, next, started),
        (error) => this.#failed(entry, error),
      );
    }
    this.#done(entry, result, started);
    return undefined;
  }

  #done(entry: unknown, next: unknown, started: number): void {
    if (entry instanceof AskEntry && this.replied !== NO_REPLY) {
      this.host.settle(entry.ask, true, this.replied);
    }
    if (!this.alive) return;
    this.state = next;
    this.head++;
    this.#count++;
    this.#attempts = 0;
    if (
      entry instanceof ChildFailedEntry && entry.failure.outcome === "escalated"
    ) {
      this.host.restartSiblings(
        this.self,
        entry.failure.child,
        this.info.policy.children,
      );
    }
    const emit = this.host.emit;
    if (emit) {
      emit({
        type: "processed",
        kind: this.info.kind,
        id: this.id,
        messageType: typeOfEntry(entry),
        durationMs: this.host.clock.now() - started,
      });
    }
  }

  #failed(entry: unknown, error: unknown): Promise<void> | undefined {
    if (!this.alive) return undefined;
    const attempt = ++this.#attempts;
    const text = errorText(error);
    const verdict = this.supervise(typeOfEntry(entry), text, attempt);
    if (verdict.type === "restart") {
      if (verdict.delayMs === 0) {
        this.#reset();
        return undefined;
      }
      return this.backoff(verdict.delayMs).then((ok) => {
        if (ok && this.alive) this.#reset();
      });
    }
    this.#giveUp(entry, text, attempt);
    if (verdict.type === "dead_letter") {
      this.#reset();
      this.host.notifyParent(this.self, text, "dead_lettered");
      return undefined;
    }
    if (verdict.notify) this.host.notifyParent(this.self, text, "stopped");
    this.#stop(verdict.reason);
    return undefined;
  }

  #giveUp(entry: unknown, text: string, attempts: number): void {
    this.head++;
    this.#count++;
    this.#attempts = 0;
    const { kind } = this.info;
    if (entry instanceof AskEntry) {
      this.host.settle(
        entry.ask,
        false,
        new ActorFailedError(kind, this.id, text),
      );
    }
    const message = entry instanceof AskEntry
      ? entry.message
      : entry instanceof ChildFailedEntry
      ? { type: CHILD_FAILED, failure: entry.failure }
      : entry;
    this.host.deadLetter({
      kind,
      id: this.id,
      seq: this.seq,
      message,
      error: text,
      attempts,
      at: this.host.clock.now(),
    }).catch((error) =>
      this.host.internalFailed("dead_letter", this.self, error)
    );
    this.host.emit?.({
      type: "dead_lettered",
      kind,
      id: this.id,
      messageType: typeOfEntry(entry),
      error: text,
    });
  }

  #reset(): void {
    this.#restartRequested = false;
    this.clearTimers();
    this.state = this.info.behavior.initialState(this.id);
  }

  #stop(reason: string): void {
    this.#close();
    const rest = this.mailbox.slice(this.head);
    this.mailbox = [];
    this.head = 0;
    this.host.removeLocal(this.info, this.id, this, rest);
    this.host.emit?.({
      type: "stopped",
      kind: this.info.kind,
      id: this.id,
      reason,
    });
  }

  #close(): void {
    this.alive = false;
    this.clearTimers();
  }
}

function typeOfEntry(entry: unknown): string {
  if (entry instanceof AskEntry) return entry.message.type;
  if (entry instanceof ChildFailedEntry) return CHILD_FAILED;
  return messageTypeOf(entry);
}
