/**
 * Real workflow dependencies for tests: the model client pointed at a fake
 * Ollama, an embedded Chroma with its own collections, the deno sandbox, the
 * analyser and the docs tool, and a temporary workspace root.
 *
 * @module
 */
import { MemorySaver } from "@langchain/langgraph";
import {
  createModelClient,
  type LlmObservation,
} from "../../actors/workflow/llm.ts";
import { createWorkflowDeps } from "../../actors/workflow/mod.ts";
import type { WorkflowDeps } from "../../actors/workflow/graph.ts";
import {
  chromaClient,
  type EmbeddedChroma,
  startEmbeddedChroma,
} from "../../storage/chroma_server.ts";
import type { BuildStatus, Db } from "../../storage/schema.ts";
import { type Build, createBuild, loadBuild } from "../../storage/builds.ts";
import {
  type BuildEvent,
  listBuildEvents,
} from "../../storage/build_events.ts";
import { PostgresStateStore } from "../../storage/state_store.ts";
import { ActorSystem } from "../../runtime/system.ts";
import { KvTransport } from "../../runtime/kv.ts";
import { reconcileKvEpoch } from "../../runtime/kv_epoch.ts";
import { consoleLogger } from "../../runtime/logger.ts";
import type { Transport } from "../../runtime/transport.ts";
import type { StateStore } from "../../runtime/store.ts";
import { buildBehavior } from "../../actors/build.ts";
import { workflowBehavior } from "../../actors/workflow.ts";
import { createCheckpointer } from "../../actors/workflow/checkpointer.ts";
import { createUser } from "../../storage/users.ts";
import { openVectorStore, type VectorStore } from "../../storage/vector.ts";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { LazyPythonPool } from "../../actors/workflow/tools/python_sandbox/lazy.ts";
import { omitUndefined } from "../../runtime/optional.ts";

/** Model names the fake Ollama knows by default. */
export const MODEL = "qwen2.5-coder:7b";
export const EMBED_MODEL = "nomic-embed-text";

/** Everything a workflow test needs; close it once. */
export interface WorkflowHarness extends AsyncDisposable {
  /** Graph dependencies with progress ignored and no cancellation. */
  readonly deps: WorkflowDeps;
  readonly vector: VectorStore;
  readonly chroma: EmbeddedChroma;
  readonly workspaceRoot: string;
  close(): Promise<void>;
}

/** Options of {@linkcode openWorkflowHarness}. */
export interface HarnessOptions {
  readonly ollamaUrl: string;
  /** OLLAMA_TIMEOUT_MS of the model client (default 10 s). */
  readonly modelTimeoutMs?: number;
  /** Reuse a running Chroma instead of starting one. */
  readonly chroma?: EmbeddedChroma;
  /** Writes vector_memories rows too. */
  readonly db?: Db;
  readonly checkpointer?: BaseCheckpointSaver;
  readonly testRetries?: number;
  /** Type-check generated code in the sandbox (default true, as in production). */
  readonly sandboxCheck?: boolean;
  /** Sees every model call (chat and embed) with its duration. */
  readonly observeModel?: (observation: LlmObservation) => void;
  /** The warm Python sandbox pool (the caller closes it); default a cold process per Python run. */
  readonly pythonPool?: LazyPythonPool;
}

/**
 * Opens the harness.
 *
 * @example
 * ```ts ignore
 * await using h = await openWorkflowHarness({ ollamaUrl: ollama.url });
 * ```
 */
export async function openWorkflowHarness(
  options: HarnessOptions,
): Promise<WorkflowHarness> {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-wf-" });
  const ownChroma = options.chroma === undefined;
  const chroma = options.chroma ?? await startEmbeddedChroma({ dataDir });
  const model = createModelClient({
    host: options.ollamaUrl,
    model: MODEL,
    embedModel: EMBED_MODEL,
    dimensions: 768,
    timeoutMs: options.modelTimeoutMs ?? 10_000,
    retries: 1,
    backoffMs: 20,
    ...(options.observeModel ? { observe: options.observeModel } : {}),
  });
  const vector = openVectorStore({
    client: chromaClient(chroma.url),
    embedder: model,
    model: EMBED_MODEL,
    dimensions: 768,
    chromaUrl: chroma.url,
    embedded: true,
    collectionPrefix: `t${crypto.randomUUID().slice(0, 8)}_`,
    ...(options.db ? { db: options.db } : {}),
  });
  const workspaceRoot = `${dataDir}/workspaces`;
  await Deno.mkdir(workspaceRoot, { recursive: true });
  const deps: WorkflowDeps = {
    ...createWorkflowDeps({
      model,
      vector,
      checkpointer: options.checkpointer ?? new MemorySaver(),
      workspaceRoot,
      sandbox: {
        timeoutMs: 30_000,
        memoryMb: 128,
        ...omitUndefined({ check: options.sandboxCheck }),
      },
      ...omitUndefined({ testRetries: options.testRetries }),
      tokenProgressMs: 200,
      ...(options.pythonPool ? { pythonPool: options.pythonPool } : {}),
    }),
    onProgress: () => {},
    isCancelled: () => false,
  };
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      if (ownChroma) await chroma.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    })();
  return {
    deps,
    vector,
    chroma,
    workspaceRoot,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Creates a user and a queued build; returns the build id. */
export async function newQueuedBuild(
  db: Db,
  input: { requirements?: string; language?: string } = {},
): Promise<{ buildId: string; userId: string }> {
  const user = await createUser(db, {
    email: `dev-${crypto.randomUUID()}@example.com`,
    name: "dev",
  }, { actorUserId: null });
  const build = await createBuild(db, {
    userId: user.id,
    project: "stack",
    language: input.language ?? "typescript",
    requirements: input.requirements ??
      "A typed LIFO stack with push, pop, peek and size.",
    source: "api",
  }, { actorUserId: user.id });
  return { buildId: build.id, userId: user.id };
}

/**
 * Polls the row until its status is one of `statuses` (a finished build by
 * default). Throws after `timeoutMs` so a stuck build fails the test instead
 * of hanging it.
 */
export async function waitForStatus(
  db: Db,
  buildId: string,
  statuses: readonly BuildStatus[] = ["succeeded", "failed", "cancelled"],
  timeoutMs = 90_000,
): Promise<Build> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const build = await loadBuild(db, buildId);
    if (build && statuses.includes(build.status)) return build;
    if (Date.now() > deadline) {
      throw new Error(
        `build ${buildId} is ${build?.status} after ${timeoutMs} ms, expected ${
          statuses.join("|")
        }`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The `status` events of a build as "from>to" strings. */
export async function statusTrail(db: Db, buildId: string): Promise<string[]> {
  return (await listBuildEvents(db, buildId)).filter((e) => e.type === "status")
    .map((e) => {
      const d = e.data as { from: string; to: string };
      return `${d.from}>${d.to}`;
    });
}

/** A node of the real stack: KV transport, Postgres state store and checkpoints, build and workflow actors. */
export interface TestNode extends AsyncDisposable {
  readonly system: ActorSystem;
  readonly kv: Deno.Kv;
  /** Stops the system and closes KV (the database and Chroma belong to the caller). */
  close(): Promise<void>;
}

/** Options of {@linkcode startTestNode}. */
export interface TestNodeOptions {
  readonly db: Db;
  /** Graph dependencies (the checkpointer is replaced by a PostgresSaver over `db`). */
  readonly deps: WorkflowDeps;
  /** KV file; default a fresh in-memory KV. */
  readonly kvPath?: string;
  readonly nodeId?: string;
  readonly leaseTtlMs?: number;
  readonly notify?: (events: readonly BuildEvent[]) => void;
  /** Use this transport instead of KV (KV is still opened for `kv`). */
  readonly transport?: Transport;
  /** Use this state store instead of PostgreSQL. */
  readonly store?: StateStore;
  /** Passed to the workflow behaviour: aborting it stops running graphs. */
  readonly stopSignal?: AbortSignal;
}

/**
 * Starts one node.
 *
 * @example
 * ```ts ignore
 * await using node = await startTestNode({ db, deps: h.deps });
 * await node.system.ref("build", id).tell({ type: "start" });
 * ```
 */
export async function startTestNode(
  options: TestNodeOptions,
): Promise<TestNode> {
  const kv = await Deno.openKv(options.kvPath ?? ":memory:");
  const store = options.store ?? new PostgresStateStore(options.db);
  // As the platform does: a lost or replaced KV is noticed and seqs continue
  // from what the state store committed.
  if (!options.transport) {
    await reconcileKvEpoch({ kv, store, logger: consoleLogger });
  }
  const transport = options.transport ?? new KvTransport({
    kv,
    ...(options.nodeId ? { nodeId: options.nodeId } : {}),
    leaseGraceMs: 200,
    seqFloor: (target) =>
      store instanceof PostgresStateStore
        ? store.lastSeq(target.kind, target.id)
        : Promise.resolve(0),
  });
  const checkpointer = await createCheckpointer(options.db);
  const { onProgress: _p, isCancelled: _c, ...graph } = options.deps;
  const system = new ActorSystem({
    behaviors: [
      buildBehavior({
        db: options.db,
        ...(options.notify ? { notify: options.notify } : {}),
      }),
      workflowBehavior({
        db: options.db,
        graph: { ...graph, checkpointer },
        ...(options.stopSignal ? { stopSignal: options.stopSignal } : {}),
      }),
    ],
    transport,
    store,
    leaseTtlMs: options.leaseTtlMs ?? 3_000,
  });
  system.start();
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      try {
        await system.shutdown();
      } finally {
        kv.close();
      }
    })();
  return { system, kv, close, [Symbol.asyncDispose]: close };
}
