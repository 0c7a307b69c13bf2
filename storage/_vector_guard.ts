/**
 * The embedding-model guard and the ledger of the vector store. Every
 * collection records the model and width it was built with; opening it with
 * another is refused ({@linkcode EmbeddingMismatchError}), and so are vectors
 * of the wrong width. Every stored vector is mirrored by a `vector_memories`
 * row (the ledger), which is how a build's or a user's vectors are found and
 * removed.
 *
 * @module
 */
import type { ChromaClient, Collection, Where } from "chromadb";
import type { Db } from "./schema.ts";
import {
  deleteVectorMemories,
  listVectorMemoriesForBuild,
  listVectorMemoriesForUser,
  recordVectorMemories,
  type VectorMemory,
} from "./vector_memories.ts";
import {
  type CollectionName,
  COLLECTIONS,
  type Embedder,
  EmbeddingMismatchError,
  VectorStoreError,
} from "./vector_types.ts";
import {
  type ChromaAdapter,
  META_DIMENSIONS,
  META_MODEL,
} from "./_vector_chroma.ts";

/** What {@linkcode modelGuard} needs. */
export interface ModelGuardOptions {
  /** The Chroma client. */
  client: ChromaClient;
  /** Where ledger rows go; without it only Chroma is written. */
  db?: Db | undefined;
  /** Computes embeddings. */
  embedder: Embedder;
  /** The embedding model every collection must hold. */
  model: string;
  /** Its width. */
  dimensions: number;
  /** Prepended to every collection name. */
  collectionPrefix: string;
  /** The Chroma adapter. */
  chroma: ChromaAdapter;
  /** Finishes a re-embed's swap that a crash cut short (reindexing's `rollForward`). */
  rollForward: (name: CollectionName) => Promise<Collection | undefined>;
}

/** The guarded collections and the ledger. */
export type ModelGuard = ReturnType<typeof modelGuard>;

/** Creates the guard; opens collections lazily, once each. */
export function modelGuard(options: ModelGuardOptions) {
  const {
    client,
    db,
    embedder,
    model,
    dimensions,
    collectionPrefix,
    chroma: { unavailable, timed, getIfExists },
    rollForward,
  } = options;
  const opened = new Map<CollectionName, Promise<Collection>>();

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

  return {
    opened,
    collectionOf,
    embedChecked,
    insertRows,
    deleteByBuild,
    deleteByUser,
  };
}
