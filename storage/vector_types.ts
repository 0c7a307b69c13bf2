/**
 * The vector store's vocabulary: its collections, items, filters, hits,
 * options, the {@linkcode VectorStore} interface and its errors. A leaf
 * module: the store's parts (Chroma adapter, model guard and ledger,
 * reindexing) import it and `vector.ts` re-exports it.
 *
 * @module
 */
import type { ChromaClient } from "chromadb";
import type { Db } from "./schema.ts";
import type { BestPractice } from "./best_practices.ts";

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

/** One search of {@linkcode VectorStore.searchMany}. */
export interface VectorSearch {
  /** Where to look: one collection, or several whose hits are merged nearest first. */
  collections: CollectionName | readonly CollectionName[];
  /** How many hits. Default 5. */
  k?: number;
  where?: VectorFilter;
}

/** Options of {@linkcode VectorStore.searchMany}. */
export interface SearchManyOptions {
  /** The operation the searches are timed under together. Default `search_many`. */
  operation?: string;
  /** Names the searches in error messages. Default: their collections, comma-separated. */
  label?: string;
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
  /**
   * Several searches for one query, embedded once and run in parallel; the
   * hits of each search, in the order of `searches`.
   */
  searchMany(
    query: string,
    searches: readonly VectorSearch[],
    options?: SearchManyOptions,
  ): Promise<VectorHit[][]>;
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
