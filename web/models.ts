/**
 * The models an Ollama server has (`GET /api/tags`), for the new build form.
 *
 * @module
 */

/**
 * A function listing the model names of the Ollama at `host`; an empty list
 * when it cannot be reached within `timeoutMs`. Answers are kept for `ttlMs`.
 *
 * @example
 * ```ts ignore
 * import { ollamaModels } from "./models.ts";
 * const models = ollamaModels("http://127.0.0.1:11434");
 * console.log(await models());
 * ```
 */
export function ollamaModels(
  host: string,
  { timeoutMs = 1500, ttlMs = 30_000 } = {},
): () => Promise<readonly string[]> {
  let cached: { at: number; names: readonly string[] } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < ttlMs) return cached.names;
    try {
      const res = await fetch(new URL("/api/tags", host), {
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) {
        await res.body?.cancel();
        return [];
      }
      const body = await res.json() as { models?: { name?: unknown }[] };
      const names = (body.models ?? []).flatMap((m) =>
        typeof m.name === "string" ? [m.name] : []
      );
      cached = { at: Date.now(), names };
      return names;
    } catch {
      return [];
    }
  };
}
