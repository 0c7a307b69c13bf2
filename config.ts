/**
 * Every setting Troupe reads from the environment, in one zod schema with
 * defaults. This is the only module that touches `Deno.env`.
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const url = z.url();
const csvIds = z.string().transform((s, ctx) => {
  const ids = s.split(",").map((p) => p.trim()).filter(Boolean);
  for (const id of ids) {
    if (!/^-?\d+$/.test(id)) {
      ctx.addIssue({
        code: "custom",
        message: `"${id}" is not a numeric Telegram id`,
      });
    }
  }
  return ids.map(Number);
});

/** Variable name -> schema, with a human description used in errors and docs. */
export const configSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1").describe(
    "interface the HTTP server binds",
  ),
  PORT: port.default(8080).describe("HTTP port (0 picks a free one)"),
  DATA_DIR: z.string().min(1).default("./data").describe(
    "where embedded PostgreSQL, KV and Chroma keep their files",
  ),
  DATA_DIR_MIN_FREE_MB: z.coerce.number().int().min(0).default(256).describe(
    "free space (MB) the disk under DATA_DIR must keep: below it the node stops taking KV queue deliveries, refuses writes with 503 and /readyz fails, until space is freed (0 = no watch)",
  ),
  NODE_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional().describe(
    "this node's id (default: random per start)",
  ),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info")
    .describe("log verbosity"),
  DATABASE_URL: url.optional().describe(
    "PostgreSQL URL; unset = embedded PGlite in DATA_DIR/pg",
  ),
  DATABASE_POOL_SIZE: positiveInt.default(10).describe(
    "PostgreSQL connection pool size",
  ),
  DATABASE_PREPARED_STATEMENTS: z.enum(["on", "off"]).default("on").describe(
    "named prepared statements; off behind a pooler that cannot keep them (PgBouncer transaction mode before 1.21)",
  ),
  DENO_KV_URL: z.string().min(1).optional().describe(
    "Deno KV path or KV Connect URL; unset = DATA_DIR/kv.sqlite3",
  ),
  PYTHON_SNAPSHOT_DIR: z.string().min(1).optional().describe(
    "where the Python sandbox keeps its start-up snapshot of Pyodide (about 30 MB, remade when Pyodide or the sandbox changes); unset = DATA_DIR/cache/python",
  ),
  CHROMA_URL: url.optional().describe(
    "Chroma server URL; unset = embedded Chroma in DATA_DIR/chroma",
  ),
  ACTOR_LEASE_TTL_MS: z.coerce.number().int().min(1000).max(600_000)
    .optional().describe(
      "how long a node's hold on an actor lasts without renewal (renewed every third of it): after a crash its actors move to another node within this time; unset = 3000 on the postgres transport, 30000 on kv",
    ),
  ACTOR_TRANSPORT: z.enum(["kv", "postgres"]).optional().describe(
    "how durable actors get their messages: kv (Deno KV, one machine) or postgres (a cluster); unset = postgres with DATABASE_URL, else kv",
  ),
  OLLAMA_HOST: url.default("http://127.0.0.1:11434").describe("Ollama server"),
  OLLAMA_MODEL: z.string().min(1).default("qwen2.5-coder:7b").describe(
    "model that writes code",
  ),
  OLLAMA_EMBED_MODEL: z.string().min(1).default("nomic-embed-text").describe(
    "embedding model",
  ),
  EMBED_DIMENSIONS: positiveInt.default(768).describe(
    "dimensions of the embedding model",
  ),
  OLLAMA_TIMEOUT_MS: positiveInt.default(120_000).describe(
    "timeout of one model call",
  ),
  OLLAMA_NUM_CTX: positiveInt.default(8192).describe(
    "context window of the code model, in tokens (Ollama's num_ctx)",
  ),
  OLLAMA_TEMPERATURE: z.coerce.number().min(0).max(2).default(0.2).describe(
    "sampling temperature of the code model",
  ),
  OLLAMA_KEEP_ALIVE: z.string().regex(
    /^-?\d+(?:\.\d+)?(?:ms|s|m|h)?$/,
    'a duration like "5m", "1h", "300" (seconds), "0" (unload at once) or "-1" (keep loaded)',
  ).default("5m").describe(
    "how long Ollama keeps the model loaded after a call",
  ),
  BUILD_TEST_RETRIES: z.coerce.number().int().min(0).max(10).default(3)
    .describe("generate -> test rounds after the first"),
  SANDBOX_TIMEOUT_MS: positiveInt.default(30_000).describe(
    "wall-clock limit of a sandboxed test run",
  ),
  SANDBOX_MEMORY_MB: positiveInt.default(128).describe(
    "V8 heap cap of a sandboxed test run",
  ),
  BODY_LIMIT_BYTES: positiveInt.default(1_048_576).describe(
    "largest accepted HTTP body",
  ),
  CORS_ORIGINS: z.string().default("").transform((s) =>
    s.split(",").map((o) => o.trim()).filter(Boolean)
  ).describe(
    "browser origins allowed to call the API, comma-separated (default: none, CORS off)",
  ),
  RATE_LIMIT_PER_MINUTE: positiveInt.default(120).describe(
    "requests per user per minute, across all of the user's API keys",
  ),
  DEFAULT_DAILY_QUOTA: z.coerce.number().int().min(0).default(50).describe(
    "builds per user per day for new users, however they are created",
  ),
  MAX_API_KEYS_PER_USER: z.coerce.number().int().min(1).max(1000).default(10)
    .describe(
      "most active (not revoked, not expired) API keys a user may hold",
    ),
  EVENT_RETENTION_DAYS: positiveInt.default(90).describe(
    "build events older than this are pruned",
  ),
  CHECKPOINT_RETENTION_DAYS: positiveInt.default(30).describe(
    "workflow checkpoints of finished builds older than this are pruned",
  ),
  TROUPE_URL: url.optional().describe(
    "the node that `deno task build` and `builds` talk to (default http://HOST:PORT)",
  ),
  TROUPE_API_KEY: z.string().min(1).optional().describe(
    "API key used by `deno task build` and `builds`",
  ),
  TELEGRAM_BOT_TOKEN: z.string().regex(
    /^\d+:[A-Za-z0-9_-]{20,}$/,
    "expected <bot id>:<secret> as given by @BotFather",
  ).optional()
    .describe("enables the Telegram bot"),
  TELEGRAM_ADMIN_IDS: csvIds.default([]).describe(
    "comma-separated Telegram user ids with /admin",
  ),
  TELEGRAM_WEBHOOK_URL: url.optional().describe(
    "public URL for webhook mode; unset = long polling",
  ),
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/).optional()
    .describe("secret token Telegram sends with webhook calls"),
  TELEGRAM_API_ROOT: url.default("https://api.telegram.org").describe(
    "Bot API server",
  ),
});

/** The validated configuration. */
export type Config = z.infer<typeof configSchema>;

/**
 * The actor transport in effect: `ACTOR_TRANSPORT`, or by default `postgres`
 * when `DATABASE_URL` names a shared server and `kv` on embedded PGlite.
 *
 * @example
 * ```ts
 * import { actorTransport, parseConfig } from "./config.ts";
 * console.assert(actorTransport(parseConfig({})) === "kv");
 * ```
 */
export function actorTransport(
  config: Pick<Config, "ACTOR_TRANSPORT" | "DATABASE_URL">,
): "kv" | "postgres" {
  return config.ACTOR_TRANSPORT ??
    (config.DATABASE_URL === undefined ? "kv" : "postgres");
}

/**
 * The actor lease TTL in effect: `ACTOR_LEASE_TTL_MS`, or by default 3 s on
 * the postgres transport (a killed node's actors move within ~3.6 s at p95,
 * measured with bench/cluster_failover.ts; a renewal per active actor per
 * second) and 30 s on kv (one node: nothing to move to).
 *
 * @example
 * ```ts
 * import { leaseTtlMs, parseConfig } from "./config.ts";
 * console.assert(leaseTtlMs(parseConfig({ ACTOR_TRANSPORT: "postgres" })) === 3000);
 * ```
 */
export function leaseTtlMs(
  config: Pick<
    Config,
    "ACTOR_LEASE_TTL_MS" | "ACTOR_TRANSPORT" | "DATABASE_URL"
  >,
): number {
  return config.ACTOR_LEASE_TTL_MS ??
    (actorTransport(config) === "postgres" ? 3_000 : 30_000);
}

/**
 * Where the Python sandbox keeps its start-up snapshot: `PYTHON_SNAPSHOT_DIR`,
 * or `DATA_DIR/cache/python`.
 *
 * @example
 * ```ts
 * import { parseConfig, pythonSnapshotDir } from "./config.ts";
 * console.assert(pythonSnapshotDir(parseConfig({ DATA_DIR: "/srv/troupe" })) === "/srv/troupe/cache/python");
 * ```
 */
export function pythonSnapshotDir(
  config: Pick<Config, "PYTHON_SNAPSHOT_DIR" | "DATA_DIR">,
): string {
  return config.PYTHON_SNAPSHOT_DIR ?? join(config.DATA_DIR, "cache", "python");
}

/**
 * Why the KV transport cannot run on this configuration, or undefined: a KV
 * Connect endpoint (an http(s) `DENO_KV_URL`) does not deliver queue
 * messages (denoland/denokv `remote/lib.rs`; issues #55 and #57), so
 * reminders, replies between nodes and crash recovery would never happen.
 */
function kvTransportProblem(
  config: Pick<Config, "ACTOR_TRANSPORT" | "DATABASE_URL" | "DENO_KV_URL">,
): string | undefined {
  if (actorTransport(config) !== "kv") return undefined;
  if (!/^https?:\/\//i.test(config.DENO_KV_URL ?? "")) return undefined;
  return "the kv actor transport needs Deno KV queues, which a KV Connect URL " +
    "does not deliver (denoland/denokv issues #55, #57); set " +
    "ACTOR_TRANSPORT=postgres with a shared DATABASE_URL for a cluster, or " +
    "point DENO_KV_URL at a local file";
}

/** A variable has a value of the wrong form. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    readonly problems: readonly { variable: string; message: string }[],
  ) {
    super(
      "invalid configuration:\n" +
        problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n"),
    );
  }
}

/**
 * Parses configuration from an environment map. Empty strings count as unset.
 *
 * @example
 * ```ts
 * import { parseConfig } from "./config.ts";
 * const config = parseConfig({ PORT: "9000" });
 * console.assert(config.PORT === 9000);
 * ```
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== "") input[key] = value.trim();
  }
  const result = configSchema.safeParse(input);
  if (result.success) {
    const problem = kvTransportProblem(result.data);
    if (problem === undefined) return result.data;
    throw new ConfigError([{ variable: "ACTOR_TRANSPORT", message: problem }]);
  }
  throw new ConfigError(result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? "(environment)");
    const description = configSchema.shape[variable as keyof Config]
      ?.description;
    const got = input[variable];
    return {
      variable,
      message: `${issue.message}${description ? ` (${description})` : ""}${
        got !== undefined && !variable.includes("TOKEN") &&
          !variable.includes("SECRET") &&
          !variable.includes("DATABASE_URL")
          ? `; got "${got}"`
          : ""
      }`,
    };
  }));
}

/** Reads the process environment. */
export function readConfig(): Config {
  return parseConfig(Deno.env.toObject());
}
