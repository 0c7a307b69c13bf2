/**
 * The runtime's error classes. Each carries the context needed to act on it.
 *
 * @module
 */

/** Base class of every error the runtime throws. */
export class RuntimeError extends Error {
  /** The error's class name. */
  override name = "RuntimeError";
}

/** An `ask` got no reply in time. */
export class AskTimeoutError extends RuntimeError {
  /** The error's class name. */
  override name = "AskTimeoutError";
  /** Names the actor asked, the message type and the timeout that ran out. */
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly messageType: string,
    readonly timeoutMs: number,
  ) {
    super(
      `ask ${kind}/${id} (${messageType}) got no reply within ${timeoutMs} ms`,
    );
  }
}

/** A message was addressed to a kind that was never registered. */
export class UnknownKindError extends RuntimeError {
  /** The error's class name. */
  override name = "UnknownKindError";
  /** Names the unknown kind and the kinds that are registered. */
  constructor(readonly kind: string, readonly known: readonly string[]) {
    super(
      `unknown actor kind "${kind}"; registered kinds: ${
        known.join(", ") || "(none)"
      }`,
    );
  }
}

/** A message failed its kind's schema; nothing was enqueued. */
export class InvalidMessageError extends RuntimeError {
  /** The error's class name. */
  override name = "InvalidMessageError";
  /** Names the kind and every schema issue (path and message). */
  constructor(
    readonly kind: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(
      `invalid message for ${kind}: ${
        issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")
      }`,
    );
  }
}

/** A serialized message or state is larger than the backend accepts. */
export class PayloadTooLargeError extends RuntimeError {
  /** The error's class name. */
  override name = "PayloadTooLargeError";
  /** Names what was too large, its size and the limit, in bytes. */
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `${what} is ${bytes} bytes, over the ${limit}-byte limit; store large data elsewhere and send a reference`,
    );
  }
}

/** An optimistic write lost: someone else committed a newer version first. */
export class VersionConflictError extends RuntimeError {
  /** The error's class name. */
  override name = "VersionConflictError";
  /** Names the actor and the version the write expected. */
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly expected: number,
  ) {
    super(`state of ${kind}/${id} is no longer at version ${expected}`);
  }
}

/** The receiving actor was stopped or its message was dead-lettered. */
export class ActorFailedError extends RuntimeError {
  /** The error's class name. */
  override name = "ActorFailedError";
  /** Names the actor and the error that made it fail (`cause`). */
  constructor(
    readonly kind: string,
    readonly id: string,
    override readonly cause: unknown,
  ) {
    super(
      `${kind}/${id} failed: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
    );
  }
}

/** The system is shutting down and takes no new messages. */
export class SystemStoppedError extends RuntimeError {
  /** The error's class name. */
  override name = "SystemStoppedError";
  constructor() {
    super("the actor system is stopped");
  }
}
