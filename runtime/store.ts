/**
 * Where durable actors keep their state.
 *
 * @module
 */
import type { Outgoing } from "./transport.ts";

/** A committed snapshot of one actor. */
export interface StoredState {
  /** The actor's state as committed. */
  readonly state: unknown;
  /** Incremented by every successful save; 0 means never saved. */
  readonly version: number;
  /** The sequence number of the last message whose effect is in `state`. */
  readonly lastSeq: number;
}

/** A failed message kept for inspection and retry. */
export interface DeadLetter {
  /** Kind of the actor the message was for. */
  readonly kind: string;
  /** Id of the actor the message was for. */
  readonly id: string;
  /** The message's sequence number in that actor's mailbox. */
  readonly seq: number;
  /** The message that failed. */
  readonly message: unknown;
  /** The last error it raised, as text. */
  readonly error: string;
  /** How many times it was tried. */
  readonly attempts: number;
  /** Epoch ms when it was given up on. */
  readonly at: number;
}

/**
 * Durable state of actors. Implementations: `MemoryStateStore` here and
 * `PostgresStateStore` in storage/. Every implementation passes
 * tests/runtime/store_conformance.ts.
 */
export interface StateStore {
  /** The last committed snapshot, or `undefined` if the actor never saved. */
  load(kind: string, id: string): Promise<StoredState | undefined>;
  /**
   * Commits `state` and `lastSeq` together, only if the stored version is still
   * `expectedVersion` (0 for a first save). Returns the new version; throws
   * `VersionConflictError` otherwise, changing nothing.
   */
  save(
    kind: string,
    id: string,
    snapshot: { state: unknown; lastSeq: number; fence: number },
    expectedVersion: number,
  ): Promise<number>;
  /**
   * Optional: a transactional outbox. Commits like {@linkcode save} and, in
   * the same transaction, posts `outgoing` (the durable tells of the turn
   * that produced `state`): either the state, the processed `lastSeq` and the
   * messages are all committed, or none is. A store that has it makes the
   * runtime hold a turn's durable tells until the turn commits, so a
   * redelivered turn neither changes state twice nor sends twice. Without
   * it, tells are posted as the turn makes them (at least once).
   */
  saveAndPost?(
    kind: string,
    id: string,
    snapshot: { state: unknown; lastSeq: number; fence: number },
    expectedVersion: number,
    outgoing: readonly Outgoing[],
  ): Promise<number>;
  /** Records a dead letter. */
  deadLetter(letter: DeadLetter): Promise<void>;
  /** Dead letters, oldest first. */
  deadLetters(
    filter?: { kind?: string; limit?: number },
  ): Promise<DeadLetter[]>;
}
