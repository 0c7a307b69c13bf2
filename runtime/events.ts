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
  | { type: "mailbox_depth"; kind: string; id: string; depth: number };

/** Receives runtime events; must not throw and should not block. */
export type EventHook = (event: RuntimeEvent) => void;
