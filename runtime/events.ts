/**
 * What the runtime reports about itself, for metrics and logs.
 *
 * @module
 */

/** One observation; `kind` is the actor kind, never an id, to keep cardinality low. */
export type RuntimeEvent =
  | { type: "activated"; kind: string; id: string }
  | { type: "passivated"; kind: string; id: string }
  | {
    type: "processed";
    kind: string;
    id: string;
    messageType: string;
    durationMs: number;
  }
  | {
    type: "failed";
    kind: string;
    id: string;
    messageType: string;
    error: string;
    attempt: number;
  }
  | { type: "restarted"; kind: string; id: string; delayMs: number }
  | { type: "stopped"; kind: string; id: string; reason: string }
  | {
    type: "dead_lettered";
    kind: string;
    id: string;
    messageType: string;
    error: string;
  }
  | { type: "mailbox_depth"; kind: string; id: string; depth: number }
  | {
    /** Work the runtime does on its own (off any caller's path) failed; also logged. */
    type: "internal_failed";
    /** The actor the work was for. */
    kind: string;
    id: string;
    what: InternalWork;
    error: string;
  };

/** The runtime's own work that can fail with nobody waiting for it. */
export type InternalWork =
  | "child_failed"
  | "restart"
  | "reply"
  | "reminder"
  | "timer"
  | "dead_letter"
  | "release";

/** Receives runtime events; must not throw and should not block. */
export type EventHook = (event: RuntimeEvent) => void;
