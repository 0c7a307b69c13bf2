/**
 * The messages the build and workflow actors exchange, each a zod schema and
 * the type derived from it (`z.infer`), so a validator and its type cannot
 * drift apart. Both actors import from here and neither imports the other
 * (this module breaks the old `build.ts` <-> `workflow.ts` cycle).
 *
 * @module
 */
import { z } from "zod";
import { NODE_NAMES, type WorkflowProgress } from "./workflow/types.ts";

export type { NodeName, WorkflowProgress } from "./workflow/types.ts";

/** The build actor kind. */
export const BUILD_KIND = "build";

/** The workflow actor kind. */
export const WORKFLOW_KIND = "workflow";

/** The graph's nodes, as the build actor accepts them. */
const nodeNameSchema = z.enum(NODE_NAMES);

/** The schema of `BuildResultSummary`. */
const buildResultSummarySchema = z.object({
  outcome: z.enum(["succeeded", "failed", "cancelled"]),
  attempts: z.number().int().min(0),
  files: z.array(z.string()).readonly(),
  tests: z.object({
    status: z.string(),
    passed: z.number(),
    failed: z.number(),
  }).readonly().nullable(),
  scores: z.object({
    security: z.number(),
    quality: z.number(),
    maintainability: z.number(),
  }).readonly().nullable(),
}).readonly();

/** What a finished workflow reports. */
export type BuildResultSummary = z.infer<typeof buildResultSummarySchema>;

/**
 * A progress event from the graph. The build actor checks only that it is an
 * object with a string `type` (it logs every event it is given); the type is
 * the graph's {@linkcode WorkflowProgress}.
 */
const progressEventSchema = z.custom<WorkflowProgress>(
  (value) =>
    typeof value === "object" && value !== null &&
    typeof (value as { type?: unknown }).type === "string",
  { message: "expected an event object with a string type" },
);

/** The schema of {@linkcode BuildMessage}. */
export const buildMessageSchema = z.discriminatedUnion("type", [
  /** Starts the workflow of an existing, queued build. */
  z.object({ type: z.literal("start") }),
  /** Cancels the build unless it already finished; replies a `CancelReply`. */
  z.object({
    type: z.literal("cancel"),
    reason: z.string().max(500).optional(),
    /** Who asked (audited with the change); absent for the system. */
    by: z.object({
      userId: z.uuid().nullable(),
      ip: z.string().max(64).nullable().optional(),
    }).optional(),
  }),
  /** Replies with the build's status. */
  z.object({ type: z.literal("get") }),
  /** From the workflow: a graph node started. */
  z.object({
    type: z.literal("step"),
    node: nodeNameSchema,
    attempt: z.number().int().min(0),
  }),
  /** From the workflow: anything else worth showing (tokens, tests, retries). */
  z.object({ type: z.literal("progress"), event: progressEventSchema }),
  /** From the workflow: the build succeeded. */
  z.object({
    type: z.literal("completed"),
    summary: buildResultSummarySchema,
  }),
  /** From the workflow: the build failed. */
  z.object({
    type: z.literal("failed"),
    error: z.string(),
    node: nodeNameSchema,
    summary: buildResultSummarySchema.optional(),
  }),
]);

/** Messages of the build actor. */
export type BuildMessage = z.infer<typeof buildMessageSchema>;

/** The schema of {@linkcode WorkflowMessage}. */
export const workflowMessageSchema = z.object({
  type: z.literal("run"),
  buildId: z.string(),
});

/** Messages of the workflow actor: run (or resume) the build's graph. */
export type WorkflowMessage = z.infer<typeof workflowMessageSchema>;
