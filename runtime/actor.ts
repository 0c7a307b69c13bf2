/**
 * How an actor kind is declared: a transition function over a serializable
 * state, plus the policies the runtime applies to it.
 *
 * @module
 */

/** Every message is a discriminated union member with a `type` field. */
export interface Message {
  /** Which member of the kind's message union this is. */
  readonly type: string;
}

/** The address of a virtual actor. */
export interface Address {
  /** The actor kind: the name its behaviour was registered under. */
  readonly kind: string;
  /** The actor's id within its kind. */
  readonly id: string;
}

/** What happens to an actor whose `receive` throws. */
export type SupervisionStrategy = "restart" | "stop" | "escalate";

/** How a parent treats its other children when one of them fails. */
export type ChildStrategy = "one_for_one" | "one_for_all" | "rest_for_one";

/** Per-kind failure policy, OTP style. */
export interface SupervisionPolicy {
  /** What happens to an actor whose `receive` throws. */
  readonly strategy: SupervisionStrategy;
  /** At most this many restarts within {@linkcode withinMs}; more stops the actor and escalates. */
  readonly maxRestarts: number;
  /** The window, in ms, over which restarts are counted. */
  readonly withinMs: number;
  /** Exponential backoff before a restart: `min(maxMs, initialMs * factor^n)`, then +/- `jitter` (0..1) of it. */
  readonly backoff: {
    readonly initialMs: number;
    readonly maxMs: number;
    readonly factor: number;
    readonly jitter: number;
  };
  /** A message that failed this many times goes to the dead-letter store. */
  readonly maxAttempts: number;
  /** How this actor, as a parent, restarts its children when one fails. */
  readonly children: ChildStrategy;
}

/** A failure reported to a parent. */
export interface ChildFailure {
  /** The child that failed. */
  readonly child: Address;
  /** The error it raised, as text. */
  readonly error: string;
  /**
   * What the runtime did to the child: `"escalated"` (the child restarts and
   * the parent's `children` strategy applies to its siblings), `"stopped"`,
   * `"dead_lettered"` (the message was given up; the child goes on), or
   * `"restarted"`.
   */
  readonly outcome: "restarted" | "stopped" | "escalated" | "dead_lettered";
}

/** A handle for sending to one actor. */
export interface ActorRef<M extends Message = Message, R = unknown> {
  /** The actor this handle sends to. */
  readonly address: Address;
  /** Fire and forget. Resolves once the message is accepted (durably, for durable kinds). */
  tell(message: M): Promise<void>;
  /** Sends and waits for the receiver's `ctx.reply(...)`; rejects with `AskTimeoutError`. */
  ask<T = R>(message: M, options?: { timeoutMs?: number }): Promise<T>;
}

/** What `receive` can do besides returning the next state. */
export interface ActorContext<M extends Message = Message> {
  /** This actor's own address. */
  readonly self: Address;
  /** The parent that spawned this actor, if any. */
  readonly parent: Address | undefined;
  /** The runtime's clock. */
  now(): number;
  /** The sequence number of the message being processed (durable kinds: monotonic per actor). */
  readonly seq: number;
  /** The activation's fencing token: strictly increasing across activations of this actor. */
  readonly fence: number;
  /** Answers the current message's `ask`; ignored for `tell`. Sent after the new state commits. */
  reply(value: unknown): void;
  /** A reference to any actor. */
  ref<N extends Message = Message>(kind: string, id: string): ActorRef<N>;
  /** A reference to a child: like `ref`, but linked to this actor for supervision. */
  spawn<N extends Message = Message>(kind: string, id: string): ActorRef<N>;
  /** Sends to self after `ms`; lives only as long as this activation. Returns a name to cancel it. */
  setTimer(name: string, message: M, ms: number): void;
  /** Cancels the timer named `name`; nothing happens if there is none. */
  cancelTimer(name: string): void;
  /** Sends to self after `ms`, durably: survives passivation and process restarts. */
  remind(message: M, ms: number): Promise<void>;
}

/** Declares an actor kind once. */
export interface Behavior<S = unknown, M extends Message = Message> {
  /** The kind's name: the `kind` of every address of this behaviour. */
  readonly kind: string;
  /** The state of an actor that has never processed a message. */
  initialState(id: string): S;
  /** The transition: returns the next state. Throwing triggers supervision. */
  receive(ctx: ActorContext<M>, state: S, message: M): S | Promise<S>;
  /** Validates incoming messages at the edge; a failing message is refused with `InvalidMessageError` and never enqueued. */
  parse?(input: unknown): M;
  /** Durable kinds persist state and go through the transport; local kinds live in memory on one node. */
  readonly durable: boolean;
  /** Passivate after this long without messages (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** Overrides of the default supervision policy for this kind. */
  readonly supervision?: Partial<SupervisionPolicy>;
  /**
   * Durable kinds, with a state store that has a transactional outbox (the
   * PostgreSQL transport's): whether the durable tells a turn makes are held
   * and committed with its new state (default true). A kind whose turns are
   * long and must publish as they go (progress reports that other work waits
   * for) sets false: its tells are posted at once, at least once.
   */
  readonly outbox?: boolean;
  /** Told when a child fails; returns the parent's next state. */
  childFailed?(
    ctx: ActorContext<M>,
    state: S,
    failure: ChildFailure,
  ): S | Promise<S>;
}

/** The default supervision policy. */
export const defaultSupervision: SupervisionPolicy = {
  strategy: "restart",
  maxRestarts: 5,
  withinMs: 60_000,
  backoff: { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.2 },
  maxAttempts: 3,
  children: "one_for_one",
};

/**
 * Declares a kind with types inferred from its parts.
 *
 * @example
 * ```ts
 * import { defineActor } from "./actor.ts";
 * type Msg = { type: "add"; n: number } | { type: "get" };
 * const counter = defineActor<number, Msg>({
 *   kind: "counter",
 *   durable: false,
 *   initialState: () => 0,
 *   receive(ctx, state, msg) {
 *     if (msg.type === "get") ctx.reply(state);
 *     return msg.type === "add" ? state + msg.n : state;
 *   },
 * });
 * ```
 */
export function defineActor<S, M extends Message>(
  behavior: Behavior<S, M>,
): Behavior<S, M> {
  return behavior;
}

/** `"kind/id"`, the key used in maps and logs. */
export function addressKey(address: Address): string {
  return `${address.kind}/${address.id}`;
}
