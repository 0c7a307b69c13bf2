/**
 * The eval harness: measures how well a model builds code through Troupe.
 * A fixed task set (`eval/tasks/<id>/`: requirements, signatures, a
 * reference solution and hidden tests) is run through the real platform, one
 * build per task and model, and the hidden tests judge each build's final
 * files. `deno task eval` and `POST /v1/admin/evals` use it.
 *
 * @example
 * ```ts ignore
 * import { loadTasks, markdownReport, runEval } from "./eval/mod.ts";
 * const tasks = await loadTasks();
 * const report = await runEval({ config, tasks, settings: { models: ["qwen2.5-coder:7b"], attempts: 2, concurrency: 2 } });
 * await Deno.writeTextFile("eval.md", markdownReport(report));
 * ```
 *
 * @module
 */
export {
  buildRequirements,
  emptyImplementation,
  type EvalTask,
  loadTasks,
  TaskError,
  taskFilter,
  TASKS_DIR,
  type TaskSpec,
  TaskSpecSchema,
} from "./task.ts";
export {
  type HiddenOptions,
  type HiddenVerdict,
  runHiddenTests,
  type SourceFile,
} from "./hidden.ts";
export {
  type EvalProgress,
  evalStarter,
  matchesAnyTask,
  runEval,
  type RunEvalOptions,
} from "./runner.ts";
export {
  markdownReport,
  median,
  progressLine,
  summarize,
  textSummary,
} from "./report.ts";
export {
  type EvalReport,
  EvalReportSchema,
  type EvalSettings,
  EvalSettingsSchema,
  type ModelSummary,
  ModelSummarySchema,
  type TaskResult,
  TaskResultSchema,
} from "./result.ts";
