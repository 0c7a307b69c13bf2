/**
 * The node an eval runs its builds on: a whole Troupe platform
 * (`startPlatform`: PGlite, Deno KV, embedded Chroma, the actors, the HTTP
 * API) in a fresh temporary data directory, with `OLLAMA_HOST` pointing at
 * the metering proxy (./meter.ts). Every model of a run builds on this one
 * node: builds name their model (`POST /v1/builds` with `model`), and each
 * model builds as its own user ({@linkcode EvalNode.userFor}), so no model
 * sees retrieval context left by another model's builds (code and build
 * memories are per user). Eval builds never count against a real user's
 * quota or appear in their history.
 *
 * @module
 */
import { type Config, parseConfig, pythonSnapshotDir } from "../config.ts";
import { type Platform, startPlatform } from "../platform.ts";
import { createApiKey } from "../storage/api_keys.ts";
import { createUser } from "../storage/users.ts";
import { type Meter, startMeter } from "./meter.ts";

/** A running eval node. */
export interface EvalNode extends AsyncDisposable {
  /** The running platform. */
  readonly platform: Platform;
  /** The metering proxy in front of Ollama. */
  readonly meter: Meter;
  /** The first admin's API key on this node. */
  readonly token: string;
  /** Seconds it took to start. */
  readonly startSeconds: number;
  /**
   * The API key of the user `model`'s builds are created as (one user per
   * model, created on first use), keeping each model's retrieval memory its
   * own.
   */
  userFor(model: string): Promise<string>;
  /** Stops the platform and the proxy and removes the data directory. */
  close(): Promise<void>;
}

/** Options of {@linkcode startEvalNode}. */
export interface EvalNodeOptions {
  /** The user's configuration: Ollama, embedding and sandbox settings are kept. */
  readonly config: Config;
  /** The node's configured model (OLLAMA_MODEL); eval builds name theirs. */
  readonly model: string;
  /** Generate -> test rounds in total (BUILD_TEST_RETRIES + 1). */
  readonly attempts: number;
  /** Task key -> text only its prompts contain (for token counts). */
  readonly markers: ReadonlyMap<string, string>;
  /** Where the temporary data directory goes. Default the system temp dir. */
  readonly tempRoot?: string;
}

/** Starts the node a run's models build on. */
export async function startEvalNode(
  options: EvalNodeOptions,
): Promise<EvalNode> {
  const started = performance.now();
  const { config } = options;
  const dataDir = await Deno.makeTempDir({
    prefix: "troupe-eval-node-",
    ...(options.tempRoot ? { dir: options.tempRoot } : {}),
  });
  const meter = await startMeter({
    upstream: config.OLLAMA_HOST,
    markers: options.markers,
  });
  let platform: Platform | undefined;
  try {
    const lines: string[] = [];
    platform = await startPlatform(
      parseConfig({
        HOST: "127.0.0.1",
        PORT: "0",
        DATA_DIR: dataDir,
        // The snapshot outlives the throwaway node: kept where the user's is.
        PYTHON_SNAPSHOT_DIR: pythonSnapshotDir(config),
        LOG_LEVEL: "error",
        ACTOR_TRANSPORT: "kv",
        OLLAMA_HOST: meter.url,
        OLLAMA_MODEL: options.model,
        OLLAMA_EMBED_MODEL: config.OLLAMA_EMBED_MODEL,
        EMBED_DIMENSIONS: String(config.EMBED_DIMENSIONS),
        OLLAMA_TIMEOUT_MS: String(config.OLLAMA_TIMEOUT_MS),
        OLLAMA_NUM_CTX: String(config.OLLAMA_NUM_CTX),
        OLLAMA_TEMPERATURE: String(config.OLLAMA_TEMPERATURE),
        OLLAMA_KEEP_ALIVE: String(config.OLLAMA_KEEP_ALIVE),
        BUILD_TEST_RETRIES: String(Math.max(0, options.attempts - 1)),
        SANDBOX_TIMEOUT_MS: String(config.SANDBOX_TIMEOUT_MS),
        SANDBOX_MEMORY_MB: String(config.SANDBOX_MEMORY_MB),
        RATE_LIMIT_PER_MINUTE: "1000000",
        DEFAULT_DAILY_QUOTA: "1000000",
      }),
      { announce: (line) => lines.push(line) },
    );
    const token = lines.join("\n").match(/trp_[A-Za-z0-9_-]+/)?.[0];
    if (!token) throw new Error("the eval node did not create its admin key");
    const node = platform;
    const keys = new Map<string, Promise<string>>();
    const userFor = (model: string) => {
      let key = keys.get(model);
      if (key === undefined) {
        const index = keys.size + 1;
        key = (async () => {
          const db = node.database.db;
          const user = await createUser(db, {
            email: `eval-model-${index}@eval.invalid`,
            name: `eval: ${model}`.slice(0, 100),
            role: "user",
            dailyBuildQuota: 1_000_000,
          }, { actorUserId: null });
          const { token } = await createApiKey(db, {
            userId: user.id,
            name: "eval",
          }, { actorUserId: null });
          return token;
        })();
        keys.set(model, key);
      }
      return key;
    };
    const close = async () => {
      await node.close();
      await meter.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    };
    return {
      platform: node,
      meter,
      token,
      startSeconds: (performance.now() - started) / 1000,
      userFor,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await platform?.close();
    await meter.close();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    throw error;
  }
}
