/**
 * How the build and workflow behaviours get their dependencies: one function
 * for the composition root (main.ts) that turns configuration and opened
 * services into the two behaviours. Nothing here is global; call it once per
 * actor system.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { BuildEvent } from "../storage/build_events.ts";
import type { Db } from "../storage/schema.ts";
import type { VectorStore } from "../storage/vector.ts";
import { buildBehavior } from "./build.ts";
import type { MetricsObservation } from "./metrics.ts";
import { workflowBehavior } from "./workflow.ts";
import { createCheckpointer } from "./workflow/checkpointer.ts";
import type { ModelPort } from "./workflow/graph.ts";
import { createWorkflowDeps } from "./workflow/mod.ts";
import type { LazyPythonPool } from "./workflow/tools/python_sandbox/lazy.ts";
import type { Clock } from "../runtime/clock.ts";

/** What {@linkcode createBuildBehaviors} needs. */
export interface BuildBehaviorsOptions {
  readonly db: Db;
  /** The model client (`createModelClient` from actors/workflow/llm.ts). */
  readonly model: ModelPort;
  readonly vector: VectorStore;
  readonly config: Pick<
    Config,
    | "DATA_DIR"
    | "BUILD_TEST_RETRIES"
    | "SANDBOX_TIMEOUT_MS"
    | "SANDBOX_MEMORY_MB"
  >;
  /** Told about every build event (chats, SSE). */
  readonly notify?: (events: readonly BuildEvent[]) => void | Promise<void>;
  /** Receives build and step observations for the metrics actor. */
  readonly metrics?: (observation: MetricsObservation) => void;
  /** Abort it before `system.shutdown()`: running graphs stop and resume elsewhere or after restart. */
  readonly stopSignal?: AbortSignal;
  /** Workspaces live here (default `DATA_DIR/workspaces`). */
  readonly workspaceRoot?: string;
  readonly clock?: Clock;
  /** The Python sandbox pool (started by the first Python build); the caller closes it. */
  readonly pythonPool?: LazyPythonPool;
}

/**
 * Creates the checkpointer (its tables included) and the build and workflow
 * behaviours.
 *
 * @example
 * ```ts ignore
 * const behaviors = await createBuildBehaviors({ db, model, vector, config });
 * const system = new ActorSystem({ behaviors: [...behaviors, ...others], transport, store });
 * ```
 */
export async function createBuildBehaviors(options: BuildBehaviorsOptions) {
  const { config } = options;
  const workspaceRoot = options.workspaceRoot ??
    `${config.DATA_DIR.replace(/\/+$/, "")}/workspaces`;
  await Deno.mkdir(workspaceRoot, { recursive: true });
  const graph = createWorkflowDeps({
    model: options.model,
    vector: options.vector,
    checkpointer: await createCheckpointer(options.db),
    workspaceRoot,
    testRetries: config.BUILD_TEST_RETRIES,
    sandbox: {
      timeoutMs: config.SANDBOX_TIMEOUT_MS,
      memoryMb: config.SANDBOX_MEMORY_MB,
    },
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.pythonPool ? { pythonPool: options.pythonPool } : {}),
  });
  return [
    buildBehavior({
      db: options.db,
      ...(options.notify ? { notify: options.notify } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    }),
    workflowBehavior({
      db: options.db,
      graph,
      ...(options.stopSignal ? { stopSignal: options.stopSignal } : {}),
    }),
  ] as const;
}
