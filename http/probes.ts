/**
 * Readiness probes for Troupe's dependencies, built from the objects that
 * already know how to check themselves. Pass them to `createApp({ probes })`.
 *
 * PostgreSQL and KV are required by default (nothing works without them);
 * Chroma and Ollama are optional by default: without them the node still
 * serves reads and `/readyz` says "degraded", naming the one that is down.
 *
 * @module
 */
import type { Probe } from "./health.ts";

/** Something with a `health()` that never throws and says `ok` or why not. */
export interface SelfChecking {
  /**
   * Resolves with `ok`, or `ok: false` and the reason in `error`; never
   * rejects.
   */
  health(): Promise<{ ok: boolean; error?: string | undefined }>;
}

/**
 * A probe from a `health()` method (the vector store, the model client).
 *
 * @example
 * ```ts
 * import { healthProbe } from "./probes.ts";
 * const ollama = healthProbe("ollama", false, { health: async () => ({ ok: true }) });
 * ```
 */
export function healthProbe(
  name: string,
  required: boolean,
  target: SelfChecking,
): Probe {
  return {
    name,
    required,
    async check() {
      const result = await target.health();
      if (!result.ok) throw new Error(result.error ?? `${name} is unavailable`);
    },
  };
}

/**
 * PostgreSQL: a round trip through the pool (`Database.ping`).
 *
 * @example
 * ```ts
 * import { databaseProbe } from "./probes.ts";
 * const probe = databaseProbe({ ping: async () => {} });
 * ```
 */
export function databaseProbe(
  database: { ping(): Promise<void> },
  required = true,
): Probe {
  return { name: "postgres", required, check: () => database.ping() };
}

/**
 * Deno KV: one read of a key nobody writes.
 *
 * @example
 * ```ts
 * import { kvProbe } from "./probes.ts";
 * const kv = await Deno.openKv(":memory:");
 * const probe = kvProbe(kv);
 * kv.close();
 * ```
 */
export function kvProbe(
  kv: Pick<Deno.Kv, "get">,
  required = true,
): Probe {
  return {
    name: "kv",
    required,
    async check() {
      await kv.get(["troupe", "readiness"]);
    },
  };
}

/** Chroma, through the vector store's `health()`. */
export function vectorProbe(store: SelfChecking, required = false): Probe {
  return healthProbe("chroma", required, store);
}

/** Ollama, through the model client's `health()` (fails when a configured model is missing). */
export function modelProbe(client: SelfChecking, required = false): Probe {
  return healthProbe("ollama", required, client);
}

/**
 * A write to a store (`kv-write`, `postgres-write`): a store that answers
 * reads but refuses writes (full disk, read-only file system) fails it.
 *
 * @example
 * ```ts
 * import { writeProbe } from "./probes.ts";
 * const kv = await Deno.openKv(":memory:");
 * const probe = writeProbe("kv-write", () => kv.set(["probe"], 1).then(() => {}));
 * await probe.check(new AbortController().signal);
 * kv.close();
 * ```
 */
export function writeProbe(
  name: string,
  write: () => Promise<void>,
  required = true,
): Probe {
  return { name, required, check: () => write() };
}

/** What {@linkcode diskProbe} reads: the disk guard's last state. */
export interface DiskWatch {
  readonly state: { readonly ok: boolean; readonly reason?: string };
}

/**
 * Free space under `DATA_DIR`, as the disk guard last saw it: fails, naming
 * the disk and its free space, while the guard holds writes back.
 *
 * @example
 * ```ts
 * import { diskProbe } from "./probes.ts";
 * const probe = diskProbe({ state: { ok: true } });
 * ```
 */
export function diskProbe(guard: DiskWatch, required = true): Probe {
  return {
    name: "disk",
    required,
    check() {
      const state = guard.state;
      return state.ok
        ? Promise.resolve()
        : Promise.reject(new Error(state.reason ?? "disk space is low"));
    },
  };
}
