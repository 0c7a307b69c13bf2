/**
 * Vector memories: a ledger of what Troupe put into Chroma (collection,
 * Chroma id, owner, build, content hash, embedding model), so documents can
 * be cleaned up with their build or user, and re-embedded when the model
 * changes. Rows go away with their user or build (ON DELETE CASCADE): read
 * them first when the Chroma side must be deleted too.
 *
 * @module
 */
import type { Db, VectorMemoryRow } from "./schema.ts";
import { isUuid, run } from "./_sql.ts";

/** One document stored in Chroma. */
export interface VectorMemory {
  /** The ledger row's id. */
  readonly id: string;
  /** The Chroma collection the document is in. */
  readonly collection: string;
  /** The document's id inside its Chroma collection. */
  readonly chromaId: string;
  /** The user the document belongs to; null when it belongs to none. */
  readonly userId: string | null;
  /** The build the document came from; null when none. */
  readonly buildId: string | null;
  /** Hash of the embedded text. */
  readonly contentHash: string;
  /** The embedding model that made the vector. */
  readonly model: string;
  /** Length of the vector. */
  readonly dimensions: number;
  /** When the document was recorded. */
  readonly createdAt: Date;
}

/** What {@link recordVectorMemories} takes. */
export interface NewVectorMemory {
  /** The Chroma collection the document is in. */
  readonly collection: string;
  /** The document's id inside its Chroma collection. */
  readonly chromaId: string;
  /** The user the document belongs to; null or absent when none. */
  readonly userId?: string | null;
  /** The build the document came from; null or absent when none. */
  readonly buildId?: string | null;
  /** Hash of the embedded text. */
  readonly contentHash: string;
  /** The embedding model that made the vector. */
  readonly model: string;
  /** Length of the vector (positive). */
  readonly dimensions: number;
}

function toVectorMemory(row: VectorMemoryRow): VectorMemory {
  return {
    id: row.id,
    collection: row.collection,
    chromaId: row.chroma_id,
    userId: row.user_id,
    buildId: row.build_id,
    contentHash: row.content_hash,
    model: row.model,
    dimensions: row.dimensions,
    createdAt: row.created_at,
  };
}

/**
 * Records documents added to Chroma; a (collection, Chroma id) seen before is
 * updated (upsert), matching Chroma's own upsert. Within one batch the last
 * occurrence of a document wins.
 *
 * @example
 * ```ts
 * import { recordVectorMemories } from "./vector_memories.ts";
 * // await recordVectorMemories(db, [{ collection: "code_snippets", chromaId, buildId, userId,
 * //   contentHash, model: "nomic-embed-text", dimensions: 768 }]);
 * ```
 */
export async function recordVectorMemories(
  db: Db,
  items: readonly NewVectorMemory[],
  now: Date = new Date(),
): Promise<VectorMemory[]> {
  if (items.length === 0) return [];
  // One INSERT ... ON CONFLICT may not touch a row twice: last one wins.
  const unique = [
    ...new Map(items.map((i) => [`${i.collection}\u0000${i.chromaId}`, i]))
      .values(),
  ];
  const rows = await run(() =>
    db.insertInto("vector_memories").values(unique.map((i) => ({
      collection: i.collection,
      chroma_id: i.chromaId,
      user_id: i.userId ?? null,
      build_id: i.buildId ?? null,
      content_hash: i.contentHash,
      model: i.model,
      dimensions: i.dimensions,
      created_at: now,
    }))).onConflict((oc) =>
      oc.columns(["collection", "chroma_id"]).doUpdateSet((eb) => ({
        user_id: eb.ref("excluded.user_id"),
        build_id: eb.ref("excluded.build_id"),
        content_hash: eb.ref("excluded.content_hash"),
        model: eb.ref("excluded.model"),
        dimensions: eb.ref("excluded.dimensions"),
      }))
    ).returningAll().execute()
  );
  return rows.map(toVectorMemory);
}

/** Documents stored for a build. */
export async function listVectorMemoriesForBuild(
  db: Db,
  buildId: string,
): Promise<VectorMemory[]> {
  if (!isUuid(buildId)) return [];
  const rows = await run(() =>
    db.selectFrom("vector_memories").selectAll()
      .where("build_id", "=", buildId)
      .orderBy("collection").orderBy("chroma_id").execute()
  );
  return rows.map(toVectorMemory);
}

/** Documents stored for a user, optionally in one collection. */
export async function listVectorMemoriesForUser(
  db: Db,
  userId: string,
  collection?: string,
): Promise<VectorMemory[]> {
  if (!isUuid(userId)) return [];
  let q = db.selectFrom("vector_memories").selectAll()
    .where("user_id", "=", userId);
  if (collection !== undefined) q = q.where("collection", "=", collection);
  const rows = await run(() =>
    q.orderBy("collection").orderBy("chroma_id").execute()
  );
  return rows.map(toVectorMemory);
}

/**
 * Documents of a collection embedded with another model (or dimension count)
 * than the current one: the re-embed job's work list.
 */
export async function listStaleVectorMemories(
  db: Db,
  collection: string,
  current: { model: string; dimensions: number },
  limit = 1000,
): Promise<VectorMemory[]> {
  const rows = await run(() =>
    db.selectFrom("vector_memories").selectAll()
      .where("collection", "=", collection)
      .where((eb) =>
        eb.or([
          eb("model", "<>", current.model),
          eb("dimensions", "<>", current.dimensions),
        ])
      )
      .orderBy("id").limit(Math.min(Math.max(limit, 1), 10_000)).execute()
  );
  return rows.map(toVectorMemory);
}

/**
 * Records that documents were re-embedded: sets the model and width of the
 * given Chroma ids of a collection; returns how many rows changed.
 *
 * @example
 * ```ts
 * import { setVectorMemoriesModel } from "./vector_memories.ts";
 * // await setVectorMemoriesModel(db, "code_snippets", ids, { model: "all-minilm", dimensions: 384 });
 * ```
 */
export async function setVectorMemoriesModel(
  db: Db,
  collection: string,
  chromaIds: readonly string[],
  current: { model: string; dimensions: number },
): Promise<number> {
  let changed = 0;
  for (let i = 0; i < chromaIds.length; i += 1000) {
    const chunk = chromaIds.slice(i, i + 1000);
    const result = await run(() =>
      db.updateTable("vector_memories")
        .set({ model: current.model, dimensions: current.dimensions })
        .where("collection", "=", collection)
        .where("chroma_id", "in", chunk)
        .where((eb) =>
          eb.or([
            eb("model", "<>", current.model),
            eb("dimensions", "<>", current.dimensions),
          ])
        )
        .executeTakeFirst()
    );
    changed += Number(result.numUpdatedRows);
  }
  return changed;
}

/** Forgets documents (after deleting them from Chroma); returns how many. */
export async function deleteVectorMemories(
  db: Db,
  collection: string,
  chromaIds: readonly string[],
): Promise<number> {
  if (chromaIds.length === 0) return 0;
  const result = await run(() =>
    db.deleteFrom("vector_memories")
      .where("collection", "=", collection)
      .where("chroma_id", "in", [...chromaIds])
      .executeTakeFirst()
  );
  return Number(result.numDeletedRows);
}

/** How many documents each collection holds, by collection name. */
export async function countVectorMemories(
  db: Db,
): Promise<Record<string, number>> {
  const rows = await run(() =>
    db.selectFrom("vector_memories")
      .select((eb) => ["collection", eb.fn.countAll<number>().as("n")])
      .groupBy("collection").execute()
  );
  return Object.fromEntries(rows.map((r) => [r.collection, Number(r.n)]));
}
