/**
 * Runs the task set through the platform for each model: one build per task
 * created through the node's HTTP API (the real graph, sandbox and analysis)
 * with the build's own `model`, waited for, then the task's hidden tests run
 * on the build's final files in the same sandbox. Every model builds on one
 * node (each as its own user, so retrieval memory stays per model); models
 * run one after another, tasks of one model `concurrency` at a time.
 *
 * Honesty rules: tasks and hidden tests are read from their files and never
 * changed; a task the platform could not run (node did not start, build not
 * accepted, model down, sandbox refused, timeout) counts as failed with its
 * reason.
 *
 * @module
 */
import type { Config } from "./_outside_types.ts";
import { pythonSnapshotDir } from "../config.ts";
import { isFinal } from "../actors/build_status.ts";
import { listBuildEvents } from "../storage/build_events.ts";
import { type Build, loadBuild } from "../storage/builds.ts";
import { getBuildAnalysis } from "../storage/code_analyses.ts";
import { mapLimit } from "./_pool.ts";
import { omitUndefined } from "../runtime/optional.ts";
import { runHiddenTests, type SourceFile } from "./hidden.ts";
import { type EvalNode, startEvalNode } from "./node.ts";
import { LazyPythonPool } from "../actors/workflow/tools/python_sandbox/lazy.ts";
import type {
  EvalReport,
  EvalSettings,
  ModelSummary,
  TaskResult,
} from "./result.ts";
import { summarize } from "./report.ts";
import {
  buildRequirements,
  type EvalTask,
  loadTasks,
  taskFilter,
} from "./task.ts";

/** A progress tick: one task of one model finished. */
export interface EvalProgress {
  /** The model whose task finished. */
  readonly model: string;
  /** Its place among the run's models (0-based). */
  readonly modelIndex: number;
  /** How many models the run has. */
  readonly models: number;
  /** Tasks of this model finished so far. */
  readonly done: number;
  /** Tasks per model. */
  readonly total: number;
  /** Of the finished ones, how many passed. */
  readonly passed: number;
  /** The task that just finished. */
  readonly last: TaskResult;
}

/** Options of {@linkcode runEval}. */
export interface RunEvalOptions {
  /** The user's configuration (Ollama, embeddings, sandbox limits). */
  readonly config: Config;
  /** The tasks to run, each through every model. */
  readonly tasks: readonly EvalTask[];
  /** Models, attempts and concurrency. */
  readonly settings: EvalSettings;
  /** Longest wait for one build. Default 30 minutes. */
  readonly buildTimeoutMs?: number;
  /** How often a build's status is read. Default 250 ms. */
  readonly pollMs?: number;
  /** Called once per finished task. */
  readonly onProgress?: (progress: EvalProgress) => void;
  /** Called when a model's turn starts on the node (or cannot: the node failed to start). */
  readonly onModelStart?: (model: string, error?: string) => void;
  /** Stops the run. */
  readonly signal?: AbortSignal;
  /** Where temporary nodes and workspaces go. */
  readonly tempRoot?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function notRun(
  task: EvalTask,
  model: string,
  reason: string,
  wallMs = 0,
): TaskResult {
  return {
    taskId: task.id,
    model,
    language: task.language,
    difficulty: task.difficulty,
    buildId: null,
    buildStatus: "not_run",
    passed: false,
    passedFirst: false,
    attempts: 0,
    malformed: 0,
    modelCalls: 0,
    tokensIn: 0,
    tokensOut: 0,
    wallMs,
    modelMs: 0,
    sandboxMs: 0,
    scores: null,
    hidden: null,
    reason,
  };
}

async function createBuild(
  node: EvalNode,
  task: EvalTask,
  model: string,
  token: string,
): Promise<string> {
  const response = await fetch(`${node.platform.url}/v1/builds`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      project: `eval-${task.id}`,
      language: task.language,
      requirements: buildRequirements(task),
      model,
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status !== 202 || typeof body?.id !== "string") {
    throw new Error(
      `the build was not accepted (${response.status}): ${
        body?.error?.message ?? JSON.stringify(body)
      }`,
    );
  }
  return body.id;
}

async function waitForBuild(
  node: EvalNode,
  buildId: string,
  timeoutMs: number,
  pollMs: number,
  signal?: AbortSignal,
): Promise<Build> {
  const db = node.platform.database.db;
  const deadline = performance.now() + timeoutMs;
  while (true) {
    signal?.throwIfAborted();
    const build = await loadBuild(db, buildId);
    if (build && isFinal(build.status)) return build;
    if (performance.now() > deadline) {
      await fetch(`${node.platform.url}/v1/builds/${buildId}/cancel`, {
        method: "POST",
        headers: { authorization: `Bearer ${node.token}` },
      }).then((r) => r.body?.cancel()).catch(() => {});
      throw new Error(`the build did not finish within ${timeoutMs} ms`);
    }
    await sleep(pollMs);
  }
}

/** Unreadable answers, from the build's events and error. */
function malformedCount(
  events: readonly { type: string; data: unknown }[],
  error: string | null,
): number {
  let count = 0;
  for (const event of events) {
    if (event.type === "retry") count++;
  }
  // The second unreadable answer has no retry event: it ends the build or
  // (for the plan) gives way to a derived plan, announced as a warning.
  for (const event of events) {
    const message = (event.data as { message?: unknown })?.message;
    if (
      event.type === "warning" && typeof message === "string" &&
      message.includes("could not be read twice")
    ) count++;
  }
  if (error && /malformed twice/.test(error)) count++;
  return count;
}

async function runTask(
  node: EvalNode,
  task: EvalTask,
  model: string,
  options: RunEvalOptions,
  python: LazyPythonPool,
): Promise<TaskResult> {
  const started = performance.now();
  const key = task.id;
  let buildId: string;
  try {
    buildId = await createBuild(node, task, model, await node.userFor(model));
  } catch (error) {
    return notRun(
      task,
      model,
      String(error instanceof Error ? error.message : error),
      performance.now() - started,
    );
  }
  let build: Build;
  try {
    build = await waitForBuild(
      node,
      buildId,
      options.buildTimeoutMs ?? 30 * 60_000,
      options.pollMs ?? 250,
      options.signal,
    );
  } catch (error) {
    const result = notRun(
      task,
      model,
      String(error instanceof Error ? error.message : error),
      performance.now() - started,
    );
    return { ...result, buildId, buildStatus: "timeout" };
  }
  const db = node.platform.database.db;
  const events = await listBuildEvents(db, buildId);
  const analysis = await getBuildAnalysis(db, build.userId, buildId);
  const files = Array.isArray(build.files)
    ? (build.files as SourceFile[]).filter((f) =>
      typeof f?.path === "string" && typeof f?.content === "string"
    )
    : [];
  const testReport =
    (build.result as { testReport?: { durationMs?: number } } | null)
      ?.testReport;
  const hidden = files.length > 0
    ? await runHiddenTests(task, files, {
      timeoutMs: options.config.SANDBOX_TIMEOUT_MS,
      memoryMb: options.config.SANDBOX_MEMORY_MB,
      ...(options.tempRoot ? { tempRoot: options.tempRoot } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      pythonPool: () => python.get(),
    })
    : undefined;
  const usage = node.meter.usage(key, model);
  const passed = build.status === "succeeded" && hidden?.passed === true;
  const reason = passed
    ? undefined
    : build.status !== "succeeded"
    ? `build ${build.status}: ${build.error ?? "no error given"}`
    : `hidden tests ${hidden?.status ?? "not run"}: ${
      hidden?.reason ?? "no files"
    }`;
  return {
    taskId: task.id,
    model,
    language: task.language,
    difficulty: task.difficulty,
    buildId,
    buildStatus: build.status,
    passed,
    passedFirst: passed && build.attempts === 1,
    attempts: build.attempts,
    malformed: malformedCount(events, build.error),
    modelCalls: usage.calls,
    tokensIn: usage.tokensIn,
    tokensOut: usage.tokensOut,
    wallMs: performance.now() - started,
    modelMs: usage.modelMs,
    sandboxMs: (testReport?.durationMs ?? 0) + (hidden?.durationMs ?? 0),
    scores: analysis
      ? {
        security: analysis.security,
        quality: analysis.quality,
        maintainability: analysis.maintainability,
      }
      : null,
    hidden: hidden
      ? {
        status: hidden.status,
        passed: hidden.testsPassed,
        failed: hidden.testsFailed,
        ...omitUndefined({ reason: hidden.reason }),
      }
      : null,
    ...omitUndefined({ reason }),
  };
}

/**
 * Runs every task through every model and returns the report.
 *
 * @example
 * ```ts ignore
 * const tasks = await loadTasks();
 * const report = await runEval({ config, tasks, settings: { models: ["qwen2.5-coder:7b"], attempts: 2, concurrency: 2 } });
 * console.log(markdownReport(report));
 * ```
 */
export async function runEval(options: RunEvalOptions): Promise<EvalReport> {
  const { tasks, settings } = options;
  const startedAt = new Date().toISOString();
  const markers = new Map(tasks.map((t) => [t.id, buildRequirements(t)]));
  const results: TaskResult[] = [];
  const summaries: ModelSummary[] = [];
  options.signal?.throwIfAborted();
  let node: EvalNode;
  try {
    node = await startEvalNode({
      config: options.config,
      model: settings.models[0] ?? options.config.OLLAMA_MODEL,
      attempts: settings.attempts,
      markers,
      ...(options.tempRoot ? { tempRoot: options.tempRoot } : {}),
    });
  } catch (error) {
    const reason = `the eval node did not start: ${
      error instanceof Error ? error.message : error
    }`;
    for (const model of settings.models) {
      options.onModelStart?.(model, reason);
      const failed = tasks.map((t) => notRun(t, model, reason));
      results.push(...failed);
      summaries.push(summarize(model, failed, 0));
    }
    return report(options, startedAt, summaries, results);
  }
  // The hidden Python runs share one warm pool (Pyodide loads once per
  // process). An eval is a batch job: on a busy machine the harness waits
  // longer for its own sandbox to load than a build does, so a slow start
  // is not counted against the model.
  const python = new LazyPythonPool({
    size: 1,
    startTimeoutMs: 300_000,
    snapshotDir: pythonSnapshotDir(options.config),
  });
  try {
    for (const [modelIndex, model] of settings.models.entries()) {
      options.signal?.throwIfAborted();
      options.onModelStart?.(model);
      let done = 0;
      let passed = 0;
      const modelResults = await mapLimit(
        tasks,
        settings.concurrency,
        async (task) => {
          const result = await runTask(node, task, model, options, python)
            .catch(
              (error) =>
                notRun(
                  task,
                  model,
                  `the harness failed: ${
                    error instanceof Error ? error.message : error
                  }`,
                ),
            );
          done++;
          if (result.passed) passed++;
          options.onProgress?.({
            model,
            modelIndex,
            models: settings.models.length,
            done,
            total: tasks.length,
            passed,
            last: result,
          });
          return result;
        },
      );
      results.push(...modelResults);
      summaries.push(summarize(model, modelResults, node.startSeconds));
    }
  } finally {
    await python.close();
    await node.close();
  }
  return report(options, startedAt, summaries, results);
}

function report(
  options: RunEvalOptions,
  startedAt: string,
  summaries: ModelSummary[],
  results: TaskResult[],
): EvalReport {
  return {
    settings: options.settings,
    startedAt,
    finishedAt: new Date().toISOString(),
    taskIds: options.tasks.map((t) => t.id),
    summaries,
    results,
  };
}

/**
 * What `POST /v1/admin/evals` runs on a node: the task set (filtered by the
 * settings' pattern) through `runEval` with the node's configuration.
 */
export function evalStarter(
  config: Config,
): (
  settings: EvalSettings,
  onProgress: (progress: EvalProgress) => void,
) => Promise<EvalReport> {
  return async (settings, onProgress) => {
    const tasks = await loadTasks({ filter: taskFilter(settings.tasks) });
    if (tasks.length === 0) throw new Error("no task matches the pattern");
    return await runEval({ config, tasks, settings, onProgress });
  };
}

/** Whether a `--tasks` pattern matches at least one task of the set. */
export async function matchesAnyTask(pattern: string): Promise<boolean> {
  return (await loadTasks({ filter: taskFilter(pattern) })).length > 0;
}
