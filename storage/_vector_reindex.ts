/**
 * Reindexing and repair of the vector store. After a model change a
 * collection is re-embedded into a new one (`<name>__reindex_<ms>`, marked
 * `building`, then `complete`) and swapped in: ledger rows, delete the old,
 * rename the new. Chroma has no atomic swap, so the name is briefly missing;
 * a crash there is repaired by whoever opens the name next
 * ({@linkcode Reindexing.rollForward}), and a run interrupted while building
 * is continued by the next run.
 *
 * @module
 */
import type { ChromaClient, Collection, Metadata } from "chromadb";
import type { Db } from "./schema.ts";
import { setVectorMemoriesModel } from "./vector_memories.ts";
import {
  type CollectionName,
  type ReindexOptions,
  type ReindexResult,
  VectorStoreError,
} from "./vector_types.ts";
import {
  type ChromaAdapter,
  META_DIMENSIONS,
  META_MODEL,
  META_REINDEX_OF,
  META_REINDEX_STATE,
  recordedModel,
  REINDEX_MARK,
} from "./_vector_chroma.ts";
import type { ModelGuard } from "./_vector_guard.ts";

/** What {@linkcode reindexing} needs. */
export interface ReindexingOptions {
  /** The Chroma client. */
  client: ChromaClient;
  /** Where ledger rows are; their model is updated with the swap. */
  db?: Db | undefined;
  /** The model collections are re-embedded with. */
  model: string;
  /** Its width. */
  dimensions: number;
  /** Prepended to every collection name. */
  collectionPrefix: string;
  /** Items per step when the caller does not say. */
  batchSize: number;
  /** The Chroma adapter. */
  chroma: ChromaAdapter;
  /** The model guard (its open collections are forgotten on a swap). */
  guard: ModelGuard;
}

/** Re-embedding and swap repair. */
export interface Reindexing {
  /** Finishes a swap that a crash interrupted after the old collection was deleted. */
  rollForward(name: CollectionName): Promise<Collection | undefined>;
  /** Re-embeds a collection with the store's model; see `VectorStore.reindex`. */
  reindex(
    name: CollectionName,
    opts?: ReindexOptions,
  ): Promise<ReindexResult>;
}

/** Creates the reindexer. */
export function reindexing(options: ReindexingOptions): Reindexing {
  const {
    client,
    db,
    model,
    dimensions,
    collectionPrefix,
    batchSize,
    chroma: { timed, getIfExists, deleteIfExists },
    guard: { opened, collectionOf, embedChecked },
  } = options;

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

  return { rollForward, reindex };
}
