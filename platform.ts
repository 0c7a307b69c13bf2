/**
 * Wires one Troupe node from its configuration: storage -> runtime -> actors
 * -> HTTP and the Telegram bot. `main.ts` starts it; tests and load scripts
 * start it the same way with their own configuration.
 *
 * A dependency that is down does not stop the node: Chroma and Ollama are
 * reported by `/readyz`, and work that needs them fails with an error naming
 * the service. PostgreSQL and Deno KV are required.
 *
 * @module
 */
import {
  actorTransport,
  type Config,
  leaseTtlMs,
  pythonSnapshotDir,
} from "./config.ts";
import { createBuildBehaviors } from "./actors/build_behaviors.ts";
import { LazyPythonPool } from "./actors/workflow/tools/python_sandbox/lazy.ts";
import {
  type ClusterView,
  createMetrics,
  declareActorKinds,
  DEFAULT_PUBLISH_MS,
  type Metrics,
  METRICS_KIND,
  metricsActor,
  type MetricsMessage,
  publishEvery,
  record,
  recordApiKeyCache,
  recordDbQuery,
  recordLlmRequest,
  recordRuntimeEvent,
  recordTelegram,
  recordVectorOperation,
  watchDependencies,
  watchTelegramOutbox,
} from "./actors/metrics.ts";
import { sessionBehavior } from "./actors/session.ts";
import { createModelClient } from "./actors/workflow/mod.ts";
import { createModelCatalog } from "./actors/workflow/model_catalog.ts";
import { createBuildNotifier } from "./bot/notify.ts";
import {
  createBot,
  dbChatData,
  KvPollerStore,
  type TelegramBot,
  telegramOptionsFromConfig,
  TelegramTokenError,
  TelegramUnavailableError,
} from "./bot/mod.ts";
import { dataCommands, runDataCommand } from "./cli/mod.ts";
import { createApp } from "./http/app.ts";
import { storageAuthenticate } from "./http/auth_storage.ts";
import {
  type BuildEventHub,
  createBuildEventHub,
} from "./http/build_event_hub.ts";
import { join } from "node:path";
import { jsonLogger, type LeveledLogger as Logger } from "./runtime/logger.ts";
import { OPERATOR_PATH, operatorRoute } from "./http/operator.ts";
import {
  databaseProbe,
  diskProbe,
  healthProbe,
  kvProbe,
  writeProbe,
} from "./http/probes.ts";
import { checkReadiness, type Probe } from "./http/health.ts";
import { domainRoutes } from "./http/routes/mod.ts";
import { evalRoutes } from "./http/routes/evals.ts";
import { evalStarter, matchesAnyTask } from "./eval/mod.ts";
import { adminOpsRoutes } from "./http/routes/admin_ops.ts";
import { loadSessionSecret, ollamaModels, webConsole } from "./web/mod.ts";
import { KvTransport } from "./runtime/kv.ts";
import { reconcileKvEpoch } from "./runtime/kv_epoch.ts";
import { PgTransport } from "./storage/pg_transport.ts";
import { PgPollerStore } from "./storage/telegram_pollers.ts";
import { FencedStateStore } from "./storage/pg_fenced_store.ts";
import type { Message } from "./runtime/actor.ts";
import { ActorSystem, type ActorSystemOptions } from "./runtime/system.ts";
import {
  chromaClient,
  type EmbeddedChroma,
  startEmbeddedChroma,
} from "./storage/chroma_server.ts";
import { type Database, openDatabaseFromConfig } from "./storage/db.ts";
import { ApiKeyCache, watchAuthChanges } from "./storage/api_key_cache.ts";
import { openKv } from "./storage/kv.ts";
import { DiskGuard } from "./storage/disk_guard.ts";
import { storageWriteErrorOf } from "./storage/errors.ts";
import { probeDatabaseWrite, probeKvWrite } from "./storage/write_probes.ts";
import { migrateToLatest } from "./storage/migrate.ts";
import { PostgresStateStore } from "./storage/state_store.ts";
import { openVectorStore, type VectorStore } from "./storage/vector.ts";
import { ensureFirstAdmin } from "./bootstrap.ts";

/** A running node. */
export interface Platform extends AsyncDisposable {
  readonly config: Config;
  /** Where the HTTP API listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly nodeId: string;
  readonly system: ActorSystem;
  readonly database: Database;
  readonly kv: Deno.Kv;
  readonly vector: VectorStore;
  readonly metrics: Metrics;
  readonly bot: TelegramBot | undefined;
  /** Graceful stop: no new requests or wake-ups, in-flight turns finish, leases are released. */
  close(): Promise<void>;
}

/** Options of {@linkcode startPlatform}. */
export interface PlatformOptions {
  readonly logger?: Logger;
  /** Prints the first admin's API key when the database is empty (default: the logger). */
  readonly announce?: (line: string) => void;
  /** Skip HTTP (workers that only process actors). */
  readonly http?: boolean;
}

/**
 * Starts a node.
 *
 * @example
 * ```ts ignore
 * import { parseConfig } from "./config.ts";
 * import { startPlatform } from "./platform.ts";
 * await using platform = await startPlatform(parseConfig({ PORT: "0" }));
 * console.log(platform.url);
 * ```
 */
export async function startPlatform(
  config: Config,
  options: PlatformOptions = {},
): Promise<Platform> {
  const logger = options.logger ?? jsonLogger({ level: config.LOG_LEVEL });
  const nodeId = config.NODE_ID ?? `node-${crypto.randomUUID().slice(0, 8)}`;
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        logger.warn("shutdown step failed", { error: String(error) });
      }
    }
  };

  try {
    // The node's own directory, even when every store is elsewhere: the disk
    // guard watches it from the first check, the session key lives in it.
    await Deno.mkdir(config.DATA_DIR, { recursive: true });
    const metrics = createMetrics({
      models: [...new Set([config.OLLAMA_MODEL, config.OLLAMA_EMBED_MODEL])],
    });
    const database = await openDatabaseFromConfig(config, {
      onQuery: ({ operation, durationMs }) =>
        recordDbQuery(metrics, {
          operation,
          durationSeconds: durationMs / 1000,
        }),
      onPoolError: (error) =>
        logger.warn("idle PostgreSQL connection failed", {
          error: String(error),
        }),
    });
    cleanups.push(() => database.close());
    const applied = await migrateToLatest(database.db);
    if (applied.length) logger.info("migrations applied", { applied });
    const db = database.db;

    const kv = await openKv({
      url: config.DENO_KV_URL,
      dataDir: config.DATA_DIR,
    });
    cleanups.push(() => kv.close());

    // Free space under DATA_DIR: below the floor the KV queue pauses and
    // writes answer 503 before the stores fill the disk (see README).
    const diskGuard = config.DATA_DIR_MIN_FREE_MB > 0
      ? new DiskGuard({
        path: config.DATA_DIR,
        minFreeBytes: config.DATA_DIR_MIN_FREE_MB * 1024 * 1024,
        logger,
      })
      : undefined;
    await diskGuard?.start();
    cleanups.push(() => diskGuard?.stop());

    let chroma: EmbeddedChroma | undefined;
    let chromaUrl = config.CHROMA_URL;
    if (!chromaUrl) {
      try {
        chroma = await startEmbeddedChroma({ dataDir: config.DATA_DIR });
        cleanups.push(() => chroma?.stop());
        chromaUrl = chroma.url;
      } catch (error) {
        logger.error(
          "embedded Chroma did not start; search and build context are unavailable",
          {
            error: String(error),
          },
        );
        chromaUrl = "http://127.0.0.1:1";
      }
    }
    const model = createModelClient({
      host: config.OLLAMA_HOST,
      model: config.OLLAMA_MODEL,
      embedModel: config.OLLAMA_EMBED_MODEL,
      dimensions: config.EMBED_DIMENSIONS,
      timeoutMs: config.OLLAMA_TIMEOUT_MS,
      modelOptions: {
        num_ctx: config.OLLAMA_NUM_CTX,
        temperature: config.OLLAMA_TEMPERATURE,
      },
      keepAlive: config.OLLAMA_KEEP_ALIVE,
      observe: (observation) => recordLlmRequest(metrics, observation),
    });
    const vector = openVectorStore({
      client: chromaClient(chromaUrl),
      db,
      embedder: model,
      model: config.OLLAMA_EMBED_MODEL,
      dimensions: config.EMBED_DIMENSIONS,
      chromaUrl,
      embedded: chroma !== undefined,
      observe: (observation) => recordVectorOperation(metrics, observation),
    });

    const hub: BuildEventHub = createBuildEventHub();
    const telegram = telegramOptionsFromConfig(config);
    const notifyChats = telegram
      ? createBuildNotifier({ db, refs: () => actors })
      : undefined;

    let bot: TelegramBot | undefined;
    const telegramState: { ok: boolean; error?: string } = {
      ok: false,
      error: "starting",
    };
    const telegramRetry = new AbortController();
    if (telegram) {
      bot = createBot({
        ...telegram,
        data: dbChatData(db),
        // One poller per bot token across the nodes: its lease and offset
        // live where the nodes' actors do (a postgres cluster needs no
        // shared KV).
        pollerStore: actorTransport(config) === "postgres"
          ? new PgPollerStore(db)
          : new KvPollerStore({ kv }),
        nodeId,
        log: (level, message, fields) =>
          logger[level](message, { component: "telegram", ...fields }),
        observe: (observation) => recordTelegram(metrics, observation),
      });
      const outbox = bot.outbox;
      watchTelegramOutbox(metrics, () => outbox.pending);
    }

    // Aborted first on close: running graphs stop at their next step and
    // resume from their checkpoint on this or another node.
    const stopWorkflows = new AbortController();
    // Pyodide loads on the first Python build, not at boot; closed after the actors stop.
    // Its start-up snapshot is kept across restarts.
    const pythonPool = new LazyPythonPool({
      size: 1,
      snapshotDir: pythonSnapshotDir(config),
    });
    cleanups.push(() => pythonPool.close());
    const buildBehaviors = await createBuildBehaviors({
      db,
      pythonPool,
      model,
      vector,
      config,
      stopSignal: stopWorkflows.signal,
      notify: async (events) => {
        hub.publish(events);
        await notifyChats?.(events).catch((error) =>
          logger.warn("build notification failed", { error: String(error) })
        );
      },
      metrics: (observation) => record(metrics, observation),
    });
    const behaviors: ActorSystemOptions["behaviors"][number][] = [
      sessionBehavior({ db }),
      ...buildBehaviors,
      // Publishes this node's figures to the shared table, reads the cluster's.
      metricsActor(metrics, {
        db,
        nodeId,
        onPublishError: (error) =>
          logger.warn("cluster figures not published", {
            error: String(error),
          }),
      }),
      ...(bot ? [bot.chatBehavior] : []),
    ];
    declareActorKinds(metrics, behaviors.map((behavior) => behavior.kind));
    const kvDurable = async () => {
      const store = new PostgresStateStore(db);
      // A lost or replaced KV store is noticed (and logged) here; its actors'
      // message numbers continue from what PostgreSQL committed.
      await reconcileKvEpoch({
        kv,
        store,
        logger,
        location: config.DENO_KV_URL
          ? "DENO_KV_URL"
          : join(config.DATA_DIR, "kv.sqlite3"),
      });
      const transport = new KvTransport({
        kv,
        nodeId,
        logger,
        seqFloor: (target) => store.lastSeq(target.kind, target.id),
        // A handle of its own for the queue, so that the disk guard can pause it.
        openQueue: () =>
          openKv({ url: config.DENO_KV_URL, dataDir: config.DATA_DIR }),
      });
      if (diskGuard) {
        const follow = (low: boolean) =>
          (low ? transport.pause() : transport.resume()).catch((error) =>
            logger.error("KV queue pause/resume failed", {
              error: String(error),
            })
          );
        if (diskGuard.low) await follow(true);
        diskGuard.onChange((state) => follow(!state.ok));
      }
      return { transport, store };
    };
    // Deno KV queues do not reach across machines (KV Connect has none):
    // a cluster's actors are delivered through PostgreSQL.
    const pgDurable = () => {
      const transport = new PgTransport({ database, nodeId });
      // A transactional outbox: a turn's tells commit with its state.
      return { transport, store: new FencedStateStore(db, { transport }) };
    };
    const durable = actorTransport(config) === "postgres"
      ? pgDurable()
      : await kvDurable();
    const actors: ActorSystem = new ActorSystem({
      behaviors,
      ...durable,
      logger,
      nodeId,
      leaseTtlMs: leaseTtlMs(config),
      onEvent: (event) => recordRuntimeEvent(metrics, event),
      onDeadLetter: (letter) =>
        logger.error("message dead-lettered", {
          kind: letter.kind,
          id: letter.id,
          seq: letter.seq,
          error: letter.error,
        }),
    });
    actors.start();
    cleanups.push(() => actors.shutdown());
    const metricsRef = actors.ref<MetricsMessage>(METRICS_KIND, nodeId);
    cleanups.push(() => stopWorkflows.abort());

    await ensureFirstAdmin(
      db,
      options.announce ?? ((line) => logger.info(line)),
      { dailyBuildQuota: config.DEFAULT_DAILY_QUOTA },
    );

    // Best practices need the embedding model; without Ollama they are seeded on a later start.
    vector.seedBestPractices().then(
      (result) => result.added && logger.info("best practices seeded", result),
      (error) =>
        logger.warn("best practices not seeded yet", { error: String(error) }),
    );

    // What /readyz checks, also scraped as troupe_dependency_up{dependency}.
    const probes: Probe[] = [
      databaseProbe(database),
      kvProbe(kv),
      writeProbe("postgres-write", () => probeDatabaseWrite(db, nodeId)),
      writeProbe("kv-write", () => probeKvWrite(kv, nodeId)),
      ...(diskGuard ? [diskProbe(diskGuard)] : []),
      healthProbe("chroma", false, vector),
      healthProbe("ollama", false, model),
      ...(bot
        ? [
          healthProbe("telegram", false, {
            health: () => Promise.resolve(telegramState),
          }),
        ]
        : []),
    ];
    watchDependencies(metrics, async () => {
      const report = await checkReadiness(probes);
      return Object.fromEntries(
        Object.entries(report.checks).map((
          [name, check],
        ) => [name, check.status === "ok"]),
      );
    });

    let url = "";
    if (options.http ?? true) {
      const keyCache = new ApiKeyCache();
      cleanups.push(
        await watchAuthChanges(database, keyCache, {
          lost: (error) => {
            recordApiKeyCache(metrics, false);
            logger.warn(
              "API key change feed is down: keys are checked in the database until it is back",
              { error: String(error) },
            );
          },
          restored: () => {
            recordApiKeyCache(metrics, true);
            logger.info("API key change feed is back");
          },
        }),
      );
      recordApiKeyCache(metrics, keyCache.active);
      const app = createApp({
        authenticate: storageAuthenticate(db, { check: keyCache.check }),
        metrics,
        logger,
        bodyLimit: config.BODY_LIMIT_BYTES,
        corsOrigins: config.CORS_ORIGINS,
        rateLimit: { perMinute: config.RATE_LIMIT_PER_MINUTE },
        ...(diskGuard ? { writeGuard: () => diskGuard.writeError() } : {}),
        errorMappers: [(error) => {
          // A write failed for want of space: look at the disk now, not at the next tick.
          if (storageWriteErrorOf(error)) void diskGuard?.check();
          return undefined;
        }],
        probes,
        routes: [
          ...domainRoutes({
            db,
            actors,
            vector,
            events: hub,
            models: createModelCatalog({ list: () => model.listModels() }),
            onAuthChange: keyCache.invalidate,
            defaultDailyQuota: config.DEFAULT_DAILY_QUOTA,
            maxApiKeysPerUser: config.MAX_API_KEYS_PER_USER,
          }),
          evalRoutes({
            db,
            run: evalStarter(config),
            defaultModel: config.OLLAMA_MODEL,
            defaultAttempts: config.BUILD_TEST_RETRIES + 1,
            matchesAnyTask,
          }),
          adminOpsRoutes({
            db,
            redeliver: (kind, id, message) =>
              actors.ref(kind, id).tell(message as Message),
            cluster: () => metricsRef.ask<ClusterView>({ type: "cluster" }),
          }),
        ],
      });
      // The web console at `/`, reading and writing through the API above.
      app.route(
        "/",
        await webConsole({
          api: (request, env) => app.fetch(request, env),
          secret: await loadSessionSecret(config.DATA_DIR),
          models: ollamaModels(config.OLLAMA_HOST),
        }),
      );
      if (bot?.webhookHandler && bot.webhookPath) {
        app.post(bot.webhookPath, bot.webhookHandler);
      }
      const lock = database.lock;
      if (lock) {
        // This node owns the embedded database: `deno task` data commands
        // run here, on its database, instead of opening the files themselves.
        const node = { database, kv, vector };
        operatorRoute(app, {
          token: lock.adminToken,
          commands: Object.keys(dataCommands),
          run: (name, args) => runDataCommand(name, args, { config, node }),
        });
      }
      const server = Deno.serve({
        hostname: config.HOST,
        port: config.PORT,
        onListen: () => {},
      }, app.fetch);
      cleanups.push(() => server.shutdown());
      url = `http://${
        config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST
      }:${server.addr.port}`;
      if (lock) {
        const local = ["0.0.0.0", "::"].includes(config.HOST)
          ? `http://127.0.0.1:${server.addr.port}`
          : url;
        await lock.publishAdmin(`${local}${OPERATOR_PATH}`);
      }
    }

    if (bot) {
      const started = bot;
      cleanups.push(() => started.stop());
      cleanups.push(() => telegramRetry.abort());
      await startBot(
        started,
        actors,
        telegramState,
        logger,
        telegramRetry.signal,
      );
    }

    logger.info("troupe node started", {
      nodeId,
      url,
      database: database.target,
      chroma: chromaUrl,
      ollama: config.OLLAMA_HOST,
      telegram: bot ? (telegram?.webhook ? "webhook" : "polling") : "off",
    });

    // This node's figures in the shared table, from now on every period
    // (started once the boot's own queries are done; stopped first on close).
    cleanups.push(
      publishEvery(
        () => metricsRef.tell({ type: "publish" }),
        DEFAULT_PUBLISH_MS,
      ),
    );

    let closing: Promise<void> | undefined;
    const close = () => closing ??= cleanup();
    return {
      config,
      url,
      nodeId,
      system: actors,
      database,
      kv,
      vector,
      metrics,
      bot,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

const TELEGRAM_RETRY_MS = 30_000;

/**
 * Starts the bot without letting it take the node down: a rejected token is
 * reported once and the bot stays off (no crash loop); an unreachable Bot API
 * is retried every 30 s. `/readyz` shows the bot's state.
 */
async function startBot(
  bot: TelegramBot,
  actors: ActorSystem,
  state: { ok: boolean; error?: string },
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  try {
    await bot.start(actors);
    state.ok = true;
    delete state.error;
  } catch (error) {
    state.error = error instanceof Error ? error.message : String(error);
    if (error instanceof TelegramTokenError) {
      logger.error("Telegram bot disabled", { error: state.error });
      return;
    }
    if (!(error instanceof TelegramUnavailableError)) throw error;
    logger.warn(
      `Telegram bot not started; retrying in ${TELEGRAM_RETRY_MS / 1000} s`,
      { error: state.error },
    );
    const timer = setTimeout(
      () => void startBot(bot, actors, state, logger, signal),
      TELEGRAM_RETRY_MS,
    );
    signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  }
}
