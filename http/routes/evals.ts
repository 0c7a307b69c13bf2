/**
 * Admin routes of the eval harness (eval/): `POST /v1/admin/evals` starts a
 * run in the background and answers 202 with its id; `GET
 * /v1/admin/evals/{id}` gives its status, progress and, when done, the
 * report (per-model summaries and per-task results). Runs are kept in the
 * `evals` table. Admins only (403 `insufficient_role` for everyone else).
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { RouteModule } from "../app.ts";
import { principalOf, requireRole } from "../middleware/auth.ts";
import { authErrorResponses, badRequestResponse } from "../schemas.ts";
import { ApiError } from "../errors.ts";
import type { EvalProgress } from "../../eval/runner.ts";
import type { EvalReport, EvalSettings } from "../../eval/result.ts";
import {
  createEvalRun,
  finishEvalRun,
  getEvalRun,
  updateEvalProgress,
} from "../../storage/evals.ts";
import type { Db } from "../../storage/schema.ts";
import { errorResponse, IdParamSchema, notFound } from "./_shared.ts";
import { omitUndefined } from "../../runtime/optional.ts";

/** Runs an eval: the platform passes one that calls `runEval` with its configuration. */
export type EvalStarter = (
  settings: EvalSettings,
  onProgress: (progress: EvalProgress) => void,
) => Promise<EvalReport>;

/** What the eval routes need. */
export interface EvalRouteDeps {
  readonly db: Db;
  readonly run: EvalStarter;
  /** Model used when the request names none (OLLAMA_MODEL). */
  readonly defaultModel: string;
  /** Attempts when the request gives none (BUILD_TEST_RETRIES + 1). */
  readonly defaultAttempts: number;
  /** Task ids known to the harness, to refuse a `tasks` pattern matching none. */
  readonly matchesAnyTask?: (pattern: string) => Promise<boolean>;
}

const StartEvalSchema = z.object({
  models: z.array(z.string().trim().min(1).max(200)).min(1).max(10)
    .optional().openapi({
      description:
        "Ollama models to compare (default: the node's OLLAMA_MODEL)",
      example: ["qwen2.5-coder:7b", "qwen2.5-coder:14b"],
    }),
  tasks: z.string().trim().min(1).max(500).optional().openapi({
    description: "Comma-separated globs over task ids (default: every task)",
    example: "ts_*,js_lru*",
  }),
  attempts: z.number().int().min(1).max(11).optional().openapi({
    description:
      "Generate -> test rounds per task (default: BUILD_TEST_RETRIES + 1)",
  }),
  concurrency: z.number().int().min(1).max(32).default(2),
}).strict().openapi("StartEval");

const EvalRunSchema = z.object({
  id: z.uuid(),
  status: z.enum(["running", "succeeded", "failed"]),
  settings: z.unknown(),
  progress: z.unknown().openapi({
    description:
      "Latest progress: model, done, total, passed (null before the first task ends)",
  }),
  report: z.unknown().openapi({
    description:
      "settings, summaries (per model: pass@1, pass@last, malformed rate, medians, mean scores) and results (per task); null until done",
  }),
  error: z.string().nullable(),
  createdAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
}).openapi("EvalRun");

const security = [{ bearerAuth: [] }];
const tags = ["admin"];
const forbidden = { 403: errorResponse("Not an admin") };

const startRoute = createRoute({
  method: "post",
  path: "/v1/admin/evals",
  tags,
  summary:
    "Start an eval run of the task set through this platform (background)",
  security,
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: StartEvalSchema } },
    },
  },
  responses: {
    202: {
      description: "Started",
      content: {
        "application/json": {
          schema: z.object({
            id: z.uuid(),
            status: z.literal("running"),
            links: z.object({ self: z.string() }),
          }).openapi("EvalStarted"),
        },
      },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...forbidden,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/admin/evals/{id}",
  tags,
  summary: "An eval run: status, progress and report",
  security,
  request: { params: IdParamSchema },
  responses: {
    200: {
      description: "The run",
      content: { "application/json": { schema: EvalRunSchema } },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...forbidden,
    404: errorResponse("No such eval"),
  },
});

/** The eval routes, as a route module for `createApp`. */
export function evalRoutes(deps: EvalRouteDeps): RouteModule {
  return (app) => {
    app.use("/v1/admin/evals", requireRole("admin"));
    app.use("/v1/admin/evals/*", requireRole("admin"));

    app.openapi(startRoute, async (c) => {
      const body = c.req.valid("json");
      const { user } = principalOf(c);
      if (
        body.tasks !== undefined && deps.matchesAnyTask &&
        !(await deps.matchesAnyTask(body.tasks))
      ) {
        throw new ApiError(
          400,
          "validation_failed",
          `tasks: no task matches "${body.tasks}"`,
        );
      }
      const settings: EvalSettings = {
        models: body.models ?? [deps.defaultModel],
        ...omitUndefined({ tasks: body.tasks }),
        attempts: body.attempts ?? deps.defaultAttempts,
        concurrency: body.concurrency,
      };
      const id = await createEvalRun(deps.db, {
        createdBy: user.id,
        settings,
      });
      // In the background: the request ends now, the run writes its outcome.
      let lastWrite = Promise.resolve();
      void deps.run(settings, (p) => {
        lastWrite = lastWrite.then(() =>
          updateEvalProgress(deps.db, id, {
            model: p.model,
            modelIndex: p.modelIndex,
            models: p.models,
            done: p.done,
            total: p.total,
            passed: p.passed,
          })
        ).catch(() => {});
      }).then(
        async (report) => {
          await lastWrite;
          await finishEvalRun(deps.db, id, { report });
        },
        async (error) => {
          await lastWrite;
          await finishEvalRun(deps.db, id, {
            error: error instanceof Error ? error.message : String(error),
          });
        },
      ).catch(() => {});
      const self = `/v1/admin/evals/${id}`;
      return c.json(
        { id, status: "running" as const, links: { self } },
        202,
        { Location: self },
      );
    });

    app.openapi(getRoute, async (c) => {
      const { id } = c.req.valid("param");
      const run = await getEvalRun(deps.db, id);
      if (!run) throw notFound("eval", "eval_not_found");
      return c.json({
        id: run.id,
        status: run.status,
        settings: run.settings,
        progress: run.progress,
        report: run.report,
        error: run.error,
        createdAt: run.createdAt.toISOString(),
        finishedAt: run.finishedAt?.toISOString() ?? null,
      }, 200);
    });
  };
}
