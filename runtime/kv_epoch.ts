/**
 * The identity of a KV store, kept in both the KV store and the state store,
 * so that losing or replacing one of them is noticed at start instead of
 * showing up as silently skipped messages.
 *
 * The KV transport numbers each actor's messages with a counter kept in KV;
 * the state store records the last seq each actor processed. A new KV file
 * under an old state store starts every counter at 1 again, and those
 * messages look already processed. The transport's `seqFloor` option makes
 * such counters continue after the store's seq; this check says what
 * happened, in a warning.
 *
 * @module
 */
import { VersionConflictError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { StateStore } from "./store.ts";
import { epochKey } from "./_kv_keys.ts";
import { retryLocked } from "./_kv_retry.ts";

/** The state store row holding the KV epoch (not an actor kind anyone registers). */
export const EPOCH_KIND = "troupe.runtime";
export const EPOCH_ID = "kv-epoch";

/** What {@linkcode reconcileKvEpoch} found. */
export type KvEpochCheck =
  /** Neither store knew an epoch: a new installation. */
  | { readonly type: "new"; readonly epoch: string }
  /** Both agree. */
  | { readonly type: "same"; readonly epoch: string }
  /** The state store knew an epoch, KV had none: the KV store is new (lost, deleted or replaced). */
  | {
    readonly type: "kv_replaced";
    readonly epoch: string;
    readonly previous: string;
  }
  /** KV had an epoch, the state store none: the state store is new. */
  | { readonly type: "store_replaced"; readonly epoch: string }
  /** Both had one, different: they do not belong together (one was restored or swapped). */
  | {
    readonly type: "mismatch";
    readonly epoch: string;
    readonly previous: string;
  };

/** Options of {@linkcode reconcileKvEpoch}. */
export interface KvEpochOptions {
  readonly kv: Deno.Kv;
  readonly store: StateStore;
  readonly logger: Logger;
  /** Where the KV store is, for the log line (a path or URL). */
  readonly location?: string;
  /** Wall-clock milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

/** The value under the KV epoch key. */
interface KvEpoch {
  readonly epoch: string;
  /** When it was written (ms): a store without it this soon after is a node starting alongside. */
  readonly at: number;
}

/** A KV epoch this young with no copy in the state store is another node's start, not a replaced store. */
const STARTING_TOGETHER_MS = 60_000;

/**
 * Compares the KV store's epoch with the one the state store remembers,
 * writes the KV's (new or existing) epoch to both, and warns when they did not
 * match. Call once at start, before the actor system takes messages.
 */
export async function reconcileKvEpoch(
  options: KvEpochOptions,
): Promise<KvEpochCheck> {
  const { kv, store, logger } = options;
  const now = options.now ?? Date.now;
  const fresh: KvEpoch = { epoch: crypto.randomUUID(), at: now() };
  // Insert-if-absent: nodes starting together agree on one epoch.
  const created = await retryLocked(() =>
    kv.atomic().check({ key: epochKey, versionstamp: null })
      .set(epochKey, fresh).commit()
  );
  const current = created.ok
    ? fresh
    : (await retryLocked(() => kv.get<KvEpoch>(epochKey))).value ?? fresh;
  const kvEpoch = current.epoch;
  const stored = await store.load(EPOCH_KIND, EPOCH_ID);
  const previous = epochOf(stored?.state);
  let check: KvEpochCheck;
  if (previous === undefined) {
    check = created.ok || now() - current.at < STARTING_TOGETHER_MS
      ? { type: "new", epoch: kvEpoch }
      : { type: "store_replaced", epoch: kvEpoch };
  } else if (previous === kvEpoch) {
    check = { type: "same", epoch: kvEpoch };
  } else if (created.ok) {
    check = { type: "kv_replaced", epoch: kvEpoch, previous };
  } else {
    check = { type: "mismatch", epoch: kvEpoch, previous };
  }
  if (previous !== kvEpoch) {
    try {
      await store.save(
        EPOCH_KIND,
        EPOCH_ID,
        { state: { epoch: kvEpoch }, lastSeq: 0, fence: 0 },
        stored?.version ?? 0,
      );
    } catch (error) {
      // Another node starting on the same stores wrote it first.
      if (!(error instanceof VersionConflictError)) throw error;
    }
  }
  const where = options.location ? ` at ${options.location}` : "";
  switch (check.type) {
    case "kv_replaced":
      logger.warn(
        `the Deno KV store${where} is new but the state store has run with another one: the old KV's undelivered messages, leases and reminders are lost; message sequence numbers continue from the state store's`,
        {
          component: "runtime",
          kvEpoch: check.epoch,
          previousEpoch: check.previous,
        },
      );
      break;
    case "store_replaced":
      logger.warn(
        `the state store has no record of the Deno KV store${where}: the state store is new or was replaced; actors start from their initial state and messages still queued in KV are processed`,
        { component: "runtime", kvEpoch: check.epoch },
      );
      break;
    case "mismatch":
      logger.warn(
        `the Deno KV store${where} and the state store belong to different installations (one was restored or swapped): an actor whose KV sequence number is behind the state store's skips messages until it catches up; restore both from the same backup`,
        {
          component: "runtime",
          kvEpoch: check.epoch,
          previousEpoch: check.previous,
        },
      );
      break;
  }
  return check;
}

function epochOf(state: unknown): string | undefined {
  if (typeof state !== "object" || state === null) return undefined;
  const epoch = (state as { epoch?: unknown }).epoch;
  return typeof epoch === "string" ? epoch : undefined;
}
