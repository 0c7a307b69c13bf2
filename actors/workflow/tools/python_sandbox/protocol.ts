/**
 * The line protocol between the parent and a Python sandbox process: one JSON
 * object per line. The parent writes the start-up snapshot (a
 * {@linkcode SnapshotHeader} line and the raw bytes) when it has one, a `boot` line (the runner's Python
 * sources) then a `job` line (the files to test) on the child's stdin; the
 * child answers with {@linkcode WorkerEvent}s on stdout.
 *
 * @module
 */

import { z } from "zod";

/** A file handed to the sandbox, relative to the workspace root. */
export const SandboxFileSchema = z.object({
  path: z.string(),
  content: z.string(),
});
/** A file handed to the sandbox (what {@link SandboxFileSchema} accepts). */
export interface SandboxFile {
  /** Path relative to the workspace root. */
  path: string;
  /** The file's text. */
  content: string;
}

/**
 * Parent -> child, first when the child restores the start-up snapshot: this
 * line, then `size` raw bytes of the snapshot.
 */
export interface SnapshotHeader {
  type: "snapshot";
  /** Bytes of the snapshot that follow the line. */
  size: number;
}

/** Parent -> child, the first line (after the snapshot, if any): the Python sources of the runner. */
export interface BootMessage {
  type: "boot";
  /** Source of `_troupe_runner.py`. */
  runner: string;
  /** Source of the `pytest` compatibility module. */
  pytest: string;
}

/** Parent -> child, second line: what to run. */
export interface JobMessage {
  type: "job";
  files: SandboxFile[];
  /** The test files among `files`, chosen by the language's test-file rule (actors/languages/python.ts). */
  testFiles: string[];
  /** Most tests collected; more is a failed run. */
  maxTests: number;
  /** Most characters of output the child sends. */
  maxOutputChars: number;
  /** Install the Python-level import guard (off only to test the permission layer). */
  guard: boolean;
}

const FailureSchema = z.object({
  name: z.string(),
  file: z.string(),
  message: z.string(),
});

const RefusalSchema = z.object({ specifier: z.string(), reason: z.string() });

/** Child -> parent events. */
export const WorkerEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("ready"),
    loadMs: z.number(),
    /** Whether the process restored the start-up snapshot (else it booted Python itself). */
    fromSnapshot: z.boolean(),
  }),
  z.object({
    type: z.literal("collected"),
    testFiles: z.array(z.string()),
    tests: z.array(
      z.object({ id: z.string(), name: z.string(), file: z.string() }),
    ),
    errors: z.array(FailureSchema),
    refused: z.array(RefusalSchema),
    exit: z.object({ file: z.string(), code: z.string(), message: z.string() })
      .nullable(),
  }),
  z.object({ type: z.literal("start"), id: z.string() }),
  z.object({
    type: z.literal("result"),
    id: z.string(),
    outcome: z.enum(["passed", "failed", "ignored"]),
    message: z.string(),
  }),
  z.object({ type: z.literal("output"), text: z.string() }),
  z.object({
    type: z.literal("outputCut"),
    dropped: z.number(),
    tail: z.string(),
  }),
  z.object({
    type: z.literal("finished"),
    errors: z.array(z.string()),
    refused: z.array(RefusalSchema),
  }),
  z.object({ type: z.literal("fatal"), message: z.string() }),
]);

/** One event from the child. */
export type WorkerEvent = z.infer<typeof WorkerEventSchema>;
