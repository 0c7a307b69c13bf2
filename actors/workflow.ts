/**
 * The workflow actor: one run of a build's agent graph, keyed by build id.
 * It is the build actor's child. On `run` it starts the graph, or resumes it
 * from its last checkpoint when an earlier run was cut short (a redelivered
 * `run` after a crash), so completed nodes are not run again. Progress goes
 * to the build actor as it happens; artifacts (plan, files, test report,
 * analysis) are written to the build's row before the final message.
 *
 * @module
 */
import { defineActor } from "../runtime/actor.ts";
import type { Clock } from "../runtime/clock.ts";
import { isTerminalStatus, loadBuild, updateBuild } from "../storage/builds.ts";
import { saveCodeAnalysis } from "../storage/code_analyses.ts";
import { StateError } from "../storage/errors.ts";
import type { Db } from "../storage/schema.ts";
import {
  createWorkflowGraph,
  rememberResult,
  runConfig,
  type WorkflowDeps,
  type WorkflowProgress,
  type WorkflowStateValue,
} from "./workflow/graph.ts";
import {
  BUILD_KIND,
  type BuildMessage,
  type BuildResultSummary,
  WORKFLOW_KIND,
  type WorkflowMessage,
  workflowMessageSchema,
} from "./build_messages.ts";
import { omitUndefined } from "../runtime/optional.ts";

export {
  type BuildResultSummary,
  WORKFLOW_KIND,
  type WorkflowMessage,
} from "./build_messages.ts";

/** What the workflow actor remembers between messages. */
export interface WorkflowActorState {
  readonly phase: "idle" | "done";
  readonly outcome: "succeeded" | "failed" | "cancelled" | null;
}

/** Dependencies of {@linkcode workflowBehavior}. */
export interface WorkflowActorDeps {
  readonly db: Db;
  /** The graph's tools and services; progress and cancellation are wired by the actor. */
  readonly graph: Omit<WorkflowDeps, "onProgress" | "isCancelled">;
  /**
   * Aborted when this node shuts down: a running graph stops at once, the
   * `run` message stays in the mailbox, and whichever node takes the
   * workflow next resumes it from the last checkpoint (only the interrupted
   * node runs again).
   */
  readonly stopSignal?: AbortSignal;
  /** How often, at most, a running build re-reads its status for cancellation (default 500 ms). */
  readonly cancelCheckMs?: number;
  readonly clock?: Clock;
}

/**
 * The workflow actor's behaviour.
 *
 * @example
 * ```ts ignore
 * const system = new ActorSystem({
 *   behaviors: [buildBehavior({ db }), workflowBehavior({ db, graph: createWorkflowDeps(...) })],
 *   transport, store,
 * });
 * ```
 */
export function workflowBehavior(deps: WorkflowActorDeps) {
  const clock = deps.graph.clock;
  const cancelCheckMs = deps.cancelCheckMs ?? 500;

  return defineActor<WorkflowActorState, WorkflowMessage>({
    kind: WORKFLOW_KIND,
    durable: true,
    idleTimeoutMs: 10_000,
    // One turn runs the whole graph, and a step's report must be posted
    // before the step works: its tells cannot wait for the turn's commit.
    outbox: false,
    // A throw here is a bug or an infrastructure failure (the graph turns model
    // and test problems into a failed build); a retry resumes from the checkpoint.
    supervision: {
      strategy: "restart",
      maxAttempts: 3,
      backoff: { initialMs: 200, maxMs: 5_000, factor: 2, jitter: 0.2 },
    },
    initialState: () => ({ phase: "idle", outcome: null }),
    parse: (input) => workflowMessageSchema.parse(input),
    async receive(ctx, state, message) {
      if (state.phase === "done") {
        ctx.reply({ outcome: state.outcome });
        return state;
      }
      const buildId = ctx.self.id;
      if (message.buildId !== buildId) {
        ctx.reply({ error: `run for ${message.buildId} sent to ${buildId}` });
        return state;
      }
      // A stopping node takes no new runs; another node (or a restart) will.
      deps.stopSignal?.throwIfAborted();
      const build = ctx.ref<BuildMessage>(BUILD_KIND, buildId);
      const row = await loadBuild(deps.db, buildId);
      if (row === undefined || isTerminalStatus(row.status)) {
        const outcome = row?.status === "succeeded"
          ? "succeeded"
          : row?.status === "cancelled"
          ? "cancelled"
          : "failed";
        ctx.reply({ outcome });
        return { phase: "done", outcome };
      }

      // Progress is sent in order, one tell at a time, and drained before the final message.
      let chain: Promise<void> = Promise.resolve();
      const send = (msg: BuildMessage) => {
        chain = chain.then(() => build.tell(msg)).catch(() => {});
        return chain;
      };
      let checkedAt = -Infinity;
      let cancelled = false;
      const graph = createWorkflowGraph({
        ...deps.graph,
        onProgress: (_id, event: WorkflowProgress) => {
          if (event.type !== "step") {
            void send({ type: "progress", event });
            return;
          }
          // A node starts its work only once its step report is durably
          // posted, so a checkpoint never gets ahead of the build's status.
          return send({
            type: "step",
            node: event.node,
            attempt: event.attempt,
          });
        },
        async isCancelled() {
          if (cancelled) return true;
          const now = clock.now();
          if (now - checkedAt < cancelCheckMs) return false;
          checkedAt = now;
          const current = await loadBuild(deps.db, buildId);
          cancelled = current === undefined || isTerminalStatus(current.status);
          return cancelled;
        },
      });

      const config = {
        ...runConfig(buildId),
        ...(deps.stopSignal ? { signal: deps.stopSignal } : {}),
      };
      const saved = await deps.graph.checkpointer.getTuple(config);
      let final: WorkflowStateValue;
      try {
        if (saved === undefined) {
          final = await graph.invoke({
            buildId,
            userId: row.userId,
            requirements: row.requirements,
            language: row.language,
            // The build's own chat model; "" keeps the configured one.
            model: row.model ?? "",
          }, config);
        } else {
          // An earlier run was cut short: continue from its last checkpoint.
          // LangGraph applies the saved writes of nodes that finished after
          // that checkpoint (they do not run again) and returns the final
          // state at once when the run had ended. `getState().next` cannot
          // tell the two apart: it leaves out nodes whose writes are saved.
          final = await graph.invoke(null, config);
        }
      } catch (error) {
        if (!deps.stopSignal?.aborted) throw error;
        // This node is stopping: hand the run on, durably, instead of failing
        // it. Whoever takes it resumes from the last checkpoint.
        await ctx.remind({ type: "run", buildId }, 0);
        return state;
      }
      await chain;

      const outcome = final.outcome ?? "failed";
      if (outcome !== "cancelled") {
        await persist(deps.db, row.userId, final);
      }
      if (outcome === "succeeded") {
        await build.tell({ type: "completed", summary: summarize(final) });
        // After the report, so the user does not wait for it. A crash before
        // it redelivers `run`, which finds the graph finished and gets here again.
        try {
          await rememberResult(deps.graph.vector, final);
        } catch (error) {
          await build.tell({
            type: "progress",
            event: {
              type: "warning",
              node: "finalize",
              message: `storing the build in Chroma failed: ${
                error instanceof Error ? error.message : String(error)
              }`,
            },
          });
        }
      } else if (outcome === "failed") {
        await build.tell({
          type: "failed",
          error: final.error?.message ??
            "the workflow stopped without a result",
          node: final.error?.node ?? "fail",
          summary: summarize(final),
        });
      }
      ctx.reply({ outcome });
      return { phase: "done", outcome };
    },
  });
}

/** A small summary for messages and events (the full artifacts are in the row). */
export function summarize(final: WorkflowStateValue): BuildResultSummary {
  return {
    outcome: final.outcome ?? "failed",
    attempts: final.attempts,
    files: final.files.map((f) => f.path),
    tests: final.testReport
      ? {
        status: final.testReport.status,
        passed: final.testReport.passed,
        failed: final.testReport.failed,
      }
      : null,
    scores: final.scores
      ? {
        security: final.scores.security,
        quality: final.scores.quality,
        maintainability: final.scores.maintainability,
      }
      : null,
  };
}

/** Writes what the graph produced. Idempotent: a resumed run writes the same again. */
async function persist(
  db: Db,
  userId: string,
  final: WorkflowStateValue,
): Promise<void> {
  const report = final.testReport;
  try {
    await updateBuild(db, final.buildId, {
      plan: final.buildPlan,
      files: final.files,
      attempts: final.attempts,
      result: {
        ...summarize(final),
        analysis: final.analysis
          ? {
            complexity: final.analysis.complexity,
            dependencies: final.analysis.dependencies,
            contextItems: final.analysis.context.length,
          }
          : null,
        testReport: report
          ? {
            status: report.status,
            passed: report.passed,
            failed: report.failed,
            ignored: report.ignored,
            durationMs: report.durationMs,
            failures: report.failures,
            output: report.output.slice(-8_000),
            testFiles: report.testFiles,
            ...omitUndefined({ reason: report.reason }),
          }
          : null,
        error: final.error,
      },
    });
  } catch (error) {
    // Cancelled (or otherwise finished) meanwhile: the row no longer changes.
    if (error instanceof StateError) return;
    throw error;
  }
  if (final.scores) {
    await saveCodeAnalysis(db, {
      userId,
      buildId: final.buildId,
      security: Math.round(final.scores.security),
      quality: Math.round(final.scores.quality),
      maintainability: Math.round(final.scores.maintainability),
      findings: final.scores.findings,
    });
  }
}
