/**
 * The actor system: registers kinds, hands out references, activates actors
 * on demand, and drives delivery, supervision and shutdown.
 *
 * @module
 */
import {
  type ActorRef,
  type Address,
  addressKey,
  type ChildFailure,
  type ChildStrategy,
  type Message,
} from "./actor.ts";
import { type Clock, realClock, type TimerId } from "./clock.ts";
import {
  ActorFailedError,
  AskTimeoutError,
  InvalidMessageError,
  SystemStoppedError,
  UnknownKindError,
} from "./errors.ts";
import type { EventHook, InternalWork } from "./events.ts";
import { consoleLogger, type Logger } from "./logger.ts";
import { MemoryStateStore } from "./memory_store.ts";
import { MemoryTransport } from "./memory_transport.ts";
import type { DeadLetter, StateStore } from "./store.ts";
import type { Outgoing, Reply, Transport } from "./transport.ts";
import { DurableActivation } from "./_durable.ts";
import {
  type AnyBehavior,
  AskEntry,
  ChildFailedEntry,
  type Host,
  type KindInfo,
  PendingAsk,
  type Poster,
  type Runnable,
} from "./_host.ts";
import { IdleTracker } from "./_idle.ts";
import { LocalActivation } from "./_local.ts";
import { mergePolicy } from "./_supervision.ts";
import { rootedClock, type RootRunner, rootRunner } from "./_root.ts";
import { omitUndefined } from "./optional.ts";

/** Options of {@linkcode ActorSystem}. */
export interface ActorSystemOptions {
  /** Every kind this node can host or address. */
  behaviors: readonly AnyBehavior[];
  /** Delivery for durable kinds (default: a private `MemoryTransport`). */
  transport?: Transport;
  /** State of durable kinds (default: a private `MemoryStateStore`). */
  store?: StateStore;
  /** Time (default: the real clock). */
  clock?: Clock;
  /** Receives runtime events. */
  onEvent?: EventHook;
  /** This node's id when the system creates its own transport (otherwise the transport's `nodeId` is used). */
  nodeId?: string;
  /** Told about every dead letter after it is stored. */
  onDeadLetter?: (letter: DeadLetter) => void;
  /** Lease time-to-live for durable activations (default 30 s; renewed every third of it). */
  leaseTtlMs?: number;
  /** Default `ask` timeout (default 30 s). */
  askTimeoutMs?: number;
  /** Randomness for backoff jitter, 0..1 (default `Math.random`). */
  random?: () => number;
  /** Where the runtime's own failures go (default: the console); each also emits an `internal_failed` event. */
  logger?: Logger;
}

interface LocalKind extends KindInfo {
  readonly local: Map<string, LocalActivation>;
}
interface DurableKind extends KindInfo {
  readonly durable: Map<string, DurableActivation>;
}
type Kind = LocalKind & DurableKind;

const RESOLVED: Promise<void> = Promise.resolve();
const BUDGET = 1024;
// Under the KV transport's 100 checks per atomic commit, so one batch (at most
// one check per distinct actor) is never split across commits.
const OUTBOX_BATCH = 99;
const DEFAULT_IDLE_MS = 60_000;

/**
 * Hosts virtual actors. Local kinds live in memory on this node; durable kinds
 * go through the transport and the state store, and are only processed once
 * {@linkcode ActorSystem.start} has been called.
 *
 * @example
 * ```ts
 * import { ActorSystem } from "./system.ts";
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
 * const system = new ActorSystem({ behaviors: [counter] });
 * system.start();
 * const ref = system.ref<Msg>("counter", "a");
 * await ref.tell({ type: "add", n: 2 });
 * console.assert(await ref.ask<number>({ type: "get" }) === 2);
 * await system.shutdown();
 * ```
 */
export class ActorSystem {
  readonly #core: Core;

  /**
   * A system over `options`; nothing runs until the first message or `start`.
   */
  constructor(options: ActorSystemOptions) {
    this.#core = new Core(options);
  }

  /** This node's id (the transport's). */
  get nodeId(): string {
    return this.#core.transport.nodeId;
  }

  /** Activations currently live on this node. */
  get activations(): number {
    return this.#core.activationCount();
  }

  /** A reference to `(kind, id)`; throws `UnknownKindError` for an unregistered kind. */
  ref<M extends Message = Message, R = unknown>(
    kind: string,
    id: string,
  ): ActorRef<M, R> {
    return this.#core.ref(kind, id) as unknown as ActorRef<M, R>;
  }

  /** Starts taking wake-ups and replies from the transport. Idempotent. */
  start(): void {
    this.#core.start();
  }

  /**
   * Stops taking messages (`SystemStoppedError`), finishes in-flight turns,
   * releases leases, clears timers and closes the transport. Messages of
   * local kinds still queued are dropped (their asks fail with
   * `SystemStoppedError`); those of durable kinds stay in the transport.
   */
  shutdown(): Promise<void> {
    return this.#core.shutdown();
  }
}

/** Why a message was not accepted (a class of its own: `parse` cannot return one). */
class Refusal {
  constructor(readonly error: Error) {}
}

class Ref implements ActorRef<Message> {
  #activation: LocalActivation | undefined;

  constructor(
    readonly core: Core,
    readonly info: Kind,
    readonly address: Address,
    readonly parent: Address | undefined,
    readonly via: Poster | undefined,
  ) {}

  tell(input: Message): Promise<void> {
    const core = this.core;
    const message = this.#admit(input);
    if (message instanceof Refusal) return Promise.reject(message.error);
    if (this.info.behavior.durable) {
      const out = this.#outgoing(message, undefined);
      return this.via ? this.via(out) : core.post(out);
    }
    let activation = this.#activation;
    if (activation === undefined || !activation.alive) {
      try {
        activation = this.#activation = core.localActivation(
          this.info,
          this.address.id,
        );
      } catch (error) {
        return Promise.reject(error); // initialState threw
      }
    }
    activation.mailbox.push(message);
    if (!activation.scheduled && !activation.busy) core.schedule(activation);
    return RESOLVED;
  }

  ask<T = unknown>(
    input: Message,
    options?: { timeoutMs?: number },
  ): Promise<T> {
    const core = this.core;
    const message = this.#admit(input);
    if (message instanceof Refusal) return Promise.reject(message.error);
    const behavior = this.info.behavior;
    const { kind, id } = this.address;
    const timeoutMs = options?.timeoutMs ?? core.askTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const ask = new PendingAsk(
        kind,
        id,
        resolve as (value: unknown) => void,
        reject,
      );
      core.asks.add(ask);
      ask.timer = core.clock.setTimeout(
        () =>
          core.settle(
            ask,
            false,
            new AskTimeoutError(kind, id, message.type, timeoutMs),
          ),
        timeoutMs,
      );
      if (!behavior.durable) {
        let activation = this.#activation;
        if (activation === undefined || !activation.alive) {
          try {
            activation = this.#activation = core.localActivation(
              this.info,
              id,
            );
          } catch (error) {
            core.settle(ask, false, error); // initialState threw
            return;
          }
        }
        activation.mailbox.push(new AskEntry(message, ask));
        if (!activation.scheduled && !activation.busy) {
          core.schedule(activation);
        }
        return;
      }
      const replyTo = `${core.transport.nodeId}:${crypto.randomUUID()}`;
      ask.replyTo = replyTo;
      core.byReplyTo.set(replyTo, ask);
      core.post(this.#outgoing(message, replyTo)).catch((error) =>
        core.settle(ask, false, error)
      );
    });
  }

  /** The message as the kind's `parse` returns it, or why `tell`/`ask` refuse it. */
  #admit(message: Message): Message | Refusal {
    if (this.core.stopping) return new Refusal(new SystemStoppedError());
    const behavior = this.info.behavior;
    if (!behavior.parse) return message;
    try {
      return behavior.parse(message);
    } catch (error) {
      return new Refusal(invalid(this.info.kind, error));
    }
  }

  #outgoing(message: Message, replyTo: string | undefined): Outgoing {
    const out: {
      target: Address;
      message: unknown;
      replyTo?: string;
      parent?: Address;
    } = { target: this.address, message };
    if (replyTo !== undefined) out.replyTo = replyTo;
    if (this.parent !== undefined) out.parent = this.parent;
    return out;
  }
}

interface OutboxItem {
  readonly out: Outgoing;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

class Core implements Host {
  readonly clock: Clock;
  readonly store: StateStore;
  readonly transport: Transport;
  readonly random: () => number;
  readonly emit: EventHook | undefined;
  readonly leaseTtlMs: number;
  readonly askTimeoutMs: number;
  readonly logger: Logger;
  readonly asks = new Set<PendingAsk>();
  readonly byReplyTo = new Map<string, PendingAsk>();
  stopping = false;

  readonly #kinds = new Map<string, Kind>();
  readonly #ownsTransport: boolean;
  readonly #onDeadLetter: ((letter: DeadLetter) => void) | undefined;
  readonly #parents = new Map<string, Address>();
  readonly #children = new Map<string, Address[]>();
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #reminders = new Set<TimerId>();
  #ready: Runnable[] = [];
  #runQueued = false;
  #outbox: OutboxItem[] = [];
  #flushing: Promise<void> | undefined;
  #listening = false;
  #shutdown: Promise<void> | undefined;
  /** Runs work in the context the system was built in (see _root.ts). */
  readonly #root: RootRunner;

  constructor(options: ActorSystemOptions) {
    this.#root = rootRunner();
    // Timers (actor timers, local reminders, renewals, ask timeouts, idle
    // sweeps) fire in the root context, not in the one that set them.
    this.clock = rootedClock(options.clock ?? realClock, this.#root);
    this.store = options.store ?? new MemoryStateStore();
    this.#ownsTransport = options.transport === undefined;
    this.transport = options.transport ??
      new MemoryTransport({
        clock: options.clock ?? realClock,
        ...omitUndefined({ nodeId: options.nodeId }),
      });
    this.random = options.random ?? Math.random;
    this.emit = options.onEvent;
    this.#onDeadLetter = options.onDeadLetter;
    this.leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.askTimeoutMs = options.askTimeoutMs ?? 30_000;
    this.logger = options.logger ?? consoleLogger;
    for (const behavior of options.behaviors) {
      if (this.#kinds.has(behavior.kind)) {
        throw new TypeError(`actor kind "${behavior.kind}" registered twice`);
      }
      this.#kinds.set(behavior.kind, {
        kind: behavior.kind,
        behavior,
        policy: mergePolicy(behavior.supervision),
        idle: new IdleTracker(
          this.clock,
          behavior.idleTimeoutMs ?? DEFAULT_IDLE_MS,
        ),
        local: new Map(),
        durable: new Map(),
      });
    }
  }

  #kind(kind: string): Kind {
    const info = this.#kinds.get(kind);
    if (!info) throw new UnknownKindError(kind, [...this.#kinds.keys()]);
    return info;
  }

  activationCount(): number {
    let n = 0;
    for (const info of this.#kinds.values()) {
      n += info.local.size + info.durable.size;
    }
    return n;
  }

  ref(kind: string, id: string, via?: Poster): ActorRef {
    return new Ref(this, this.#kind(kind), { kind, id }, undefined, via);
  }

  spawn(parent: Address, kind: string, id: string, via?: Poster): ActorRef {
    const info = this.#kind(kind);
    const child = { kind, id };
    const key = addressKey(parent);
    const children = this.#children.get(key) ?? [];
    if (!children.some((c) => c.kind === kind && c.id === id)) {
      children.push(child);
      this.#children.set(key, children);
    }
    this.#parents.set(addressKey(child), parent);
    return new Ref(this, info, child, parent, via);
  }

  parentOf(child: Address): Address | undefined {
    return this.#parents.get(addressKey(child));
  }

  setParent(child: Address, parent: Address): void {
    this.#parents.set(addressKey(child), parent);
  }

  // --- local delivery ---

  localActivation(info: Kind, id: string): LocalActivation {
    let activation = info.local.get(id);
    if (activation === undefined) {
      activation = new LocalActivation(this, info, id);
      info.local.set(id, activation);
      info.idle.add(activation);
      this.emit?.({ type: "activated", kind: info.kind, id });
    }
    return activation;
  }

  schedule(activation: Runnable): void {
    activation.scheduled = true;
    this.#ready.push(activation);
    if (!this.#runQueued) {
      this.#runQueued = true;
      queueMicrotask(this.#runReadyAtRoot);
    }
  }

  /** Local turns run in the root context, whoever scheduled them. */
  #runReadyAtRoot = (): void => this.#root(this.#runReady);

  #runReady = (): void => {
    const ready = this.#ready;
    let i = 0;
    for (; i < ready.length; i++) {
      const activation = ready[i]!;
      activation.scheduled = false;
      try {
        if (activation.run(BUDGET)) {
          activation.scheduled = true;
          ready.push(activation);
        }
      } catch (error) {
        activation.crash(error);
      }
      if (i >= 4096 && i < ready.length - 1) {
        // Many actors keep each other busy: let timers and I/O in.
        this.#ready = ready.slice(i + 1);
        setTimeout(this.#runReadyAtRoot, 0);
        return;
      }
    }
    this.#ready = [];
    this.#runQueued = false;
  };

  removeLocal(
    kind: KindInfo,
    id: string,
    activation: object,
    rest: unknown[],
  ): void {
    const info = kind as Kind;
    if (info.local.get(id) === activation) info.local.delete(id);
    info.idle.delete(activation as LocalActivation);
    if (rest.length === 0 || this.stopping) return;
    const next = this.localActivation(info, id);
    next.mailbox.push(...rest);
    if (!next.scheduled && !next.busy) this.schedule(next);
  }

  remindLocal(target: Address, message: Message, ms: number): void {
    const timer: TimerId = this.clock.setTimeout(() => {
      this.#reminders.delete(timer);
      if (this.stopping) return;
      this.ref(target.kind, target.id).tell(message).catch((error) =>
        this.internalFailed("reminder", target, error)
      );
    }, ms);
    this.#reminders.add(timer);
  }

  // --- durable delivery ---

  /** Posts in call order: one post in flight at a time, batched. */
  post(out: Outgoing): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#outbox.push({ out, resolve, reject });
      if (this.#flushing === undefined) {
        // The transport's local wake-ups start from the flush's context.
        this.#flushing = this.#root(() => this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    await Promise.resolve(); // gather what this tick sends
    while (this.#outbox.length > 0) {
      const batch = this.#outbox.splice(0, OUTBOX_BATCH);
      try {
        await this.transport.post(batch.map((b) => b.out));
        for (const b of batch) b.resolve();
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.reject(error);
          continue;
        }
        // All or nothing per call: find out which messages were refused.
        for (const b of batch) {
          try {
            await this.transport.post([b.out]);
            b.resolve();
          } catch (each) {
            b.reject(each);
          }
        }
      }
    }
    this.#flushing = undefined;
  }

  /** Resolves once the actor's lease is taken (or held elsewhere); see {@linkcode DurableActivation.acquired}. */
  wake = (target: Address): Promise<void> | undefined => {
    // Refused, not dropped: the transport keeps the wake-up for a node that
    // still runs (the KV queue redelivers a rejected message).
    if (this.stopping) return Promise.reject(new SystemStoppedError());
    const info = this.#kinds.get(target.kind);
    if (!info || !info.behavior.durable) return;
    const current = info.durable.get(target.id);
    if (current) {
      current.nudge();
      return current.acquired;
    }
    const activation = new DurableActivation(this, info, target.id);
    info.durable.set(target.id, activation);
    activation.start();
    return activation.acquired;
  };

  removeDurable(kind: KindInfo, id: string, activation: object): void {
    const info = kind as Kind;
    if (info.durable.get(id) === activation) info.durable.delete(id);
  }

  #onReply = (reply: Reply): void => {
    const ask = this.byReplyTo.get(reply.replyTo);
    if (!ask) return;
    this.settle(
      ask,
      reply.ok,
      reply.ok
        ? reply.value
        : new ActorFailedError(ask.kind, ask.id, reply.value),
    );
  };

  reply(replyTo: string, ok: boolean, value: unknown): void {
    const reply: Reply = { replyTo, ok, value };
    if (replyTo.startsWith(`${this.transport.nodeId}:`)) {
      this.#onReply(reply);
    } else {
      this.transport.sendReply(reply).catch((error) =>
        this.internalFailed("reply", parseReplyNode(replyTo), error)
      );
    }
  }

  settle(ask: PendingAsk, ok: boolean, value: unknown): void {
    if (ask.settled) return;
    ask.settled = true;
    if (ask.timer !== undefined) this.clock.clearTimeout(ask.timer);
    this.asks.delete(ask);
    if (ask.replyTo !== undefined) this.byReplyTo.delete(ask.replyTo);
    if (ok) ask.resolve(value);
    else ask.reject(value);
  }

  // --- supervision ---

  async deadLetter(letter: DeadLetter): Promise<void> {
    await this.store.deadLetter(letter);
    try {
      this.#onDeadLetter?.(letter);
    } catch {
      // The handler's failure must not stop the actor.
    }
  }

  notifyParent(
    child: Address,
    error: string,
    outcome: ChildFailure["outcome"],
  ): void {
    const parent = this.parentOf(child);
    if (parent === undefined) return;
    const failure: ChildFailure = {
      child: { kind: child.kind, id: child.id },
      error,
      outcome,
    };
    const info = this.#kinds.get(parent.kind);
    if (info && !info.behavior.durable) {
      if (this.stopping) return;
      const activation = this.localActivation(info, parent.id);
      activation.mailbox.push(new ChildFailedEntry(failure));
      if (!activation.scheduled && !activation.busy) this.schedule(activation);
      return;
    }
    this.post({ target: parent, message: failure, control: "child_failed" })
      .catch((error) => this.internalFailed("child_failed", parent, error));
  }

  restartSiblings(
    parent: Address,
    failed: Address,
    strategy: ChildStrategy,
  ): void {
    if (strategy === "one_for_one") return;
    const children = this.#children.get(addressKey(parent)) ?? [];
    const at = children.findIndex((c) =>
      c.kind === failed.kind && c.id === failed.id
    );
    const targets = strategy === "one_for_all"
      ? children.filter((_, i) => i !== at)
      : at < 0
      ? []
      : children.slice(at + 1);
    for (const target of targets) {
      const info = this.#kinds.get(target.kind);
      if (info && !info.behavior.durable) {
        info.local.get(target.id)?.requestRestart();
      } else {
        this.post({ target, message: { type: "restart" }, control: "restart" })
          .catch((error) => this.internalFailed("restart", target, error));
      }
    }
  }

  internalFailed(what: InternalWork, target: Address, error: unknown): void {
    // Refusals while stopping are expected: durable work stays in the transport.
    if (this.stopping && error instanceof SystemStoppedError) return;
    const text = error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
    try {
      this.emit?.({
        type: "internal_failed",
        kind: target.kind,
        id: target.id,
        what,
        error: text,
      });
      this.logger.warn(`runtime ${what.replace("_", " ")} failed`, {
        component: "runtime",
        actor: addressKey(target),
        what,
        error: text,
      });
    } catch {
      // A throwing hook or logger must not take the runtime down with it.
    }
  }

  // --- lifecycle ---

  track(work: Promise<unknown>): void {
    this.#inflight.add(work);
    work.finally(() => this.#inflight.delete(work)).catch(() => {});
  }

  start(): void {
    if (this.#listening || this.stopping) return;
    this.#listening = true;
    // Whatever context the transport calls from (a poster's flush, a queue
    // listener), activations start and replies settle from the root context.
    this.transport.listen({
      wake: (target) => this.#root(() => this.wake(target)),
      reply: (reply) => this.#root(() => this.#onReply(reply)),
    });
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= this.#stop();
    return this.#shutdown;
  }

  async #stop(): Promise<void> {
    this.stopping = true;
    while (this.#flushing) await this.#flushing;
    for (const info of this.#kinds.values()) {
      for (const a of info.local.values()) a.abortWait();
      for (const a of info.durable.values()) a.abortWait();
    }
    while (this.#inflight.size > 0) {
      await Promise.allSettled([...this.#inflight]);
    }
    const releases: Promise<void>[] = [];
    for (const info of this.#kinds.values()) {
      for (const a of info.local.values()) a.shutdown();
      info.local.clear();
      for (const a of info.durable.values()) releases.push(a.shutdown());
      info.durable.clear();
      info.idle.clear();
    }
    await Promise.allSettled(releases);
    for (const timer of this.#reminders) this.clock.clearTimeout(timer);
    this.#reminders.clear();
    const stopped = new SystemStoppedError();
    for (const ask of [...this.asks]) this.settle(ask, false, stopped);
    await this.transport.close();
    if (this.#ownsTransport && this.transport instanceof MemoryTransport) {
      this.transport.dispose();
    }
  }
}

/** The asking node of a `replyTo` ("node:id"), as an address for reports. */
function parseReplyNode(replyTo: string): Address {
  const at = replyTo.indexOf(":");
  return { kind: "ask", id: at < 0 ? replyTo : replyTo.slice(0, at) };
}

function invalid(kind: string, error: unknown): InvalidMessageError {
  if (error instanceof InvalidMessageError) return error;
  const issues = typeof error === "object" && error !== null &&
      "issues" in error && Array.isArray(error.issues)
    ? (error.issues as { path?: unknown[]; message?: string }[]).map((i) => ({
      path: (i.path ?? []).map(String).join("."),
      message: i.message ?? "invalid",
    }))
    : [{
      path: "",
      message: error instanceof Error ? error.message : String(error),
    }];
  return new InvalidMessageError(kind, issues);
}
