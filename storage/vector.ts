/**
 * Troupe's vector store: four Chroma collections (`code_snippets`,
 * `documentation`, `conversations`, `best_practices`) with cosine distance,
 * embeddings computed by Troupe and passed to Chroma explicitly, and every
 * stored vector mirrored by a `vector_memories` row so a build's or user's
 * vectors can be found and removed.
 *
 * Each collection records the embedding model and width it was built with;
 * adding or searching with another one is refused with
 * {@linkcode EmbeddingMismatchError}, because vectors of different models
 * are not comparable.
 *
 * Opening the store does not touch Chroma: when Chroma is down Troupe keeps
 * running and each operation fails with {@linkcode VectorStoreUnavailableError}.
 *
 * After a model change, {@linkcode VectorStore.reindex} re-embeds a
 * collection into a new one (`<name>__reindex_<ms>`, marked `building`, then
 * `complete`) and swaps it in: ledger rows, delete the old, rename the new.
 * Chroma has no atomic swap, so the name is briefly missing; a crash there is
 * repaired by whoever opens the name next, which renames the complete
 * collection into place instead of creating an empty one. A run interrupted
 * while building is continued by the next run.
 *
 * @module
 */
import type { ChromaClient, Collection, Metadata, Where } from "chromadb";
import type { Db } from "./schema.ts";
import {
  deleteVectorMemories,
  listVectorMemoriesForBuild,
  listVectorMemoriesForUser,
  recordVectorMemories,
  setVectorMemoriesModel,
  type VectorMemory,
} from "./vector_memories.ts";
import { BEST_PRACTICES, type BestPractice } from "./best_practices.ts";

/** The collections. */
export const COLLECTIONS = [
  "code_snippets",
  "documentation",
  "conversations",
  "best_practices",
] as const;

/** A collection's name. */
export type CollectionName = typeof COLLECTIONS[number];

/** Computes embeddings; Troupe's model client fits. */
export interface Embedder {
  embed(texts: readonly string[]): Promise<number[][]>;
}

/** What is stored next to a vector. */
export interface VectorMetadata {
  /** Owner; unset: global (visible to everyone, e.g. best practices). */
  userId?: string;
  buildId?: string;
  /** `typescript`, `javascript`, ... (lower case). */
  language?: string;
  /** `source`, `test`, `doc`, `build`, `best_practice`, ... */
  type?: string;
  /** File path, for code. */
  path?: string;
  title?: string;
  tags?: readonly string[];
}

/** One thing to store. */
export interface VectorItem {
  /** Chroma id; default: a random uuid. The same id again replaces the item. */
  id?: string;
  text: string;
  metadata?: VectorMetadata;
}

/** Search filter; every given field must match. */
export interface VectorFilter {
  userId?: string;
  buildId?: string;
  language?: string | readonly string[];
  type?: string | readonly string[];
  /** Only items of this user and global items. */
  visibleTo?: string;
  /** Leaves out this build's items. */
  excludeBuildId?: string;
}

/** A search result. */
export interface VectorHit {
  id: string;
  collection: CollectionName;
  text: string;
  /** Cosine distance, 0 (same direction) to 2 (opposite). */
  distance: number;
  /** Cosine similarity, `1 - distance`. */
  score: number;
  metadata: VectorMetadata;
}

/** What the analyze step gets for a build. */
export interface BuildContext {
  similarCode: VectorHit[];
  documentation: VectorHit[];
  bestPractices: VectorHit[];
  previousBuilds: VectorHit[];
}

/** Timing of one operation, for `recordVectorOperation`. */
export interface VectorObservation {
  operation: string;
  collection: string;
  durationSeconds: number;
}

/** How far a {@linkcode VectorStore.reindex} has got. */
export interface ReindexProgress {
  collection: CollectionName;
  /** Items read from the old collection so far. */
  done: number;
  /** Items in the old collection when the re-embed began. */
  total: number;
}

/** Options of {@linkcode VectorStore.reindex}. */
export interface ReindexOptions {
  /** Items read, embedded and written per step. Default: the store's batch size. */
  batchSize?: number;
  /** Called after each step. */
  onProgress?: (progress: ReindexProgress) => void;
}

/** What a {@linkcode VectorStore.reindex} did. */
export interface ReindexResult {
  collection: CollectionName;
  /** The model the collection held; null when unrecorded or the collection did not exist. */
  from: { model: string; dimensions: number } | null;
  /** The store's model, which the collection holds now. */
  to: { model: string; dimensions: number };
  /** Items in the collection after the swap. */
  items: number;
  /** Items this run embedded (less than `items` when an interrupted run was resumed). */
  embedded: number;
  /** Whether an interrupted earlier run was continued or finished. */
  resumed: boolean;
}

/** Options of {@linkcode openVectorStore}. */
export interface VectorStoreOptions {
  client: ChromaClient;
  /** Where `vector_memories` rows go; without it only Chroma is written. */
  db?: Db;
  embedder: Embedder;
  /** Embedding model name (OLLAMA_EMBED_MODEL). */
  model: string;
  /** Its width (EMBED_DIMENSIONS). */
  dimensions: number;
  /** Chroma's URL, for error messages. */
  chromaUrl?: string;
  /** Whether Chroma is the embedded server (changes the advice in errors). */
  embedded?: boolean;
  /** Prepended to every collection name (tests, several installations on one Chroma). */
  collectionPrefix?: string;
  /** Items per Chroma request. Default 500. */
  batchSize?: number;
  observe?: (observation: VectorObservation) => void;
}

/** The store. */
export interface VectorStore {
  /** Embeds and stores items; returns their ids. */
  add(
    collection: CollectionName,
    items: readonly VectorItem[],
  ): Promise<string[]>;
  /** The `k` nearest items to `query` in one or several collections. */
  search(
    collections: CollectionName | readonly CollectionName[],
    query: string,
    options?: { k?: number; where?: VectorFilter },
  ): Promise<VectorHit[]>;
  /** Similar code, documentation, best practices and the user's earlier builds, fetched in parallel. */
  contextForBuild(query: {
    userId: string;
    requirements: string;
    language: string;
    k?: number;
    /** The build asking, left out of previousBuilds. */
    buildId?: string;
  }): Promise<BuildContext>;
  /** Stores a build's files: code in `code_snippets`, docs in `documentation`. */
  rememberFiles(
    build: { buildId: string; userId: string; language: string },
    files: readonly { path: string; content: string; kind: string }[],
  ): Promise<void>;
  /** Stores a summary of a finished build in `conversations` (read back as previousBuilds). */
  rememberBuild(build: {
    buildId: string;
    userId: string;
    language: string;
    text: string;
  }): Promise<void>;
  /** Removes a build's vectors and rows; returns how many vectors. */
  deleteByBuild(buildId: string): Promise<number>;
  /** Removes a user's vectors and rows; returns how many vectors. */
  deleteByUser(userId: string): Promise<number>;
  /** Adds the curated best practices that are not there yet. */
  seedBestPractices(
    practices?: readonly BestPractice[],
  ): Promise<{ added: number; present: number }>;
  count(collection: CollectionName): Promise<number>;
  /**
   * Re-embeds every item of a collection with the store's model and width
   * (after OLLAMA_EMBED_MODEL or EMBED_DIMENSIONS changed): the items are
   * read in pages, embedded into a new collection `<name>__reindex_<ms>`, which
   * then replaces the old one under the collection's name, and the
   * `vector_memories` rows are updated to the new model. An interrupted run is
   * resumed or finished by the next one; see {@linkcode openVectorStore}.
   */
  reindex(
    collection: CollectionName,
    options?: ReindexOptions,
  ): Promise<ReindexResult>;
  /** Whether Chroma answers; never throws. */
  health(): Promise<{ ok: boolean; url: string; error?: string }>;
}

/** Base class of the vector store's errors. */
export class VectorStoreError extends Error {
  override name = "VectorStoreError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Chroma cannot be reached. The message says how to start it. */
export class VectorStoreUnavailableError extends VectorStoreError {
  override name = "VectorStoreUnavailableError";
  constructor(
    readonly url: string,
    readonly embedded: boolean,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      embedded
        ? `the embedded Chroma server at ${url} (started by Troupe from npm, data in DATA_DIR/chroma) is not answering: ${detail}. ` +
          "It may have failed to start or stopped; see the startup log, or set CHROMA_URL to a running Chroma server."
        : `Chroma at ${url} (CHROMA_URL) is not reachable: ${detail}. ` +
          "Start it (for example `chroma run --path ./chroma --port 8000`, or `docker compose up -d chroma`), " +
          "or unset CHROMA_URL to use the embedded server in DATA_DIR/chroma.",
      options,
    );
  }
}

/** Vectors of one model or width offered to a collection built with another. */
export class EmbeddingMismatchError extends VectorStoreError {
  override name = "EmbeddingMismatchError";
  constructor(
    readonly collection: string,
    readonly stored: { model: string; dimensions: number },
    readonly offered: { model: string; dimensions: number },
  ) {
    super(
      `collection "${collection}" holds embeddings of ${stored.model} (${stored.dimensions} dimensions); ` +
        `refusing vectors of ${offered.model} (${offered.dimensions} dimensions). ` +
        `Set OLLAMA_EMBED_MODEL=${stored.model} and EMBED_DIMENSIONS=${stored.dimensions}, or re-embed the collection.`,
    );
  }
}

const META_MODEL = "embedding_model";
const META_DIMENSIONS = "embedding_dimensions";
/** On a re-embed's new collection: `building`, then `complete` once it holds every item. */
const META_REINDEX_STATE = "reindex_state";
const META_REINDEX_OF = "reindex_of";
const REINDEX_MARK = "__reindex_";

function isNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === "ChromaNotFoundError";
}

function recordedModel(
  collection: Collection,
): { model: string; dimensions: number } | null {
  const meta = collection.metadata ?? {};
  const model = meta[META_MODEL];
  const dimensions = meta[META_DIMENSIONS];
  return typeof model === "string" && typeof dimensions === "number"
    ? { model, dimensions }
    : null;
}

function whereOf(filter: VectorFilter | undefined): Where | undefined {
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
function splitFilter(filter: VectorFilter | undefined): {
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

function toChromaMetadata(
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

function fromChromaMetadata(m: Metadata | null | undefined): VectorMetadata {
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

async function sha256(text: string): Promise<string> {
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

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === "ChromaConnectionError" || error instanceof TypeError &&
      /connect|network|fetch|refused|reset/i.test(error.message);
}

/** Languages whose best practices apply to a build's language. */
function practiceLanguages(language: string): string[] {
  const l = normalizeLanguage(language);
  return l === "typescript" ? ["typescript", "javascript"] : [l];
}

function normalizeLanguage(language: string): string {
  const l = language.trim().toLowerCase();
  return l === "ts" ? "typescript" : l === "js" ? "javascript" : l;
}

/**
 * Opens the vector store over a Chroma client. No request is made until the
 * first operation.
 *
 * @example
 * ```ts ignore
 * import { openVectorStore } from "./vector.ts";
 * import { chromaClient } from "./chroma_server.ts";
 * const store = openVectorStore({
 *   client: chromaClient("http://127.0.0.1:8000"),
 *   embedder: modelClient, // createModelClient(...) from actors/workflow/llm.ts
 *   model: "nomic-embed-text",
 *   dimensions: 768,
 * });
 * await store.add("code_snippets", [{ text: "export const x = 1;", metadata: { userId, language: "typescript" } }]);
 * const hits = await store.search("code_snippets", "a constant", { k: 3, where: { userId } });
 * ```
 */
export function openVectorStore(options: VectorStoreOptions): VectorStore {
  const {
    client,
    db,
    embedder,
    model,
    dimensions,
    chromaUrl = "(CHROMA_URL)",
    embedded = false,
    collectionPrefix = "",
    batchSize = 500,
    observe,
  } = options;
  const opened = new Map<CollectionName, Promise<Collection>>();

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

  async function openCollection(name: CollectionName): Promise<Collection> {
    const collection = await getIfExists(collectionPrefix + name) ??
      await rollForward(name) ??
      await client.getOrCreateCollection({
        name: collectionPrefix + name,
        embeddingFunction: null,
        configuration: { hnsw: { space: "cosine" } },
        metadata: { [META_MODEL]: model, [META_DIMENSIONS]: dimensions },
      });
    const meta = collection.metadata ?? {};
    const storedModel = meta[META_MODEL];
    const storedDims = meta[META_DIMENSIONS];
    if (typeof storedModel !== "string" || typeof storedDims !== "number") {
      // Created by someone else: adopt it only while it is empty.
      if ((await collection.count()) > 0) {
        throw new EmbeddingMismatchError(
          collection.name,
          { model: "an unrecorded model", dimensions: Number(storedDims ?? 0) },
          { model, dimensions },
        );
      }
      await collection.modify({
        metadata: {
          ...meta,
          [META_MODEL]: model,
          [META_DIMENSIONS]: dimensions,
        },
      });
    } else if (storedModel !== model || storedDims !== dimensions) {
      throw new EmbeddingMismatchError(
        collection.name,
        { model: storedModel, dimensions: storedDims },
        { model, dimensions },
      );
    }
    const space = collection.configuration?.hnsw?.space;
    if (space !== undefined && space !== null && space !== "cosine") {
      throw new VectorStoreError(
        `collection "${collection.name}" uses ${space} distance; Troupe needs cosine. ` +
          "Delete the collection and re-embed its content.",
      );
    }
    return collection;
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

  /** A re-embed's collections for `name`, newest first. */
  async function reindexCollections(
    name: CollectionName,
  ): Promise<Collection[]> {
    const stem = collectionPrefix + name + REINDEX_MARK;
    const found: Collection[] = [];
    const page = 100;
    for (let offset = 0;; offset += page) {
      const listed = await client.listCollections({ limit: page, offset });
      found.push(...listed.filter((c) => c.name.startsWith(stem)));
      if (listed.length < page) break;
    }
    const stamp = (c: Collection) => Number(c.name.slice(stem.length)) || 0;
    return found.sort((a, b) => stamp(b) - stamp(a));
  }

  async function allIds(collection: Collection): Promise<string[]> {
    const ids: string[] = [];
    const page = 5_000;
    for (let offset = 0;; offset += page) {
      const got = await collection.get({ limit: page, offset, include: [] });
      ids.push(...got.ids);
      if (got.ids.length < page) break;
    }
    return ids;
  }

  /**
   * Puts a complete re-embedded collection in place of the old one: ledger
   * rows first, then the old collection is deleted and the new one renamed.
   * Chroma cannot swap two collections atomically; a crash between delete and
   * rename leaves the name empty, and whoever opens the name next finds the
   * complete collection and finishes the swap ({@linkcode rollForward}).
   */
  async function finishSwap(
    name: CollectionName,
    built: Collection,
  ): Promise<Collection> {
    const physical = collectionPrefix + name;
    const target = recordedModel(built) ?? { model, dimensions };
    if (db) {
      await setVectorMemoriesModel(db, name, await allIds(built), target);
    }
    await deleteIfExists(physical);
    try {
      await built.modify({
        name: physical,
        metadata: {
          [META_MODEL]: target.model,
          [META_DIMENSIONS]: target.dimensions,
        },
      });
    } catch (error) {
      // Someone else finished the same swap first.
      if ((await getIfExists(physical))?.id !== built.id) throw error;
    }
    opened.delete(name);
    return (await getIfExists(physical)) ?? built;
  }

  /** Finishes a swap that a crash interrupted after the old collection was deleted. */
  async function rollForward(
    name: CollectionName,
  ): Promise<Collection | undefined> {
    const complete = (await reindexCollections(name)).find((c) =>
      c.metadata?.[META_REINDEX_STATE] === "complete"
    );
    return complete ? await finishSwap(name, complete) : undefined;
  }

  function collectionOf(name: CollectionName): Promise<Collection> {
    let p = opened.get(name);
    if (!p) {
      p = openCollection(name).catch((error) => {
        opened.delete(name);
        throw unavailable(error);
      });
      opened.set(name, p);
    }
    return p;
  }

  async function embedChecked(
    collection: string,
    texts: readonly string[],
  ): Promise<number[][]> {
    const vectors = await embedder.embed(texts);
    if (vectors.length !== texts.length) {
      throw new VectorStoreError(
        `the embedder returned ${vectors.length} vectors for ${texts.length} texts`,
      );
    }
    for (const v of vectors) {
      if (v.length !== dimensions) {
        throw new EmbeddingMismatchError(
          collection,
          { model, dimensions },
          { model, dimensions: v.length },
        );
      }
    }
    return vectors;
  }

  async function insertRows(
    collection: CollectionName,
    rows: {
      id: string;
      hash: string;
      userId: string | undefined;
      buildId: string | undefined;
    }[],
  ): Promise<void> {
    if (!db || rows.length === 0) return;
    await recordVectorMemories(
      db,
      rows.map((r) => ({
        collection,
        chromaId: r.id,
        userId: r.userId ?? null,
        buildId: r.buildId ?? null,
        contentHash: r.hash,
        model,
        dimensions,
      })),
    );
  }

  async function add(
    name: CollectionName,
    items: readonly VectorItem[],
  ): Promise<string[]> {
    if (items.length === 0) return [];
    const ids: string[] = [];
    for (let i = 0; i < items.length; i += batchSize) {
      const batch = items.slice(i, i + batchSize);
      ids.push(...await addBatch(name, batch));
    }
    return ids;
  }

  async function addBatch(
    name: CollectionName,
    items: readonly VectorItem[],
  ): Promise<string[]> {
    const collection = await collectionOf(name);
    const texts = items.map((item) => item.text);
    const vectors = await embedChecked(collection.name, texts);
    const ids = items.map((item) => item.id ?? crypto.randomUUID());
    const hashes = await Promise.all(texts.map(sha256));
    const now = Date.now();
    await timed("add", name, () =>
      collection.upsert({
        ids,
        embeddings: vectors,
        documents: texts,
        metadatas: items.map((item, n) =>
          toChromaMetadata(item.metadata, {
            content_hash: hashes[n]!,
            model,
            created_at: now,
          })
        ),
      }));
    try {
      await insertRows(
        name,
        items.map((item, n) => ({
          id: ids[n]!,
          hash: hashes[n]!,
          userId: item.metadata?.userId,
          buildId: item.metadata?.buildId,
        })),
      );
    } catch (error) {
      // Keeps Chroma and vector_memories in step: no row, no vector.
      await collection.delete({ ids }).catch(() => {});
      throw error;
    }
    return ids;
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

  async function searchOne(
    name: CollectionName,
    embedding: number[],
    k: number,
    filter: VectorFilter | undefined,
  ): Promise<VectorHit[]> {
    const collection = await collectionOf(name);
    const { pushed, local } = splitFilter(filter);
    if (!local) {
      return (await queryChroma(
        name,
        collection,
        embedding,
        k,
        whereOf(pushed),
      ))
        .hits;
    }
    // Nearest first: if k candidates pass the local check they are exactly
    // the k nearest that match the whole filter. A short page means Chroma
    // ran out of candidates, so the result is complete too.
    const candidates = Math.max(k * 8, 40);
    const { hits, raw } = await queryChroma(
      name,
      collection,
      embedding,
      candidates,
      whereOf(pushed),
    );
    const kept = hits.filter((_, i) => local(raw[i]!));
    if (kept.length >= k || hits.length < candidates) return kept.slice(0, k);
    return (await queryChroma(name, collection, embedding, k, whereOf(filter)))
      .hits;
  }

  async function searchWith(
    names: readonly CollectionName[],
    embedding: number[],
    k: number,
    filter: VectorFilter | undefined,
  ): Promise<VectorHit[]> {
    const lists = await Promise.all(
      names.map((name) => searchOne(name, embedding, k, filter)),
    );
    return lists.flat().sort((a, b) => a.distance - b.distance).slice(0, k);
  }

  async function search(
    collections: CollectionName | readonly CollectionName[],
    query: string,
    opts: { k?: number; where?: VectorFilter } = {},
  ): Promise<VectorHit[]> {
    const names = typeof collections === "string" ? [collections] : collections;
    if (names.length === 0) return [];
    // Opening first reports a model mismatch before any embedding is computed.
    await Promise.all(names.map(collectionOf));
    const [embedding] = await embedChecked(names.join(","), [query]);
    return searchWith(names, embedding!, opts.k ?? 5, opts.where);
  }

  async function contextForBuild(q: {
    userId: string;
    requirements: string;
    language: string;
    k?: number;
    buildId?: string;
  }): Promise<BuildContext> {
    const k = q.k ?? 5;
    const language = normalizeLanguage(q.language);
    await Promise.all(COLLECTIONS.map(collectionOf));
    const [embedding] = await embedChecked("build context", [q.requirements]);
    const e = embedding!;
    const [similarCode, documentation, bestPractices, previousBuilds] =
      await timed("context", "*", () =>
        Promise.all([
          searchWith(["code_snippets"], e, k, {
            visibleTo: q.userId,
            language,
          }),
          searchWith(["documentation"], e, k, { visibleTo: q.userId }),
          searchWith(["best_practices"], e, k, {
            language: practiceLanguages(language),
          }),
          searchWith(["conversations"], e, k, {
            userId: q.userId,
            ...(q.buildId ? { excludeBuildId: q.buildId } : {}),
          }),
        ]));
    return { similarCode, documentation, bestPractices, previousBuilds };
  }

  async function rememberFiles(
    build: { buildId: string; userId: string; language: string },
    files: readonly { path: string; content: string; kind: string }[],
  ): Promise<void> {
    const meta = (f: { path: string; kind: string }): VectorMetadata => ({
      userId: build.userId,
      buildId: build.buildId,
      language: normalizeLanguage(build.language),
      type: f.kind,
      path: f.path,
    });
    const item = (f: { path: string; content: string; kind: string }) => ({
      id: `${build.buildId}:${f.path}`,
      text: f.content,
      metadata: meta(f),
    });
    const docs = files.filter((f) => f.kind === "doc" && f.content.trim());
    const code = files.filter((f) => f.kind !== "doc" && f.content.trim());
    await add("code_snippets", code.map(item));
    await add("documentation", docs.map(item));
  }

  async function rememberBuild(build: {
    buildId: string;
    userId: string;
    language: string;
    text: string;
  }): Promise<void> {
    await add("conversations", [{
      id: `build:${build.buildId}`,
      text: build.text,
      metadata: {
        userId: build.userId,
        buildId: build.buildId,
        language: normalizeLanguage(build.language),
        type: "build",
      },
    }]);
  }

  /**
   * Deletes what Chroma's metadata says belongs to the owner plus whatever
   * the ledger lists for it (rows go away with their build or user by
   * cascade, so the ledger is read first), then the ledger rows.
   */
  async function deleteOwned(
    operation: string,
    where: Where,
    listRows: (db: Db) => Promise<readonly VectorMemory[]>,
  ): Promise<number> {
    const listed = db ? await listRows(db) : [];
    let removed = 0;
    await Promise.all(COLLECTIONS.map(async (name) => {
      const collection = await collectionOf(name);
      const ids = await timed(operation, name, async () => {
        const found = await collection.get({ where, include: [] });
        const all = new Set(found.ids);
        for (const row of listed) {
          if (row.collection === name) all.add(row.chromaId);
        }
        if (all.size > 0) await collection.delete({ ids: [...all] });
        removed += all.size;
        return [...all];
      });
      if (db) await deleteVectorMemories(db, name, ids);
    }));
    return removed;
  }

  function deleteByBuild(buildId: string): Promise<number> {
    return deleteOwned(
      "delete_build",
      { build_id: buildId },
      (db) => listVectorMemoriesForBuild(db, buildId),
    );
  }

  function deleteByUser(userId: string): Promise<number> {
    return deleteOwned(
      "delete_user",
      { user_id: userId },
      (db) => listVectorMemoriesForUser(db, userId),
    );
  }

  async function seedBestPractices(
    practices: readonly BestPractice[] = BEST_PRACTICES,
  ): Promise<{ added: number; present: number }> {
    const collection = await collectionOf("best_practices");
    const ids = practices.map((p) => p.id);
    const found = await timed(
      "get",
      "best_practices",
      () => collection.get({ ids, include: [] }),
    );
    const present = new Set(found.ids);
    const missing = practices.filter((p) => !present.has(p.id));
    await add(
      "best_practices",
      missing.map((p) => ({
        id: p.id,
        text: `${p.title}. ${p.text}`,
        metadata: {
          language: p.language,
          type: "best_practice",
          title: p.title,
          tags: p.tags,
        },
      })),
    );
    return { added: missing.length, present: present.size };
  }

  async function count(name: CollectionName): Promise<number> {
    const collection = await collectionOf(name);
    return timed("count", name, () => collection.count());
  }

  /**
   * Embeds the given items of `source` that `target` lacks and writes them
   * there, keeping their metadata; returns how many were embedded. An item
   * without a document cannot be re-embedded: its id goes to `textless`.
   */
  async function copyMissing(
    source: Collection,
    target: Collection,
    ids: readonly string[],
    textless: Set<string>,
    page?: {
      ids: string[];
      documents: (string | null)[];
      metadatas: (Metadata | null)[];
    },
  ): Promise<number> {
    if (ids.length === 0) return 0;
    const present = new Set(
      (await target.get({ ids: [...ids], include: [] })).ids,
    );
    const wanted = ids.filter((id) => !present.has(id));
    if (wanted.length === 0) return 0;
    const got = page ??
      await source.get({
        ids: wanted,
        include: ["documents", "metadatas"],
      });
    const items: { id: string; text: string; metadata: Metadata }[] = [];
    got.ids.forEach((id, i) => {
      if (present.has(id)) return;
      const text = got.documents[i];
      if (typeof text !== "string") {
        textless.add(id);
        return;
      }
      items.push({ id, text, metadata: { ...got.metadatas[i], model } });
    });
    if (items.length === 0) return 0;
    const vectors = await embedChecked(
      target.name,
      items.map((item) => item.text),
    );
    await target.upsert({
      ids: items.map((item) => item.id),
      embeddings: vectors,
      documents: items.map((item) => item.text),
      metadatas: items.map((item) => item.metadata),
    });
    return items.length;
  }

  async function reindexNow(
    name: CollectionName,
    opts: ReindexOptions,
  ): Promise<ReindexResult> {
    const size = Math.max(1, opts.batchSize ?? batchSize);
    const physical = collectionPrefix + name;
    const to = { model, dimensions };
    const current = (c: Collection) => {
      const m = recordedModel(c);
      return m?.model === model && m.dimensions === dimensions;
    };
    opened.delete(name);
    // Fails fast (Ollama down, a wrong EMBED_DIMENSIONS) before anything is written.
    await embedChecked(physical, ["reindex"]);

    // What an interrupted run left: a complete collection is swapped in, the
    // newest one still building for this model is continued, the rest go.
    let resumed = false;
    let building: Collection | undefined;
    const leftovers = await reindexCollections(name);
    const complete = leftovers.find((c) =>
      c.metadata?.[META_REINDEX_STATE] === "complete"
    );
    if (complete) {
      const swapped = await finishSwap(name, complete);
      resumed = true;
      if (current(swapped)) {
        for (const c of leftovers) {
          if (c !== complete) await deleteIfExists(c.name);
        }
        const items = await swapped.count();
        opts.onProgress?.({ collection: name, done: items, total: items });
        return {
          collection: name,
          from: null,
          to,
          items,
          embedded: 0,
          resumed,
        };
      }
    }
    for (const c of leftovers) {
      if (c === complete) continue;
      if (!building && current(c)) building = c;
      else await deleteIfExists(c.name);
    }

    const source = await getIfExists(physical);
    if (!source) {
      if (building) await deleteIfExists(building.name);
      await collectionOf(name);
      return {
        collection: name,
        from: null,
        to,
        items: 0,
        embedded: 0,
        resumed,
      };
    }
    const from = recordedModel(source);
    if (building) resumed = true;
    const target = building ?? await client.createCollection({
      name: `${physical}${REINDEX_MARK}${Date.now()}`,
      embeddingFunction: null,
      configuration: { hnsw: { space: "cosine" } },
      metadata: {
        [META_MODEL]: model,
        [META_DIMENSIONS]: dimensions,
        [META_REINDEX_OF]: physical,
        [META_REINDEX_STATE]: "building",
      },
    });

    const total = await source.count();
    const textless = new Set<string>();
    let embedded = 0;
    let done = 0;
    for (let offset = 0;; offset += size) {
      const page = await source.get({
        limit: size,
        offset,
        include: ["documents", "metadatas"],
      });
      embedded += await copyMissing(source, target, page.ids, textless, page);
      done += page.ids.length;
      opts.onProgress?.({ collection: name, done, total });
      if (page.ids.length < size) break;
    }

    // Items added or deleted while the pages were read (offsets shift).
    const sourceIds = await allIds(source);
    const wanted = new Set(sourceIds);
    const extra = (await allIds(target)).filter((id) => !wanted.has(id));
    for (let i = 0; i < extra.length; i += size) {
      await target.delete({ ids: extra.slice(i, i + size) });
    }
    for (let i = 0; i < sourceIds.length; i += size) {
      embedded += await copyMissing(
        source,
        target,
        sourceIds.slice(i, i + size),
        textless,
      );
    }
    if (textless.size > 0) {
      const some = [...textless].slice(0, 10).join(", ");
      throw new VectorStoreError(
        `collection "${physical}" has ${textless.size} items without a document, which cannot be re-embedded ` +
          `(${some}${
            textless.size > 10 ? ", ..." : ""
          }); delete them and run the re-embed again. ` +
          `The old collection is unchanged.`,
      );
    }

    await target.modify({
      metadata: { ...target.metadata, [META_REINDEX_STATE]: "complete" },
    });
    const swapped = await finishSwap(name, target);
    return {
      collection: name,
      from,
      to,
      items: await swapped.count(),
      embedded,
      resumed,
    };
  }

  function reindex(
    name: CollectionName,
    opts: ReindexOptions = {},
  ): Promise<ReindexResult> {
    return timed("reindex", name, () => reindexNow(name, opts));
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
    add,
    search,
    contextForBuild,
    rememberFiles,
    rememberBuild,
    deleteByBuild,
    deleteByUser,
    seedBestPractices,
    count,
    reindex,
    health,
  };
}

/**
 * Flattens a build context into prompt-ready snippets, most relevant kinds
 * first.
 *
 * @example
 * ```ts
 * import { contextTexts } from "./vector.ts";
 * const texts = contextTexts({ similarCode: [], documentation: [], bestPractices: [], previousBuilds: [] });
 * console.assert(texts.length === 0);
 * ```
 */
export function contextTexts(context: BuildContext): string[] {
  const label = (kind: string, h: VectorHit) =>
    `[${kind}${h.metadata.path ? ` ${h.metadata.path}` : ""}${
      h.metadata.title ? `: ${h.metadata.title}` : ""
    }]\n${h.text}`;
  return [
    ...context.bestPractices.map((h) => label("best practice", h)),
    ...context.similarCode.map((h) => label("similar code", h)),
    ...context.documentation.map((h) => label("documentation", h)),
    ...context.previousBuilds.map((h) => label("earlier build", h)),
  ];
}
