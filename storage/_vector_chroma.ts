/**
 * The Chroma adapter of the vector store: how Troupe's metadata and filters
 * map onto Chroma's, how Chroma's failures become
 * {@linkcode VectorStoreUnavailableError}, and the few collection calls the
 * other parts share (get or delete by name, one timed query, heartbeat).
 *
 * @module
 */
import type { ChromaClient, Collection, Metadata, Where } from "chromadb";
import {
  type CollectionName,
  type VectorFilter,
  type VectorHit,
  type VectorMetadata,
  type VectorObservation,
  VectorStoreError,
  VectorStoreUnavailableError,
} from "./vector_types.ts";

export const META_MODEL = "embedding_model";
export const META_DIMENSIONS = "embedding_dimensions";
/** On a re-embed's new collection: `building`, then `complete` once it holds every item. */
export const META_REINDEX_STATE = "reindex_state";
export const META_REINDEX_OF = "reindex_of";
export const REINDEX_MARK = "__reindex_";

export function isNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === "ChromaNotFoundError";
}

export function recordedModel(
  collection: Collection,
): { model: string; dimensions: number } | null {
  const meta = collection.metadata ?? {};
  const model = meta[META_MODEL];
  const dimensions = meta[META_DIMENSIONS];
  return typeof model === "string" && typeof dimensions === "number"
    ? { model, dimensions }
    : null;
}

export function whereOf(filter: VectorFilter | undefined): Where | undefined {
  if (!filter) return undefined;
  const parts: Where[] = [];
  const eqOrIn = (key: string, v: string | readonly string[] | undefined) => {
    if (v === undefined) return;
    if (typeof v === "string") parts.push({ [key]: v });
    else if (v.length === 1) parts.push({ [key]: v[0]! });
    else parts.push({ [key]: { $in: [...v] } });
  };
  eqOrIn("user_id", filter.userId);
  eqOrIn("build_id", filter.buildId);
  eqOrIn("language", filter.language);
  eqOrIn("type", filter.type);
  if (filter.visibleTo !== undefined) {
    parts.push({
      $or: [{ user_id: filter.visibleTo }, { scope: "global" }],
    });
  }
  if (filter.excludeBuildId !== undefined) {
    parts.push({ build_id: { $ne: filter.excludeBuildId } });
  }
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return { $and: parts };
}

/**
 * Splits a filter for Chroma 1.0's local engine, where any metadata filter
 * costs about 10 ms and broad ones (a language that most items share) several
 * times that, while an unfiltered query takes 2-4 ms. The selective part (user,
 * build) goes to Chroma; the broad part (language, type, excluded build) is
 * applied here to an over-fetched candidate list.
 */
export function splitFilter(filter: VectorFilter | undefined): {
  pushed: VectorFilter | undefined;
  local: ((m: Metadata) => boolean) | undefined;
} {
  if (!filter) return { pushed: undefined, local: undefined };
  const { language, type, excludeBuildId, ...selective } = filter;
  const pushed = Object.values(selective).some((v) => v !== undefined)
    ? selective
    : undefined;
  const checks: ((m: Metadata) => boolean)[] = [];
  const oneOf = (key: string, v: string | readonly string[]) => {
    const allowed = typeof v === "string" ? [v] : v;
    checks.push((m) => allowed.includes(m[key] as string));
  };
  if (language !== undefined) oneOf("language", language);
  if (type !== undefined) oneOf("type", type);
  if (excludeBuildId !== undefined) {
    checks.push((m) => m.build_id !== excludeBuildId);
  }
  return {
    pushed,
    local: checks.length === 0
      ? undefined
      : (m) => checks.every((check) => check(m)),
  };
}

export function toChromaMetadata(
  m: VectorMetadata | undefined,
  extra: { content_hash: string; model: string; created_at: number },
): Metadata {
  const out: Metadata = {
    scope: m?.userId ? "user" : "global",
    ...extra,
  };
  if (m?.userId) out.user_id = m.userId;
  if (m?.buildId) out.build_id = m.buildId;
  if (m?.language) out.language = m.language.toLowerCase();
  if (m?.type) out.type = m.type;
  if (m?.path) out.path = m.path;
  if (m?.title) out.title = m.title;
  if (m?.tags && m.tags.length > 0) out.tags = m.tags.join(",");
  return out;
}

export function fromChromaMetadata(
  m: Metadata | null | undefined,
): VectorMetadata {
  const out: VectorMetadata = {};
  if (!m) return out;
  const s = (k: string) =>
    typeof m[k] === "string" ? m[k] as string : undefined;
  const userId = s("user_id");
  const buildId = s("build_id");
  const language = s("language");
  const type = s("type");
  const path = s("path");
  const title = s("title");
  const tags = s("tags");
  if (userId) out.userId = userId;
  if (buildId) out.buildId = buildId;
  if (language) out.language = language;
  if (type) out.type = type;
  if (path) out.path = path;
  if (title) out.title = title;
  if (tags) out.tags = tags.split(",");
  return out;
}

export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === "ChromaConnectionError" || error instanceof TypeError &&
      /connect|network|fetch|refused|reset/i.test(error.message);
}

/** What {@linkcode chromaAdapter} needs. */
export interface ChromaAdapterOptions {
  /** The Chroma client. */
  client: ChromaClient;
  /** Chroma's URL, for error messages. */
  chromaUrl: string;
  /** Whether Chroma is the embedded server (changes the advice in errors). */
  embedded: boolean;
  /** Told the duration of every timed operation. */
  observe?: ((observation: VectorObservation) => void) | undefined;
}

/** The Chroma calls the vector store's parts share. */
export type ChromaAdapter = ReturnType<typeof chromaAdapter>;

/** Creates the adapter; makes no request until a function is called. */
export function chromaAdapter(options: ChromaAdapterOptions) {
  const { client, chromaUrl, embedded, observe } = options;

  function unavailable(error: unknown): unknown {
    if (error instanceof VectorStoreError) return error;
    if (isConnectionError(error)) {
      return new VectorStoreUnavailableError(
        chromaUrl,
        embedded,
        error instanceof Error && error.message ? error.message : String(error),
        { cause: error },
      );
    }
    return error;
  }

  async function timed<T>(
    operation: string,
    collection: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } catch (error) {
      throw unavailable(error);
    } finally {
      observe?.({
        operation,
        collection,
        durationSeconds: (performance.now() - started) / 1000,
      });
    }
  }

  async function getIfExists(name: string): Promise<Collection | undefined> {
    try {
      return await client.getCollection({ name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function deleteIfExists(name: string): Promise<void> {
    try {
      await client.deleteCollection({ name });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async function queryChroma(
    name: CollectionName,
    collection: Collection,
    embedding: number[],
    n: number,
    where: Where | undefined,
  ): Promise<{ hits: VectorHit[]; raw: Metadata[] }> {
    const result = await timed("query", name, () =>
      collection.query({
        queryEmbeddings: [embedding],
        nResults: n,
        ...(where ? { where } : {}),
        include: ["documents", "metadatas", "distances"],
      }));
    const ids = result.ids[0] ?? [];
    const raw = ids.map((_, i) => result.metadatas[0]?.[i] ?? {});
    const hits = ids.map((id, i) => {
      const distance = result.distances[0]?.[i] ?? 2;
      return {
        id,
        collection: name,
        text: result.documents[0]?.[i] ?? "",
        distance,
        score: 1 - distance,
        metadata: fromChromaMetadata(raw[i]),
      };
    });
    return { hits, raw };
  }

  async function health(): Promise<
    { ok: boolean; url: string; error?: string }
  > {
    try {
      await client.heartbeat();
      return { ok: true, url: chromaUrl };
    } catch (error) {
      const e = unavailable(error);
      return {
        ok: false,
        url: chromaUrl,
        error: e instanceof Error ? e.message : String(e),
      };
    }
  }

  return {
    unavailable,
    timed,
    getIfExists,
    deleteIfExists,
    queryChroma,
    health,
  };
}
