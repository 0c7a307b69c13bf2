/**
 * Where the Telegram poller keeps its lease and its confirmed offset: one
 * poller per bot token across every node. The lease is a compare-and-set with
 * an expiry and a fencing token: taking a lease that was free, expired or
 * held under another fence bumps the fence, and an offset is stored only
 * under the fence of the current holder, so a stale holder (one that was
 * paused past its expiry while another node took over) cannot move the
 * offset back.
 *
 * Implementations: {@linkcode MemoryPollerStore} (one process: tests and a
 * single node), `KvPollerStore` (bot/poller_store_kv.ts, Deno KV, used with
 * the KV actor transport) and `PgPollerStore` (storage/telegram_pollers.ts,
 * PostgreSQL, used with the postgres actor transport).
 *
 * @module
 */

/** What {@linkcode PollerStore.acquire} found. */
export type PollerAcquisition =
  | {
    /** This node holds the lease (taken or renewed). */
    readonly type: "leader";
    /** The lease's fencing token; a new one whenever the lease changes hands. */
    readonly fence: number;
    /** False when the lease was taken afresh (not a renewal of `heldFence`). */
    readonly renewed: boolean;
    /** The stored offset, undefined when none was ever stored. */
    readonly offset: number | undefined;
  }
  | {
    /** Another node holds a live lease. */
    readonly type: "follower";
    /** That node's id. */
    readonly holder: string;
    /** When its lease expires (ms on the nodes' clocks). */
    readonly expiresAt: number;
  }
  | {
    /** Lost a race with another node's write; look again. */
    readonly type: "contended";
  };

/** Arguments of {@linkcode PollerStore.acquire}. */
export interface PollerAcquire {
  /** The bot's id: one lease per bot. */
  readonly botId: number;
  /** This node's id. */
  readonly nodeId: string;
  /** The fence this node holds, to renew; undefined to take the lease. */
  readonly heldFence: number | undefined;
  /** Now, in ms (the poller's clock). */
  readonly now: number;
  /** How long the lease lasts from `now`. */
  readonly ttlMs: number;
}

/** The poller's lease and offset storage (see the module doc). */
export interface PollerStore {
  /**
   * Takes or renews the lease: succeeds when it is free, expired, already
   * this node's, or held by this node under `heldFence`; a new fence unless
   * it is a renewal.
   */
  acquire(request: PollerAcquire): Promise<PollerAcquisition>;
  /**
   * Stores the next offset if `nodeId` still holds the lease under `fence`;
   * false (nothing written) otherwise.
   */
  commitOffset(
    botId: number,
    nodeId: string,
    fence: number,
    offset: number,
  ): Promise<boolean>;
  /** Gives the lease up if `nodeId` holds it under `fence` (the fence and offset stay). */
  release(botId: number, nodeId: string, fence: number): Promise<void>;
}

/** A lease as the stores keep it. */
export interface StoredPollerLease {
  /** The holder's node id ("" once released). */
  readonly owner: string;
  /** Expiry in ms (0 once released). */
  readonly expiresAt: number;
  /** The fencing token. */
  readonly fence: number;
}

/**
 * The decision every store makes: from the stored lease (if any) and the
 * request, the lease to write, or who holds it.
 */
export function decideLease(
  held: StoredPollerLease | undefined,
  request: PollerAcquire,
):
  | {
    readonly type: "take";
    readonly lease: StoredPollerLease;
    renewed: boolean;
  }
  | { readonly type: "follower"; readonly holder: string; expiresAt: number } {
  const { nodeId, heldFence, now, ttlMs } = request;
  if (
    held && held.owner !== "" && held.owner !== nodeId && held.expiresAt > now
  ) {
    return { type: "follower", holder: held.owner, expiresAt: held.expiresAt };
  }
  const renewed = held !== undefined && held.owner === nodeId &&
    heldFence !== undefined && held.fence === heldFence;
  return {
    type: "take",
    renewed,
    lease: {
      owner: nodeId,
      expiresAt: now + ttlMs,
      fence: renewed ? held.fence : (held?.fence ?? 0) + 1,
    },
  };
}

/**
 * Leases and offsets in this process's memory: enough for one node (and for
 * tests); several pollers in one process share one instance.
 *
 * @example
 * ```ts
 * import { MemoryPollerStore } from "./poller_store.ts";
 * const store = new MemoryPollerStore();
 * const a = await store.acquire({ botId: 1, nodeId: "a", heldFence: undefined, now: 0, ttlMs: 1000 });
 * console.assert(a.type === "leader" && a.fence === 1);
 * const b = await store.acquire({ botId: 1, nodeId: "b", heldFence: undefined, now: 10, ttlMs: 1000 });
 * console.assert(b.type === "follower");
 * ```
 */
export class MemoryPollerStore implements PollerStore {
  readonly #leases = new Map<number, StoredPollerLease>();
  readonly #offsets = new Map<number, number>();

  /** {@inheritDoc PollerStore.acquire} */
  acquire(request: PollerAcquire): Promise<PollerAcquisition> {
    const decision = decideLease(this.#leases.get(request.botId), request);
    if (decision.type === "follower") return Promise.resolve(decision);
    this.#leases.set(request.botId, decision.lease);
    return Promise.resolve({
      type: "leader",
      fence: decision.lease.fence,
      renewed: decision.renewed,
      offset: this.#offsets.get(request.botId),
    });
  }

  /** {@inheritDoc PollerStore.commitOffset} */
  commitOffset(
    botId: number,
    nodeId: string,
    fence: number,
    offset: number,
  ): Promise<boolean> {
    const held = this.#leases.get(botId);
    if (!held || held.owner !== nodeId || held.fence !== fence) {
      return Promise.resolve(false);
    }
    this.#offsets.set(botId, offset);
    return Promise.resolve(true);
  }

  /** {@inheritDoc PollerStore.release} */
  release(botId: number, nodeId: string, fence: number): Promise<void> {
    const held = this.#leases.get(botId);
    if (held && held.owner === nodeId && held.fence === fence) {
      this.#leases.set(botId, { owner: "", expiresAt: 0, fence });
    }
    return Promise.resolve();
  }
}
