/**
 * The agent workflow: the graph, its prompts, its checkpointer, the model
 * client and the tools, plus {@linkcode createWorkflowDeps}, which wires the
 * real tools into the graph's dependencies.
 *
 * @example
 * ```ts ignore
 * import { createCheckpointer, createModelClient, createWorkflowDeps } from "./mod.ts";
 * const deps = createWorkflowDeps({
 *   model: createModelClient({ host, model, embedModel, dimensions }),
 *   vector,
 *   checkpointer: await createCheckpointer(db),
 *   workspaceRoot: `${dataDir}/workspaces`,
 * });
 * ```
 *
 * @module
 */
import { realClock } from "../../runtime/clock.ts";
import type { BaseCheckpointSaver, Clock } from "./_outside_types.ts";
import {
  type ModelPort,
  UnsupportedLanguageError,
  type WorkflowDeps,
} from "./graph.ts";
import type { RetrievalStore } from "./retrieval.ts";
import { analyzeCode } from "./tools/analysis.ts";
import { generateDocs } from "./tools/docs.ts";
import { toolsFor } from "../languages/tools.ts";
import type { LazyPythonPool } from "./tools/python_sandbox/lazy.ts";
import { omitUndefined } from "../../runtime/optional.ts";

export * from "./graph.ts";
export * from "./prompts.ts";
export { NODE_NAMES } from "./types.ts";
export {
  type BuildContext,
  contextForBuild,
  contextTexts,
  rememberBuild,
  rememberFiles,
  type RetrievalBuild,
  type RetrievalStore,
} from "./retrieval.ts";
export {
  createCheckpointer,
  kyselyPool,
  type PoolLike,
} from "./checkpointer.ts";
export { LazyPythonPool } from "./tools/python_sandbox/lazy.ts";
export type { PythonSandboxPool } from "./tools/python_sandbox/mod.ts";
export type {
  RefusedModule,
  TestFailure,
  TestStatus,
} from "./tools/sandbox.ts";
export {
  createModelClient,
  type GenerateOptions,
  type LlmObservation,
  type ModelClient,
  type ModelClientOptions,
  ModelError,
  type ModelHealth,
  ModelTimeoutError,
  ModelUnavailableError,
} from "./llm.ts";

/** Options of {@linkcode createWorkflowDeps}. */
export interface WorkflowDepsOptions {
  /** The chat model the graph calls. */
  readonly model: ModelPort;
  /** Retrieval and memory of earlier builds. */
  readonly vector: RetrievalStore;
  /** Where LangGraph keeps each build's checkpoints. */
  readonly checkpointer: BaseCheckpointSaver;
  /** One directory per build is made under it. */
  readonly workspaceRoot: string;
  /** Sandbox limits (SANDBOX_TIMEOUT_MS, SANDBOX_MEMORY_MB); `check` type-checks (default true). */
  readonly sandbox?: {
    readonly timeoutMs?: number;
    readonly memoryMb?: number;
    readonly check?: boolean;
    /** Test runs at once on this node; more wait their turn (default: the CPU count). */
    readonly concurrency?: number;
  };
  /**
   * The Python sandbox pool, started by the first Python build; its owner
   * (the platform) closes it on shutdown. Default: a cold process per
   * Python test run (seconds slower, nothing left to close).
   */
  readonly pythonPool?: LazyPythonPool;
  /** BUILD_TEST_RETRIES (default 3). */
  readonly testRetries?: number;
  /** Time for progress throttling. Default: the wall clock. */
  readonly clock?: Clock;
  /** At most one token progress event per this many ms (default 500). */
  readonly tokenProgressMs?: number;
  /**
   * How often a streaming model call checks for cancellation, in ms (default
   * 250).
   */
  readonly cancelPollMs?: number;
}

/**
 * The graph's dependencies from the real tools: each language's sandbox
 * (dispatched through actors/languages/tools.ts), the code analyser and the
 * docs generator. Progress and cancellation are left to the
 * caller (the workflow actor wires them per build).
 */
export function createWorkflowDeps(
  options: WorkflowDepsOptions,
): Omit<WorkflowDeps, "onProgress" | "isCancelled"> {
  const sandbox = options.sandbox ?? {};
  const slots = limiter(
    sandbox.concurrency ?? Math.max(1, navigator.hardwareConcurrency || 1),
  );
  return {
    model: options.model,
    vector: options.vector,
    checkpointer: options.checkpointer,
    workspaceRoot: options.workspaceRoot,
    clock: options.clock ?? realClock,
    ...omitUndefined({
      testRetries: options.testRetries,
      tokenProgressMs: options.tokenProgressMs,
      cancelPollMs: options.cancelPollMs,
    }),
    canTest: (language) => toolsFor(language) !== undefined,
    // The timeout applies to the run itself, not to the wait for a slot.
    runTests: (dir, language, signal) =>
      slots(() => {
        const tools = toolsFor(language);
        if (tools === undefined) {
          throw new UnsupportedLanguageError(language);
        }
        const python = options.pythonPool;
        return tools.runTests(dir, {
          ...(signal ? { signal } : {}),
          ...(python ? { pythonPool: () => python.get() } : {}),
          ...omitUndefined({
            timeoutMs: sandbox.timeoutMs,
            memoryMb: sandbox.memoryMb,
            check: sandbox.check,
          }),
        });
      }),
    analyzeCode: (files, language) => analyzeCode(files, { language }),
    generateDocs: (files, context) =>
      generateDocs(files, {
        title: "API",
        description: context.requirements.split("\n")[0]?.slice(0, 300) ?? "",
      }),
  };
}

/** Runs at most `n` tasks at once, the rest in arrival order. */
function limiter(n: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
