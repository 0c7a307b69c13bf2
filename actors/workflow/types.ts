/**
 * The agent graph's vocabulary: its node names, the files it writes, what
 * `analyze` finds and the progress it reports. A leaf module of types (and
 * the node-name list), shared by the graph, its prompts and the build
 * actor's messages, so none of them needs to import another.
 *
 * @module
 */
import type { TestReport } from "./tools/sandbox.ts";

export type { TestReport } from "./tools/sandbox.ts";

/** One file written by the model (or by the docs tool). */
export interface GeneratedFile {
  /** Where the file goes, relative to the workspace. */
  readonly path: string;
  /** The file's text. */
  readonly content: string;
  /** What the file is for. */
  readonly kind: "source" | "test" | "doc";
}

/** What `analyze` found out about the requirements. */
export interface Analysis {
  /** How hard the build looks. */
  readonly complexity: "low" | "medium" | "high";
  /** Packages the requirements call for. */
  readonly dependencies: readonly string[];
  /** Retrieved context (similar code, docs, best practices, earlier builds). */
  readonly context: readonly string[];
}

/** The graph's nodes, in the order a build meets them (`fail` only on failure). */
export const NODE_NAMES = [
  "analyze",
  "plan",
  "generate",
  "test",
  "finalize",
  "fail",
] as const;

/** The graph's nodes. */
export type NodeName = typeof NODE_NAMES[number];

/** What the graph reports while it runs; the workflow actor forwards it to the build actor. */
export type WorkflowProgress =
  | { type: "step"; node: NodeName; attempt: number }
  | { type: "tokens"; node: NodeName; count: number; tail: string }
  | {
    type: "tests";
    attempt: number;
    status: TestReport["status"];
    passed: number;
    failed: number;
    /** Why the run did not pass (the sandbox's reason, refused imports). */
    reason?: string;
  }
  | { type: "retry"; node: NodeName; attempt: number; reason: string }
  | { type: "warning"; node: NodeName; message: string };
