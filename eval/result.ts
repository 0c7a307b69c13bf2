/**
 * What an eval records: one {@linkcode TaskResult} per task and model, a
 * {@linkcode ModelSummary} per model and the {@linkcode EvalReport} that holds
 * them (written as JSON, stored in the `evals` table, served by the API).
 *
 * @module
 */
import { z } from "zod";
import type { Infer, ZodObject } from "./_outside_types.ts";

/** Analysis scores of a build (0-100). */
export const ScoresSchema = z.object({
  security: z.number(),
  quality: z.number(),
  maintainability: z.number(),
});

/** The fields of one task result, one zod schema each. */
const taskResultShape = {
  taskId: z.string(),
  model: z.string(),
  language: z.string(),
  difficulty: z.string(),
  buildId: z.string().nullable(),
  /** The build's final status, or `not_run` when the platform never took it. */
  buildStatus: z.string(),
  /** The hidden tests passed on the build's final files (and the build succeeded). */
  passed: z.boolean(),
  /** Passed with the first generation (no test-failure round). */
  passedFirst: z.boolean(),
  /** Generate -> test rounds used. */
  attempts: z.number().int(),
  /** Model answers that could not be read (each corrective retry, and the last unreadable answer). */
  malformed: z.number().int(),
  modelCalls: z.number().int(),
  /** Ollama's prompt_eval_count, summed over the task's model calls. */
  tokensIn: z.number().int(),
  /** Ollama's eval_count, summed. */
  tokensOut: z.number().int(),
  /** From creating the build to the hidden tests' verdict. */
  wallMs: z.number(),
  /** Of which waiting for the model. */
  modelMs: z.number(),
  /** Of which in the sandbox (the build's last test run and the hidden run). */
  sandboxMs: z.number(),
  scores: ScoresSchema.nullable(),
  hidden: z.object({
    status: z.string(),
    passed: z.number().int(),
    failed: z.number().int(),
    reason: z.string().optional(),
  }).nullable(),
  /** Why it failed, one line (absent when passed). */
  reason: z.string().optional(),
};

/**
 * The type of those fields' schemas.
 * @internal
 */
type TaskResultShape = typeof taskResultShape;

/** One task run through one model. */
export const TaskResultSchema: ZodObject<TaskResultShape> = z.object(
  taskResultShape,
);

/** One task through one model. */
export type TaskResult = Infer<typeof TaskResultSchema>;

/** The fields of a model summary, one zod schema each. */
const modelSummaryShape = {
  model: z.string(),
  tasks: z.number().int(),
  passedFirst: z.number().int(),
  passedLast: z.number().int(),
  /** Share passed after the first attempt (0-1). */
  passRateFirst: z.number(),
  /** Share passed after the last attempt (0-1). */
  passRateLast: z.number(),
  /** Share of tasks with at least one malformed answer (0-1). */
  malformedRate: z.number(),
  malformedAnswers: z.number().int(),
  /** Tasks the platform could not run (build not created, model down, ...). */
  notRun: z.number().int(),
  medianWallMs: z.number(),
  medianTokensIn: z.number(),
  medianTokensOut: z.number(),
  meanAttempts: z.number(),
  /** Means over the tasks that have scores; null when none has. */
  meanScores: ScoresSchema.nullable(),
  /** Seconds to start the eval node, shared by the run's models (not in any task's time). */
  nodeStartSeconds: z.number(),
};

/**
 * The type of those fields' schemas.
 * @internal
 */
type ModelSummaryShape = typeof modelSummaryShape;

/** Per-model figures. */
export const ModelSummarySchema: ZodObject<ModelSummaryShape> = z.object(
  modelSummaryShape,
);

/** Per-model figures. */
export type ModelSummary = Infer<typeof ModelSummarySchema>;

/** The fields of the settings, one zod schema each. */
const evalSettingsShape = {
  models: z.array(z.string().min(1).max(200)).min(1).max(10),
  tasks: z.string().max(500).optional(),
  attempts: z.number().int().min(1).max(11),
  concurrency: z.number().int().min(1).max(32),
};

/**
 * The type of those fields' schemas.
 * @internal
 */
type EvalSettingsShape = typeof evalSettingsShape;

/** The settings a run used. */
export const EvalSettingsSchema: ZodObject<EvalSettingsShape> = z.object(
  evalSettingsShape,
);

/** The settings a run used. */
export type EvalSettings = Infer<typeof EvalSettingsSchema>;

/** The fields of a report, one zod schema each. */
const evalReportShape = {
  settings: EvalSettingsSchema,
  startedAt: z.string(),
  finishedAt: z.string(),
  taskIds: z.array(z.string()),
  summaries: z.array(ModelSummarySchema),
  results: z.array(TaskResultSchema),
};

/**
 * The type of those fields' schemas.
 * @internal
 */
type EvalReportShape = typeof evalReportShape;

/** A whole run. */
export const EvalReportSchema: ZodObject<EvalReportShape> = z.object(
  evalReportShape,
);

/** A whole run. */
export type EvalReport = Infer<typeof EvalReportSchema>;
