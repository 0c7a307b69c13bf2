/**
 * The runtime's error classes. Each carries the context needed to act on it.
 *
 * @module
 */

/** Base class of every error the runtime throws. */
export class RuntimeError extends Error {
  override name = "RuntimeError";
}

/** An `ask` got no reply in time. */
export class AskTimeoutError extends RuntimeError {
  override name = "AskTimeoutError";
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
  override name = "UnknownKindError";
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
  override name = "InvalidMessageError";
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
  override name = "PayloadTooLargeError";
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
  override name = "VersionConflictError";
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
  override name = "ActorFailedError";
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
  override name = "SystemStoppedError";
  constructor() {
    super("the actor system is stopped");
  }
}
