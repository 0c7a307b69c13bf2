/**
 * What local and durable activations share: the `ActorContext` an actor
 * sees (addressing, replies, timers) and the supervision decision for a
 * failed attempt, with its backoff wait. Each kind supplies how a timer's
 * message reaches its mailbox and how `remind` is kept.
 *
 * @module
 */
import type { ActorContext, ActorRef, Address, Message } from "./actor.ts";
import type { TimerId } from "./clock.ts";
import type { Host, KindInfo, Poster } from "./_host.ts";
import { backoffDelay, RestartWindow } from "./_supervision.ts";

/** The current turn has not called `reply`. */
export const NO_REPLY: unique symbol = Symbol("no reply");

/** What supervision makes of a failed attempt. */
export type Verdict =
  /** Dead-letter the message, tell the parent, and go on with a fresh state. */
  | { readonly type: "dead_letter" }
  /** Dead-letter the message, tell the parent if `notify`, and stop. */
  | { readonly type: "stop"; readonly notify: boolean; readonly reason: string }
  /** Restart after `delayMs` (the parent was told of an escalation). */
  | { readonly type: "restart"; readonly delayMs: number };

/** One live actor, which is its own `ActorContext` to keep idle activations small. */
export abstract class Activation implements ActorContext<Message> {
  readonly self: Address;
  abstract readonly fence: number;
  seq = 0;
  state: unknown;
  alive = true;
  lastActive: number;
  /** The value the current turn passed to `reply`, or `NO_REPLY`. */
  protected replied: unknown = NO_REPLY;
  #restarts: RestartWindow | undefined;
  #timers: Map<string, TimerId> | undefined;
  #wait: { timer: TimerId; resolve: (ok: boolean) => void } | undefined;

  constructor(
    readonly host: Host,
    readonly info: KindInfo,
    readonly id: string,
  ) {
    this.self = { kind: info.kind, id };
    this.lastActive = host.clock.now();
  }

  /** Hands a timer's message to this (still alive) activation's mailbox. */
  protected abstract deliverTimer(message: Message): void;

  abstract remind(message: Message, ms: number): Promise<void>;

  // --- ActorContext ---

  get parent(): Address | undefined {
    return this.host.parentOf(this.self);
  }

  now(): number {
    return this.host.clock.now();
  }

  reply(value: unknown): void {
    this.replied = value;
  }

  ref<N extends Message = Message>(kind: string, id: string): ActorRef<N> {
    return this.host.ref(kind, id, this.turnPoster()) as ActorRef<N>;
  }

  spawn<N extends Message = Message>(kind: string, id: string): ActorRef<N> {
    return this.host.spawn(
      this.self,
      kind,
      id,
      this.turnPoster(),
    ) as ActorRef<N>;
  }

  /**
   * How refs handed out now post durable tells: into the current turn's
   * outbox (committed with the turn), or `undefined` for the system's.
   */
  protected turnPoster(): Poster | undefined {
    return undefined;
  }

  setTimer(name: string, message: Message, ms: number): void {
    this.cancelTimer(name);
    const timers = this.#timers ??= new Map();
    timers.set(
      name,
      this.host.clock.setTimeout(() => {
        timers.delete(name);
        if (this.alive) this.deliverTimer(message);
      }, ms),
    );
  }

  cancelTimer(name: string): void {
    const id = this.#timers?.get(name);
    if (id === undefined) return;
    this.host.clock.clearTimeout(id);
    this.#timers?.delete(name);
  }

  // --- supervision ---

  /** Ends a backoff wait early (shutdown). */
  abortWait(): void {
    const wait = this.#wait;
    if (!wait) return;
    this.#wait = undefined;
    this.host.clock.clearTimeout(wait.timer);
    wait.resolve(false);
  }

  /**
   * Reports attempt `attempt` at a message as failed and applies the kind's
   * policy. A restart is announced here (and an escalation sent to the
   * parent); giving up, stopping and telling the parent are the caller's.
   */
  protected supervise(
    messageType: string,
    text: string,
    attempt: number,
  ): Verdict {
    const { policy, kind } = this.info;
    this.host.emit?.({
      type: "failed",
      kind,
      id: this.id,
      messageType,
      error: text,
      attempt,
    });
    if (attempt >= policy.maxAttempts) return { type: "dead_letter" };
    if (policy.strategy === "stop") {
      return {
        type: "stop",
        notify: true,
        reason: `stopped by its supervision policy after: ${text}`,
      };
    }
    const n = (this.#restarts ??= new RestartWindow()).record(
      this.host.clock.now(),
      policy.withinMs,
    );
    if (n > policy.maxRestarts) {
      return {
        type: "stop",
        notify: true,
        reason:
          `restart intensity exceeded: more than ${policy.maxRestarts} restarts within ${policy.withinMs} ms`,
      };
    }
    if (policy.strategy === "escalate") {
      if (this.parent === undefined) {
        return {
          type: "stop",
          notify: false,
          reason: `escalated with no parent: ${text}`,
        };
      }
      this.host.notifyParent(this.self, text, "escalated");
    }
    const delayMs = backoffDelay(policy.backoff, n, this.host.random);
    this.host.emit?.({ type: "restarted", kind, id: this.id, delayMs });
    return { type: "restart", delayMs };
  }

  /** Waits out a restart's backoff: true when it elapsed, false if `abortWait` cut it short. */
  protected backoff(delayMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      this.#wait = {
        resolve,
        timer: this.host.clock.setTimeout(() => {
          this.#wait = undefined;
          resolve(true);
        }, delayMs),
      };
    });
  }

  /** Cancels every `setTimer` timer (restart, passivation, stop). */
  protected clearTimers(): void {
    if (!this.#timers) return;
    for (const id of this.#timers.values()) this.host.clock.clearTimeout(id);
    this.#timers.clear();
  }
}
