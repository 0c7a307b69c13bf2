/**
 * Long polling with one poller per bot token across every node. Nodes compete
 * for a lease kept in a {@linkcode PollerStore} (compare-and-set with expiry
 * and a fencing token: Deno KV with the KV actor transport, PostgreSQL with
 * the postgres one, memory for a single process): the holder calls
 * getUpdates, the others wait and take over when the holder stops (it
 * releases the lease) or dies (the lease expires). The confirmed offset is
 * stored beside the lease under the holder's fence, so a new holder continues
 * where the last one stopped and a stale holder cannot move it.
 *
 * Why not grammY's runner (`@grammyjs/runner`): its update fetcher keeps the
 * offset in a closure that starts at 0 and advances as soon as a batch is
 * fetched, before the batch is handled, and its sinks report a failed update
 * to the error handler and move on; it stops on a 409. The lease, an offset
 * read from and committed to shared storage only after the batch reached the
 * chat actors' durable mailboxes, the refetch of a failed batch and the
 * reset detection below are what this loop is for. Outgoing pacing and
 * 429/5xx retries are grammY's plugins on the bot's api (see mod.ts), so a
 * getUpdates that answers 429 waits `retry_after` inside auto-retry there.
 *
 * A 409 Conflict from Telegram (another getUpdates elsewhere, or a webhook
 * still set) is retried with exponential backoff, never a crash; 429 waits
 * `retry_after`; a 401 stops polling with {@linkcode TelegramTokenError}.
 *
 * Update ids that restart lower. Telegram may choose the next update id at
 * random after a week without updates, and a restarted Bot API server starts
 * its own sequence: the stored offset is then above every new id. The Bot API
 * server answers an offset beyond its last id from the head of its queue
 * (telegram-bot-api falls back to the queue head when the offset is "in the
 * future"), so the sign of a reset is a non-empty answer whose ids are all
 * below the offset we asked with. The poller then takes those updates, moves
 * the offset down to follow the new sequence (confirming them), and reports
 * a `reset` event (logged as a warning). Updates are never judged by id alone
 * downstream: the chat actors de-duplicate by message identity.
 * Residual gap: an offset at most 10 above the server's last id is taken as
 * valid, and updates below it are confirmed unseen (telegram-bot-api
 * behaviour); a reset that lands that close loses those few updates.
 *
 * @module
 */
import { GrammyError } from "grammy";
import type { Api, Update } from "./_outside_types.ts";
import { type Clock, realClock, type TimerId } from "../runtime/clock.ts";
import { TelegramTokenError } from "./errors.ts";
import { MemoryPollerStore, type PollerStore } from "./poller_store.ts";
import { KvPollerStore } from "./poller_store_kv.ts";

export type {
  PollerAcquire,
  PollerAcquisition,
  PollerStore,
} from "./poller_store.ts";
export { MemoryPollerStore } from "./poller_store.ts";
export { KvPollerStore } from "./poller_store_kv.ts";

/** The part of grammY's `Api` the poller calls. */
export type PollingApi = Pick<Api, "getUpdates">;

/** grammY types its signal with an AbortController shim; the platform's is the same at run time. */
type ApiSignal = Parameters<Api["getUpdates"]>[1];

/** What the poller reports, for logs and metrics. */
export type PollerEvent =
  | { type: "leader"; fence: number; offset: number }
  | { type: "follower"; holder: string; retryInMs: number }
  | { type: "lease_lost" }
  | {
    type: "conflict";
    attempt: number;
    retryInMs: number;
    description: string;
  }
  | { type: "rate_limited"; retryAfterSeconds: number }
  | { type: "error"; error: unknown; retryInMs: number }
  | { type: "handled"; count: number; offset: number }
  | {
    type: "reset";
    /** The offset asked with. */
    previousOffset: number;
    /** The lowest update id of the answer. */
    firstUpdateId: number;
  };

/** Options of {@linkcode Poller}. */
export interface PollerOptions {
  /** grammY's api (or the part of it that polls). */
  readonly api: PollingApi;
  /**
   * Where the lease and offset live, shared by every node that polls this
   * bot (default: a {@linkcode KvPollerStore} over `kv` when given, else
   * memory: one process only).
   */
  readonly store?: PollerStore;
  /** An opened KV shared by every node (storage/ opens it); used when `store` is not given. */
  readonly kv?: Deno.Kv;
  /** The bot's id (the number before ":" in the token): one lease per bot. */
  readonly botId: number;
  /** This node's id. */
  readonly nodeId: string;
  /**
   * Handles a batch of updates, in order. When it resolves the updates count
   * as accepted and their offset is confirmed; when it throws, the batch is
   * fetched again.
   */
  readonly handle: (updates: Update[]) => Promise<void>;
  /** Long poll timeout (default 25 s). */
  readonly pollTimeoutSeconds?: number;
  /** Lease lifetime (default 60 s; at least twice the poll timeout). */
  readonly leaseMs?: number;
  /** The update types to ask for (all but chat_member ones by default, as Telegram does). */
  readonly allowedUpdates?: readonly Exclude<keyof Update, "update_id">[];
  /** Retry delays after 409s and errors: doubling from `initialMs` to `maxMs` (default 1 s .. 60 s). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Used in the 401 error (default https://api.telegram.org). */
  readonly apiRoot?: string;
  /** Lease expiry and waits are measured on it (default: the wall clock). */
  readonly clock?: Clock;
  /** Told about leadership, conflicts, errors and handled batches. */
  readonly onEvent?: (event: PollerEvent) => void;
  /** KV key prefix when the store is made from `kv` (default `["telegram"]`). */
  readonly keyPrefix?: readonly Deno.KvKeyPart[];
}

/**
 * The poller. `start()` once; `stop()` aborts the pending getUpdates and
 * releases the lease.
 *
 * @example
 * ```ts ignore
 * import { Poller } from "./polling.ts";
 * const poller = new Poller({
 *   api: bot.api, kv, botId: bot.botInfo.id, nodeId: "node-1",
 *   handle: async (updates) => { for (const u of updates) await bot.handleUpdate(u); },
 * });
 * poller.start();
 * await poller.stop();
 * ```
 */
export class Poller {
  readonly #o: PollerOptions;
  readonly #clock: Clock;
  readonly #store: PollerStore;
  readonly #leaseMs: number;
  readonly #timeout: number;
  #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #lease: { fence: number } | undefined;
  #offset = 0;
  #sleeps = new Map<TimerId, () => void>();
  #failure: unknown;

  /** A poller; nothing is called before {@linkcode Poller.start}. */
  constructor(options: PollerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#store = options.store ??
      (options.kv
        ? new KvPollerStore({
          kv: options.kv,
          ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
        })
        : new MemoryPollerStore());
    this.#timeout = options.pollTimeoutSeconds ?? 25;
    this.#leaseMs = Math.max(options.leaseMs ?? 60_000, this.#timeout * 2000);
  }

  /** True while this node holds the polling lease. */
  get leader(): boolean {
    return this.#lease !== undefined;
  }

  /** The next update id to fetch. */
  get offset(): number {
    return this.#offset;
  }

  /** Starts polling in the background. Returns a promise that settles when polling ends (rejects on a bad token). */
  start(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#loop;
  }

  /** Stops polling and releases the lease. */
  async stop(): Promise<void> {
    this.#abort.abort();
    for (const [id, wake] of this.#sleeps) {
      this.#clock.clearTimeout(id);
      wake();
    }
    this.#sleeps.clear();
    if (this.#loop) await this.#loop.catch(() => {});
    // The lease lapses by itself if storage cannot be reached now.
    await this.#release().catch(() => {});
  }

  async #run(): Promise<void> {
    let failures = 0;
    let conflicts = 0;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      if (!(await this.#holdLease())) continue;
      let updates: Update[];
      try {
        updates = await this.#o.api.getUpdates({
          offset: this.#offset,
          limit: 100,
          timeout: this.#timeout,
          ...(this.#o.allowedUpdates
            ? { allowed_updates: this.#o.allowedUpdates }
            : {}),
        }, signal as ApiSignal);
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof GrammyError) {
          if (error.error_code === 401) {
            this.#failure = new TelegramTokenError(
              this.#o.apiRoot ?? "https://api.telegram.org",
              error,
            );
            break;
          }
          if (error.error_code === 409) {
            conflicts++;
            const wait = this.#backoff(conflicts);
            this.#o.onEvent?.({
              type: "conflict",
              attempt: conflicts,
              retryInMs: wait,
              description: error.description,
            });
            await this.#sleep(wait);
            continue;
          }
          if (error.error_code === 429) {
            const seconds = error.parameters.retry_after ?? 1;
            this.#o.onEvent?.({
              type: "rate_limited",
              retryAfterSeconds: seconds,
            });
            await this.#sleep(seconds * 1000);
            continue;
          }
        }
        failures++;
        const wait = this.#backoff(failures);
        this.#o.onEvent?.({ type: "error", error, retryInMs: wait });
        await this.#sleep(wait);
        continue;
      }
      conflicts = 0;
      const asked = this.#offset;
      const reset = updates.length > 0 && asked > 0 &&
        updates.every((u) => u.update_id < asked);
      if (reset) {
        this.#o.onEvent?.({
          type: "reset",
          previousOffset: asked,
          firstUpdateId: Math.min(...updates.map((u) => u.update_id)),
        });
      }
      if (updates.length === 0) {
        failures = 0;
        continue;
      }
      try {
        await this.#o.handle(updates);
      } catch (error) {
        failures++;
        const wait = this.#backoff(failures);
        this.#o.onEvent?.({ type: "error", error, retryInMs: wait });
        await this.#sleep(wait);
        continue;
      }
      failures = 0;
      const next = Math.max(...updates.map((u) => u.update_id)) + 1;
      await this.#commitOffset(reset ? next : Math.max(asked, next));
      this.#o.onEvent?.({
        type: "handled",
        count: updates.length,
        offset: next,
      });
    }
    if (this.#failure) {
      await this.#release();
      throw this.#failure;
    }
  }

  /** Takes or renews the lease; false (after waiting) when another node holds it. */
  async #holdLease(): Promise<boolean> {
    const now = this.#clock.now();
    let got;
    try {
      got = await this.#store.acquire({
        botId: this.#o.botId,
        nodeId: this.#o.nodeId,
        heldFence: this.#lease?.fence,
        now,
        ttlMs: this.#leaseMs,
      });
    } catch (error) {
      // Storage down: stop polling until it answers (the lease lapses).
      this.#dropLease();
      const wait = Math.min(this.#leaseMs / 4, this.#backoff(1) * 4);
      this.#o.onEvent?.({ type: "error", error, retryInMs: wait });
      await this.#sleep(wait);
      return false;
    }
    if (got.type === "contended") return false;
    if (got.type === "follower") {
      this.#dropLease();
      const wait = Math.min(got.expiresAt - now, this.#leaseMs / 4) + 1;
      this.#o.onEvent?.({
        type: "follower",
        holder: got.holder,
        retryInMs: wait,
      });
      await this.#sleep(wait);
      return false;
    }
    if (got.renewed) return true;
    // Taken afresh: when we thought we held it, someone else had it between.
    this.#dropLease();
    this.#lease = { fence: got.fence };
    // The stored offset wins, also when lower: another holder may have
    // followed a reset of the update ids.
    this.#offset = got.offset ?? this.#offset;
    this.#o.onEvent?.({
      type: "leader",
      fence: got.fence,
      offset: this.#offset,
    });
    return true;
  }

  #dropLease(): void {
    if (!this.#lease) return;
    this.#lease = undefined;
    this.#o.onEvent?.({ type: "lease_lost" });
  }

  async #commitOffset(next: number): Promise<void> {
    this.#offset = next;
    const lease = this.#lease;
    if (!lease) return;
    let ok: boolean;
    try {
      ok = await this.#store.commitOffset(
        this.#o.botId,
        this.#o.nodeId,
        lease.fence,
        next,
      );
    } catch (error) {
      // Kept in memory: the next getUpdates confirms it to Telegram anyway,
      // and the next commit stores it.
      this.#o.onEvent?.({ type: "error", error, retryInMs: 0 });
      return;
    }
    if (!ok) this.#dropLease();
  }

  async #release(): Promise<void> {
    const lease = this.#lease;
    this.#lease = undefined;
    if (!lease) return;
    await this.#store.release(this.#o.botId, this.#o.nodeId, lease.fence);
  }

  #backoff(attempt: number): number {
    const { initialMs, maxMs } = this.#o.backoff ??
      { initialMs: 1000, maxMs: 60_000 };
    return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  }

  #sleep(ms: number): Promise<void> {
    if (this.#abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const id = this.#clock.setTimeout(() => {
        this.#sleeps.delete(id);
        resolve();
      }, ms);
      this.#sleeps.set(id, resolve);
    });
  }
}
