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
