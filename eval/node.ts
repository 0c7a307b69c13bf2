/**
 * The node an eval runs its builds on: a whole Troupe platform
 * (`startPlatform`: PGlite, Deno KV, embedded Chroma, the actors, the HTTP
 * API) in a fresh temporary data directory, with `OLLAMA_MODEL` set to the
 * model under test and `OLLAMA_HOST` pointing at the metering proxy
 * (./meter.ts). A fresh node per model keeps runs comparable: no model sees
 * retrieval context left by another model's builds, and eval builds never
 * count against a user's quota or appear in their history.
 *
 * @module
 */
import { type Config, parseConfig } from "../config.ts";
import { type Platform, startPlatform } from "../platform.ts";
import { type Meter, startMeter } from "./meter.ts";

/** A running eval node. */
export interface EvalNode extends AsyncDisposable {
  readonly platform: Platform;
  readonly meter: Meter;
  /** The first admin's API key on this node (builds are created with it). */
  readonly token: string;
  /** Seconds it took to start. */
  readonly startSeconds: number;
  close(): Promise<void>;
}

/** Options of {@linkcode startEvalNode}. */
export interface EvalNodeOptions {
  /** The user's configuration: Ollama, embedding and sandbox settings are kept. */
  readonly config: Config;
  readonly model: string;
  /** Generate -> test rounds in total (BUILD_TEST_RETRIES + 1). */
  readonly attempts: number;
  /** Task key -> text only its prompts contain (for token counts). */
  readonly markers: ReadonlyMap<string, string>;
  /** Where the temporary data directory goes. Default the system temp dir. */
  readonly tempRoot?: string;
}

/** Starts a node for one model. */
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
