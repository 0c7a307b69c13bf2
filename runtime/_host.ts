/**
 * What activations need from their system. Internal: the system implements
 * it; activations never see the `ActorSystem` class itself.
 *
 * @module
 */
import type {
  ActorRef,
  Address,
  Behavior,
  ChildFailure,
  ChildStrategy,
  Message,
  SupervisionPolicy,
} from "./actor.ts";
import type { Clock, TimerId } from "./clock.ts";
import type { EventHook, InternalWork } from "./events.ts";
import type { IdleTracker } from "./_idle.ts";
import type { DeadLetter, StateStore } from "./store.ts";
import type { Outgoing, Transport } from "./transport.ts";

/** A behavior of any state and message type. */
// deno-lint-ignore no-explicit-any
export type AnyBehavior = Behavior<any, any>;

/** Posts one durable message: the system's ordered outbox, or a turn's. */
export type Poster = (out: Outgoing) => Promise<void>;

/** An outstanding `ask`. */
export class PendingAsk {
  settled = false;
  timer: TimerId | undefined = undefined;
  replyTo: string | undefined = undefined;
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

/** A local mailbox entry for an `ask` (plain `tell`s are stored as the bare message). */
export class AskEntry {
  constructor(readonly message: Message, readonly ask: PendingAsk) {}
}

/** A local mailbox entry telling a parent that a child failed. */
export class ChildFailedEntry {
  constructor(readonly failure: ChildFailure) {}
}

/** The message type reported in events for a child-failure turn. */
export const CHILD_FAILED = "child_failed";

/** What the system's ready queue runs. */
export interface Runnable {
  scheduled: boolean;
  /** Processes up to `budget` messages; true if more remain. */
  run(budget: number): boolean;
  /** `run` threw outside supervision (say, a hook did): end the activation. */
  crash(error: unknown): void;
}

/** Per-kind registration data. */
export interface KindInfo {
  readonly kind: string;
  readonly behavior: AnyBehavior;
  readonly policy: SupervisionPolicy;
  readonly idle: IdleTracker;
}

/** The system as its activations see it. */
export interface Host {
  readonly clock: Clock;
  readonly store: StateStore;
  readonly transport: Transport;
  readonly random: () => number;
  readonly emit: EventHook | undefined;
  readonly leaseTtlMs: number;
  readonly stopping: boolean;
  /** `via`, when given, posts the ref's durable tells (a turn's outbox). */
  ref(kind: string, id: string, via?: Poster): ActorRef;
  spawn(parent: Address, kind: string, id: string, via?: Poster): ActorRef;
  parentOf(child: Address): Address | undefined;
  setParent(child: Address, parent: Address): void;
  /** Posts through the ordered outbox. */
  post(out: Outgoing): Promise<void>;
  /** A reminder for a local kind: a clock timer owned by the system. */
  remindLocal(target: Address, message: Message, ms: number): void;
  /** Records a dead letter and tells the dead-letter handler. */
  deadLetter(letter: DeadLetter): Promise<void>;
  /** Tells the child's parent (if any) about a failure. */
  notifyParent(
    child: Address,
    error: string,
    outcome: ChildFailure["outcome"],
  ): void;
  /** Applies a parent's child strategy after `failed` escalated. */
  restartSiblings(
    parent: Address,
    failed: Address,
    strategy: ChildStrategy,
  ): void;
  /** Answers an `ask` addressed by `replyTo`. */
  reply(replyTo: string, ok: boolean, value: unknown): void;
  /** Settles a local `ask`. */
  settle(ask: PendingAsk, ok: boolean, value: unknown): void;
  /** Reports runtime work nobody waits for that failed: an event and a log line. */
  internalFailed(what: InternalWork, target: Address, error: unknown): void;
  /** Keeps a promise of in-flight work for graceful shutdown. */
  track(work: Promise<unknown>): void;
  schedule(activation: Runnable): void;
  removeLocal(
    kind: KindInfo,
    id: string,
    activation: object,
    rest: unknown[],
  ): void;
  removeDurable(kind: KindInfo, id: string, activation: object): void;
  /** Re-delivers a wake-up that raced with passivation. */
  wake(target: Address): void;
}

/** A readable text for anything thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
}

/** The `type` of a message, for events. */
export function messageTypeOf(message: unknown): string {
  return typeof message === "object" && message !== null &&
      "type" in message && typeof message.type === "string"
    ? message.type
    : "(unknown)";
}
