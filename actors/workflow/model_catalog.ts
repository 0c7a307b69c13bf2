/**
 * Which chat models a build may ask for: the models installed on Ollama
 * (`/api/tags`), read at most once per `ttlMs` and shared by concurrent
 * callers, so checking a build's `model` costs no round trip on the hot
 * path. A name is installed when Ollama lists it as written or with the
 * implicit `:latest` tag (`llama3` is `llama3:latest`), as Ollama resolves
 * names. A miss re-reads the list once it is a second old, so a model
 * pulled a moment ago is found.
 *
 * @module
 */
import { type Clock, realClock } from "../../runtime/clock.ts";

/** The outcome of {@linkcode ModelCatalog.check}. */
export type ModelCheck =
  | { readonly ok: true; readonly model: string }
  | { readonly ok: false; readonly installed: readonly string[] };

/** Installed models, cached briefly. */
export interface ModelCatalog {
  /**
   * Whether `model` is installed; when not, the installed models. Throws
   * what `list` throws (Ollama unreachable) when no fresh list is known.
   */
  check(model: string): Promise<ModelCheck>;
}

/** Options of {@linkcode createModelCatalog}. */
export interface ModelCatalogOptions {
  /** Reads the installed models (`ModelClient.listModels`). */
  readonly list: () => Promise<readonly string[]>;
  /** How long a list is trusted. Default 10 s. */
  readonly ttlMs?: number;
  /** A miss re-reads a list older than this. Default 1 s. */
  readonly missRefreshMs?: number;
  readonly clock?: Clock;
}

/** `name` with Ollama's implicit `:latest` tag. */
export function fullModelName(name: string): string {
  const lastSegment = name.slice(name.lastIndexOf("/") + 1);
  return lastSegment.includes(":") ? name : `${name}:latest`;
}

/**
 * Creates a catalogue.
 *
 * @example
 * ```ts ignore
 * import { createModelCatalog } from "./model_catalog.ts";
 * const catalog = createModelCatalog({ list: () => client.listModels() });
 * const found = await catalog.check("qwen2.5-coder:7b");
 * if (!found.ok) console.log("installed:", found.installed.join(", "));
 * ```
 */
export function createModelCatalog(options: ModelCatalogOptions): ModelCatalog {
  const ttlMs = options.ttlMs ?? 10_000;
  const missRefreshMs = options.missRefreshMs ?? 1_000;
  const clock = options.clock ?? realClock;
  let cached: { at: number; models: readonly string[] } | undefined;
  let pending: Promise<readonly string[]> | undefined;

  const read = (): Promise<readonly string[]> =>
    pending ??= (async () => {
      try {
        const models = await options.list();
        cached = { at: clock.now(), models };
        return models;
      } finally {
        pending = undefined;
      }
    })();

  const fresh = async (maxAgeMs: number) =>
    cached && clock.now() - cached.at < maxAgeMs ? cached.models : await read();

  const find = (models: readonly string[], model: string) => {
    const wanted = fullModelName(model);
    return models.some((m) => m === model || fullModelName(m) === wanted);
  };

  return {
    async check(model) {
      let models = await fresh(ttlMs);
      if (!find(models, model)) models = await fresh(missRefreshMs);
      return find(models, model)
        ? { ok: true, model }
        : { ok: false, installed: [...models].sort() };
    },
  };
}
