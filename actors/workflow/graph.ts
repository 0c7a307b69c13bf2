/**
 * The agent graph of a build: analyze -> plan -> generate -> test -> finalize,
 * with the failing tests routed back to generate (within a retry budget) and
 * every unrecoverable error routed to a failure node that still records what
 * was produced. Checkpointed per build (thread id = build id) so a killed
 * process resumes at the node it was in.
 *
 * @module
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import type { BaseCheckpointSaver, Clock } from "./_outside_types.ts";
import { createWorkspace } from "./tools/workspace.ts";
import type { TestReport } from "./tools/sandbox.ts";
import type { AnalysisResult } from "./tools/analysis.ts";
import {
  contextForBuild,
  contextTexts,
  rememberBuild,
  rememberFiles,
  type RetrievalStore,
} from "./retrieval.ts";
import {
  type ChatMessage,
  correctivePrompt,
  defaultPlan,
  generationPrompt,
  parseGeneration,
  parsePlan,
  type Plan,
  PLAN_FORMAT,
  planCorrectivePrompt,
  planPrompt,
} from "./prompts.ts";
import { summarizeTestReport, testReason } from "./test_reason.ts";
import { LANGUAGES } from "../languages/mod.ts";

import type {
  Analysis,
  GeneratedFile,
  NodeName,
  WorkflowProgress,
} from "./types.ts";
import { omitUndefined } from "../../runtime/optional.ts";

export type { ChatMessage, Plan } from "./prompts.ts";
export type {
  Analysis,
  GeneratedFile,
  NodeName,
  WorkflowProgress,
} from "./types.ts";

/** What the sandbox reports about one run of the generated tests. */
export type { TestReport } from "./tools/sandbox.ts";

/** Code analysis scores (0-100 each) with findings. */
export type CodeScores = AnalysisResult;

/** Why a build stopped short. */
export interface WorkflowFailure {
  /** The node that gave up. */
  readonly node: NodeName;
  /** Why, in one sentence. */
  readonly message: string;
}

/** The model as the graph needs it. `llm.ts`'s client fits. */
export interface ModelPort {
  /** Sends `messages` to the model and resolves with its whole answer. */
  generate(
    messages: ChatMessage[],
    options?: {
      onToken?: (token: string) => void;
      signal?: AbortSignal;
      /** Ollama's `format`: a JSON schema the answer is held to. */
      format?: Record<string, unknown>;
      /** The build's own model instead of the configured one. */
      model?: string;
    },
  ): Promise<string>;
}

/**
 * Everything the graph talks to, injected in one object.
 *
 * @example
 * ```ts ignore
 * const graph = createWorkflowGraph({ model, vector, runTests, analyze, workspaceRoot: "/tmp/ws", ... });
 * ```
 */
export interface WorkflowDeps {
  /** The chat model the graph calls. */
  readonly model: ModelPort;
  /** Retrieval and memory of earlier builds. */
  readonly vector: RetrievalStore;
  /** Runs the tests found in `dir` in the sandbox. */
  runTests(
    dir: string,
    language: string,
    signal?: AbortSignal,
  ): Promise<TestReport>;
  /** Whether the sandbox can run tests written in `language`; others are refused before any model call. */
  canTest(language: string): boolean;
  /** Scores code. */
  analyzeCode(
    files: readonly GeneratedFile[],
    language: string,
  ): CodeScores | Promise<CodeScores>;
  /** Writes documentation for files that came without any. */
  generateDocs(
    files: readonly GeneratedFile[],
    context: { requirements: string; language: string },
  ): string | Promise<string>;
  /** Where build workspaces live: one directory per build under it. */
  readonly workspaceRoot: string;
  /** Where LangGraph keeps each build's checkpoints. */
  readonly checkpointer: BaseCheckpointSaver;
  /** Receives progress; must not throw. */
  onProgress(buildId: string, event: WorkflowProgress): void | Promise<void>;
  /** True once the build was cancelled; nodes stop at the next check. */
  isCancelled(buildId: string): boolean | Promise<boolean>;
  /** Time for progress throttling and durations. */
  readonly clock: Clock;
  /** Generate -> test rounds after the first (default 3). */
  readonly testRetries?: number;
  /** At most one token progress event per this many ms (default 500). */
  readonly tokenProgressMs?: number;
  /** How often a streaming model call checks for cancellation, in ms (default 250). */
  readonly cancelPollMs?: number;
}

/** The signal of the graph run (LangGraph's `config.signal`), if any. */
type RunSignal = AbortSignal | undefined;

/** The input of a build's graph run. */
export interface WorkflowInput {
  /** The build the run is for; also the checkpoint thread. */
  readonly buildId: string;
  /** The user who asked for the build. */
  readonly userId: string;
  /** What to build, in the user's words. */
  readonly requirements: string;
  /** Language to generate (`typescript`, `python`). */
  readonly language: string;
  /** The chat model of this build; default: the configured one. */
  readonly model?: string;
}

const replace = <T>(fallback: () => T) =>
  Annotation<T>({ reducer: (_old: T, next: T) => next, default: fallback });

const workflowState = Annotation.Root({
  buildId: replace<string>(() => ""),
  userId: replace<string>(() => ""),
  requirements: replace<string>(() => ""),
  language: replace<string>(() => "typescript"),
  /** The build's chat model ("" = the configured one). */
  model: replace<string>(() => ""),
  analysis: replace<Analysis | null>(() => null),
  buildPlan: replace<Plan | null>(() => null),
  files: replace<GeneratedFile[]>(() => []),
  /** Generation rounds started so far. */
  attempts: replace<number>(() => 0),
  testReport: replace<TestReport | null>(() => null),
  scores: replace<CodeScores | null>(() => null),
  outcome: replace<"succeeded" | "failed" | "cancelled" | null>(() => null),
  error: replace<WorkflowFailure | null>(() => null),
});

/**
 * The type of {@link WorkflowState}: LangGraph's annotation of its channels.
 * @internal
 */
type WorkflowStateAnnotation = typeof workflowState;

/** The graph's state channels. */
export const WorkflowState: WorkflowStateAnnotation = workflowState;

/** The state of a build's graph. */
export type WorkflowStateValue = typeof WorkflowState.State;
type Update = typeof WorkflowState.Update;

/** The graph was stopped because the build was cancelled. */
export class BuildCancelledError extends Error {
  /** The error's class name. */
  override name = "BuildCancelledError";
  /** Names the cancelled build. */
  constructor(readonly buildId: string) {
    super(`build ${buildId} was cancelled`);
  }
}

/** No sandbox can test code in this language, so the build is refused up front. */
export class UnsupportedLanguageError extends Error {
  /** The error's class name. */
  override name = "UnsupportedLanguageError";
  /** Names the language no sandbox can test. */
  constructor(readonly language: string) {
    super(
      `cannot build ${language} code: generated tests can only run for ${
        LANGUAGES.map((l) => l.label).join(", ")
      }`,
    );
  }
}

/** The model's answer could not be used, even after a corrective retry. */
export class MalformedOutputError extends Error {
  /** The error's class name. */
  override name = "MalformedOutputError";
  /** Names the node and what was wrong with the model's answer. */
  constructor(readonly node: NodeName, readonly problem: string) {
    super(`the model's ${node} output was malformed twice: ${problem}`);
  }
}

/**
 * Builds and compiles the graph. A compiled graph can run any number of
 * builds (the build id travels in the state and in `thread_id`); the
 * workflow actor compiles one per run to bind that build's progress and
 * cancellation (compiling costs well under a millisecond).
 *
 * @example
 * ```ts ignore
 * const graph = createWorkflowGraph(deps);
 * const final = await graph.invoke(input, { configurable: { thread_id: id }, durability: "sync" });
 * ```
 */
export function createWorkflowGraph(deps: WorkflowDeps): CompiledWorkflowGraph {
  return compileWorkflowGraph(deps);
}

/**
 * The compiled graph, as LangGraph's `compile()` types it.
 * @internal
 */
type CompiledWorkflowGraph = ReturnType<typeof compileWorkflowGraph>;

function compileWorkflowGraph(deps: WorkflowDeps) {
  const budget = 1 + (deps.testRetries ?? 3);
  const tokenMs = deps.tokenProgressMs ?? 500;
  const cancelPollMs = deps.cancelPollMs ?? 250;

  const report = async (buildId: string, event: WorkflowProgress) => {
    try {
      await deps.onProgress(buildId, event);
    } catch {
      // Progress is best effort: a lost progress event must not fail a build.
    }
  };

  const checkCancelled = async (buildId: string) => {
    if (await deps.isCancelled(buildId)) throw new BuildCancelledError(buildId);
  };

  const removeWorkspace = async (buildId: string) => {
    try {
      await (await createWorkspace(deps.workspaceRoot, buildId)).destroy();
    } catch {
      // The files live in the database; a leftover directory is only clutter.
    }
  };

  /** Calls the model, streaming throttled token progress and stopping on cancel. */
  const ask = async (
    state: WorkflowStateValue,
    node: NodeName,
    messages: ChatMessage[],
    run: RunSignal,
    format?: Record<string, unknown>,
  ): Promise<string> => {
    const controller = new AbortController();
    let count = 0;
    let tail = "";
    let lastReport = deps.clock.now();
    let lastCancelCheck = lastReport;
    let cancelled = false;
    const onToken = (token: string) => {
      count++;
      tail = (tail + token).slice(-80);
      const now = deps.clock.now();
      if (now - lastReport >= tokenMs) {
        lastReport = now;
        void report(state.buildId, { type: "tokens", node, count, tail });
      }
      if (now - lastCancelCheck >= cancelPollMs) {
        lastCancelCheck = now;
        void Promise.resolve(deps.isCancelled(state.buildId)).then((yes) => {
          if (yes) {
            cancelled = true;
            controller.abort(new BuildCancelledError(state.buildId));
          }
        }, () => {});
      }
    };
    try {
      const text = await deps.model.generate(messages, {
        onToken,
        signal: run
          ? AbortSignal.any([controller.signal, run])
          : controller.signal,
        ...(format ? { format } : {}),
        ...(state.model ? { model: state.model } : {}),
      });
      if (count > 0) {
        await report(state.buildId, { type: "tokens", node, count, tail });
      }
      return text;
    } catch (error) {
      if (cancelled) throw new BuildCancelledError(state.buildId);
      throw error;
    }
  };

  /** Runs a node body; cancellation and errors become state, not exceptions. */
  const guarded = (
    node: NodeName,
    body: (state: WorkflowStateValue, run: RunSignal) => Promise<Update>,
  ) =>
  async (
    state: WorkflowStateValue,
    config?: { signal?: AbortSignal },
  ): Promise<Update> => {
    const run = config?.signal;
    try {
      await checkCancelled(state.buildId);
      return await body(state, run);
    } catch (error) {
      // The run itself was stopped (the node is shutting down): not the
      // build's failure. The node runs again when the graph resumes.
      if (run?.aborted) throw error;
      if (error instanceof BuildCancelledError) return { outcome: "cancelled" };
      return {
        error: {
          node,
          message: error instanceof Error ? error.message : String(error),
        },
      };
    }
  };

  const analyze = guarded("analyze", async (state) => {
    await report(state.buildId, { type: "step", node: "analyze", attempt: 1 });
    if (!deps.canTest(state.language)) {
      throw new UnsupportedLanguageError(state.language);
    }
    let context: readonly string[] = [];
    try {
      context = contextTexts(
        await contextForBuild(deps.vector, {
          userId: state.userId,
          requirements: state.requirements,
          language: state.language,
          buildId: state.buildId,
          k: 3,
        }),
      );
    } catch (error) {
      // Retrieval improves a build but is not required for one.
      await report(state.buildId, {
        type: "warning",
        node: "analyze",
        message: `context retrieval failed: ${
          error instanceof Error ? error.message : String(error)
        }`,
      });
    }
    return {
      analysis: {
        complexity: rateComplexity(state.requirements),
        dependencies: findDependencies(state.requirements),
        context,
      },
    };
  });

  const plan = guarded("plan", async (state, run) => {
    await report(state.buildId, { type: "step", node: "plan", attempt: 1 });
    const messages = planPrompt(state);
    let reply = await ask(state, "plan", messages, run, PLAN_FORMAT);
    let parsed = parsePlan(reply);
    if (!parsed.ok) {
      await report(state.buildId, {
        type: "retry",
        node: "plan",
        attempt: 2,
        reason: parsed.problem,
      });
      reply = await ask(
        state,
        "plan",
        [
          ...messages,
          { role: "assistant", content: reply },
          { role: "user", content: planCorrectivePrompt(parsed.problem) },
        ],
        run,
        PLAN_FORMAT,
      );
      parsed = parsePlan(reply);
      if (!parsed.ok) {
        // A plan only guides generation: an unreadable one must not fail the build.
        await report(state.buildId, {
          type: "warning",
          node: "plan",
          message:
            `the model's plan could not be read twice (${parsed.problem}); using a plan derived from the requirements`,
        });
        return {
          buildPlan: defaultPlan(
            state.requirements,
            state.analysis?.complexity ?? "medium",
          ),
        };
      }
    }
    return { buildPlan: parsed.value };
  });

  const generate = guarded("generate", async (state, run) => {
    const attempt = state.attempts + 1;
    await report(state.buildId, { type: "step", node: "generate", attempt });
    const messages = generationPrompt(state);
    let reply = await ask(state, "generate", messages, run);
    let parsed = parseGeneration(reply, state.language);
    if (!parsed.ok) {
      await report(state.buildId, {
        type: "retry",
        node: "generate",
        attempt,
        reason: parsed.problem,
      });
      reply = await ask(state, "generate", [
        ...messages,
        { role: "assistant", content: reply },
        {
          role: "user",
          content: correctivePrompt(parsed.problem, state.language),
        },
      ], run);
      parsed = parseGeneration(reply, state.language);
      if (!parsed.ok) {
        throw new MalformedOutputError("generate", parsed.problem);
      }
    }
    return { files: parsed.value, attempts: attempt, testReport: null };
  });

  const test = guarded("test", async (state, run) => {
    await report(state.buildId, {
      type: "step",
      node: "test",
      attempt: state.attempts,
    });
    // Rebuilt from the state each round, so a resumed run tests exactly what the checkpoint holds.
    const workspace = await createWorkspace(deps.workspaceRoot, state.buildId);
    for (const stale of await workspace.list()) await workspace.remove(stale);
    for (const file of state.files) {
      await workspace.writeFile(file.path, file.content);
    }
    const result = await deps.runTests(workspace.dir, state.language, run);
    const reason = testReason(result);
    await report(state.buildId, {
      type: "tests",
      attempt: state.attempts,
      status: result.status,
      passed: result.passed,
      failed: result.failed,
      ...omitUndefined({ reason }),
    });
    return { testReport: result };
  });

  const finalize = guarded("finalize", async (state) => {
    await report(state.buildId, {
      type: "step",
      node: "finalize",
      attempt: state.attempts,
    });
    let files = state.files;
    if (!files.some((f) => f.kind === "doc")) {
      const docs = await deps.generateDocs(files, {
        requirements: state.requirements,
        language: state.language,
      });
      files = [...files, { path: "README.md", content: docs, kind: "doc" }];
    }
    const passed = state.testReport?.status === "passed";
    // Independent work, done side by side. (Chroma is written by the
    // workflow actor once the build is reported: see rememberResult.)
    const [scores] = await Promise.all([
      deps.analyzeCode(files.filter((f) => f.kind !== "doc"), state.language),
      removeWorkspace(state.buildId),
    ]);
    return {
      files,
      scores,
      outcome: passed ? "succeeded" : "failed",
      error: passed ? null : {
        node: "test",
        message: `tests still fail after ${state.attempts} attempt${
          state.attempts === 1 ? "" : "s"
        }: ${summarizeTestReport(state.testReport)}`,
      },
    };
  });

  // Not guarded by cancellation: a failure is recorded even for a cancelled build.
  const fail = async (state: WorkflowStateValue): Promise<Update> => {
    await report(state.buildId, {
      type: "step",
      node: "fail",
      attempt: state.attempts,
    });
    let scores = state.scores;
    if (!scores && state.files.some((f) => f.kind === "source")) {
      try {
        scores = await deps.analyzeCode(
          state.files.filter((f) => f.kind !== "doc"),
          state.language,
        );
      } catch {
        // Scores of a failed build are a bonus.
      }
    }
    await removeWorkspace(state.buildId);
    return { outcome: "failed", scores };
  };

  const afterStep = (next: NodeName) => (state: WorkflowStateValue) =>
    state.outcome === "cancelled" ? END : state.error ? "fail" : next;

  const afterTest = (state: WorkflowStateValue) => {
    if (state.outcome === "cancelled") return END;
    if (state.error) return "fail";
    if (state.testReport?.status === "passed") return "finalize";
    return state.attempts < budget ? "generate" : "finalize";
  };

  return new StateGraph(WorkflowState)
    .addNode("analyze", analyze)
    .addNode("plan", plan)
    .addNode("generate", generate)
    .addNode("test", test)
    .addNode("finalize", finalize)
    .addNode("fail", fail)
    .addEdge(START, "analyze")
    .addConditionalEdges("analyze", afterStep("plan"), ["plan", "fail", END])
    .addConditionalEdges("plan", afterStep("generate"), [
      "generate",
      "fail",
      END,
    ])
    .addConditionalEdges("generate", afterStep("test"), ["test", "fail", END])
    .addConditionalEdges("test", afterTest, [
      "generate",
      "finalize",
      "fail",
      END,
    ])
    .addConditionalEdges(
      "finalize",
      (s: WorkflowStateValue) =>
        s.outcome === "cancelled" ? END : s.error && !s.outcome ? "fail" : END,
      ["fail", END],
    )
    .addEdge("fail", END)
    .compile({ checkpointer: deps.checkpointer });
}

/**
 * Stores a finished build in Chroma: its files in `code_snippets` and
 * `documentation`, a summary in `conversations` (read back as the user's
 * earlier builds). Only builds whose tests passed are remembered, so broken
 * code is never offered as context. Idempotent (ids derive from the build).
 */
export async function rememberResult(
  vector: RetrievalStore,
  final: WorkflowStateValue,
): Promise<void> {
  if (final.outcome !== "succeeded") return;
  const build = {
    buildId: final.buildId,
    userId: final.userId,
    language: final.language,
  };
  await Promise.all([
    rememberFiles(vector, build, final.files),
    rememberBuild(vector, {
      ...build,
      text: `${final.requirements}\n\nFiles: ${
        final.files.map((f) => f.path).join(", ")
      }`,
    }),
  ]);
}

/** The compiled graph's type. */
export type WorkflowGraph = ReturnType<typeof createWorkflowGraph>;

/** The run configuration of one build: its thread and synchronous checkpoints. */
export function runConfig(buildId: string): {
  /** LangGraph's thread: one per build, named by its id. */
  configurable: { thread_id: string };
  /** Checkpoints are written before the next step starts. */
  durability: "sync";
  /** Most steps one run may take. */
  recursionLimit: number;
} {
  return {
    configurable: { thread_id: buildId },
    durability: "sync" as const,
    recursionLimit: 64,
  };
}

const COMPLEX_WORDS =
  /\b(concurren\w*|distributed|parser|compiler|database|transaction|cache|async|stream\w*|protocol|crypto\w*|scheduler|graph)\b/gi;

/** A cheap, deterministic complexity rating from the requirements' size and vocabulary. */
export function rateComplexity(requirements: string): Analysis["complexity"] {
  const words = requirements.split(/\s+/).filter(Boolean).length;
  const hard = requirements.match(COMPLEX_WORDS)?.length ?? 0;
  const score = words / 40 + hard;
  return score < 1.5 ? "low" : score < 4 ? "medium" : "high";
}

/** Module specifiers and well-known package names mentioned in the requirements. */
export function findDependencies(requirements: string): string[] {
  const found = new Set<string>();
  for (const m of requirements.matchAll(/\b(?:npm|jsr|node):[@\w./-]+/g)) {
    found.add(m[0]);
  }
  return [...found];
}
