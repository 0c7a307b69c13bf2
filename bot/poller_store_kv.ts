/**
 * The poller's lease and offset in Deno KV (the store used with the KV actor
 * transport): the lease at `[...prefix, "poller", botId]`, the offset beside
 * it at `[...prefix, "offset", botId]`, each write a compare-and-set on the
 * lease entry's versionstamp.
 *
 * @module
 */
import {
  decideLease,
  type PollerAcquire,
  type PollerAcquisition,
  type PollerStore,
  type StoredPollerLease,
} from "./poller_store.ts";

/** Options of {@linkcode KvPollerStore}. */
export interface KvPollerStoreOptions {
  /** An opened KV (storage/ opens it), shared by the nodes that compete. */
  readonly kv: Deno.Kv;
  /** Key prefix (default `["telegram"]`). */
  readonly keyPrefix?: readonly Deno.KvKeyPart[];
}

/**
 * Leases and offsets in Deno KV.
 *
 * @example
 * ```ts
 * import { KvPollerStore } from "./poller_store_kv.ts";
 * const kv = await Deno.openKv(":memory:");
 * const store = new KvPollerStore({ kv });
 * const lease = await store.acquire({ botId: 1, nodeId: "a", heldFence: undefined, now: 0, ttlMs: 1000 });
 * console.assert(lease.type === "leader");
 * kv.close();
 * ```
 */
export class KvPollerStore implements PollerStore {
  readonly #kv: Deno.Kv;
  readonly #prefix: readonly Deno.KvKeyPart[];

  /** A store over `options.kv`. */
  constructor(options: KvPollerStoreOptions) {
    this.#kv = options.kv;
    this.#prefix = options.keyPrefix ?? ["telegram"];
  }

  #leaseKey(botId: number): Deno.KvKey {
    return [...this.#prefix, "poller", botId];
  }

  #offsetKey(botId: number): Deno.KvKey {
    return [...this.#prefix, "offset", botId];
  }

  /** {@inheritDoc PollerStore.acquire} */
  async acquire(request: PollerAcquire): Promise<PollerAcquisition> {
    const key = this.#leaseKey(request.botId);
    const entry = await this.#kv.get<StoredPollerLease>(key);
    const decision = decideLease(entry.value ?? undefined, request);
    if (decision.type === "follower") return decision;
    const result = await this.#kv.atomic().check(entry).set(
      key,
      decision.lease,
    ).commit();
    if (!result.ok) return { type: "contended" };
    const offset = await this.#kv.get<number>(this.#offsetKey(request.botId));
    return {
      type: "leader",
      fence: decision.lease.fence,
      renewed: decision.renewed,
      offset: offset.value ?? undefined,
    };
  }

  /** {@inheritDoc PollerStore.commitOffset} */
  async commitOffset(
    botId: number,
    nodeId: string,
    fence: number,
    offset: number,
  ): Promise<boolean> {
    const entry = await this.#kv.get<StoredPollerLease>(this.#leaseKey(botId));
    const held = entry.value;
    if (!held || held.owner !== nodeId || held.fence !== fence) return false;
    const result = await this.#kv.atomic().check(entry).set(
      this.#offsetKey(botId),
      offset,
    ).commit();
    return result.ok;
  }

  /** {@inheritDoc PollerStore.release} */
  async release(botId: number, nodeId: string, fence: number): Promise<void> {
    const key = this.#leaseKey(botId);
    const entry = await this.#kv.get<StoredPollerLease>(key);
    const held = entry.value;
    if (!held || held.owner !== nodeId || held.fence !== fence) return;
    // The fence stays, so the next holder's is higher than every earlier one.
    const released: StoredPollerLease = { owner: "", expiresAt: 0, fence };
    await this.#kv.atomic().check(entry).set(key, released).commit();
  }
}
