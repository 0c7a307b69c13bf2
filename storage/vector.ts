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
import { BEST_PRACTICES, type BestPractice } from "./best_practices.ts";
import {
  type CollectionName,
  COLLECTIONS,
  type SearchManyOptions,
  type VectorFilter,
  type VectorHit,
  type VectorItem,
  type VectorSearch,
  type VectorStore,
  type VectorStoreOptions,
} from "./vector_types.ts";
import {
  chromaAdapter,
  sha256,
  splitFilter,
  toChromaMetadata,
  whereOf,
} from "./_vector_chroma.ts";
import { modelGuard } from "./_vector_guard.ts";
import { type Reindexing, reindexing } from "./_vector_reindex.ts";

export * from "./vector_types.ts";

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
  const chroma = chromaAdapter({ client, chromaUrl, embedded, observe });
  const guard = modelGuard({
    client,
    db,
    embedder,
    model,
    dimensions,
    collectionPrefix,
    chroma,
    rollForward: (name) => reindexer.rollForward(name),
  });
  const reindexer: Reindexing = reindexing({
    client,
    db,
    model,
    dimensions,
    collectionPrefix,
    batchSize,
    chroma,
    guard,
  });
  const { timed, queryChroma } = chroma;
  const { collectionOf, embedChecked, insertRows } = guard;

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

  async function searchMany(
    query: string,
    searches: readonly VectorSearch[],
    opts: SearchManyOptions = {},
  ): Promise<VectorHit[][]> {
    const lists = searches.map((s) =>
      typeof s.collections === "string" ? [s.collections] : s.collections
    );
    const named = new Set(lists.flat());
    if (named.size === 0) return searches.map(() => []);
    const names = COLLECTIONS.filter((name) => named.has(name));
    // Opening first reports a model mismatch before any embedding is computed.
    await Promise.all(names.map(collectionOf));
    const [embedding] = await embedChecked(opts.label ?? names.join(","), [
      query,
    ]);
    return timed(opts.operation ?? "search_many", "*", () =>
      Promise.all(
        searches.map((s, i) =>
          lists[i]!.length === 0
            ? []
            : searchWith(lists[i]!, embedding!, s.k ?? 5, s.where)
        ),
      ));
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

  return {
    add,
    search,
    searchMany,
    deleteByBuild: guard.deleteByBuild,
    deleteByUser: guard.deleteByUser,
    seedBestPractices,
    count,
    reindex: reindexer.reindex,
    health: chroma.health,
  };
}
