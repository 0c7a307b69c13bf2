import { assert } from "../deps.ts";
import type { ChromaClient } from "chromadb";
import {
  createModelClient,
  ModelUnavailableError,
} from "../../actors/workflow/llm.ts";
import {
  chromaClient,
  startEmbeddedChroma,
} from "../../storage/chroma_server.ts";
import { createUser } from "../../storage/users.ts";
import type { Db } from "../../storage/schema.ts";
import {
  type Embedder,
  EmbeddingMismatchError,
  openVectorStore,
  type ReindexProgress,
  VectorStoreError,
  type VectorStoreOptions,
} from "../../storage/vector.ts";
import { startFakeOllama } from "../fakes/ollama.ts";
import { openTestDatabase } from "./_db.ts";

const OLD = { model: "nomic-embed-text", dimensions: 768 };
const NEW = { model: "all-minilm", dimensions: 384 };

const SNIPPETS = [
  "export function add(a: number, b: number) { return a + b; }",
  "export function parseCsv(text: string) { return text.split('\\n'); }",
  "Deno.test('add adds', () => assertEquals(add(1, 2), 3));",
  "export const serve = () => Deno.serve(() => new Response('ok'));",
  "export function slugify(s: string) { return s.toLowerCase(); }",
];

async function newUser(db: Db): Promise<string> {
  const user = await createUser(db, {
    email: `u-${crypto.randomUUID()}@example.com`,
    name: "u",
  }, { actorUserId: null });
  return user.id;
}

async function ledger(db: Db, ids: readonly string[]) {
  const rows = await db.selectFrom("vector_memories")
    .select(["chroma_id", "model", "dimensions"])
    .where("chroma_id", "in", [...ids]).orderBy("chroma_id").execute();
  return rows.map((r) => `${r.model}/${r.dimensions}`);
}

/** Collection names on the server that start with `prefix`. */
async function namesWith(client: ChromaClient, prefix: string) {
  return (await client.listCollections({ limit: 1000 }))
    .map((c) => c.name).filter((n) => n.startsWith(prefix)).sort();
}

/** The Chroma client, except that deleting a collection "crashes" right after it happened. */
function crashAfterDelete(client: ChromaClient): ChromaClient {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === "deleteCollection") {
        return async (args: { name: string }) => {
          await target.deleteCollection(args);
          throw new Error("process killed after deleting the old collection");
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test("re-embedding collections with another model", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-reindex-" });
  await using chroma = await startEmbeddedChroma({ dataDir });
  await using ollama = await startFakeOllama({
    models: [OLD.model, NEW.model],
    modelDimensions: { [NEW.model]: NEW.dimensions },
  });
  await using tdb = await openTestDatabase();
  const db = tdb.db;
  const client = chromaClient(chroma.url);
  const modelClient = (m: typeof OLD) =>
    createModelClient({
      host: ollama.url,
      model: "qwen2.5-coder:7b",
      embedModel: m.model,
      dimensions: m.dimensions,
      timeoutMs: 10_000,
      retries: 0,
      backoffMs: 1,
    });
  const oldEmbedder = modelClient(OLD);
  const newEmbedder = modelClient(NEW);
  let prefixes = 0;
  const storeFor = (
    m: typeof OLD,
    prefix: string,
    extra: Partial<VectorStoreOptions> = {},
  ) =>
    openVectorStore({
      client,
      db,
      embedder: m === OLD ? oldEmbedder : newEmbedder,
      model: m.model,
      dimensions: m.dimensions,
      chromaUrl: chroma.url,
      embedded: true,
      collectionPrefix: prefix,
      ...extra,
    });
  /** A prefix with SNIPPETS stored under the old model; returns their ids. */
  const seeded = async () => {
    const prefix = `r${++prefixes}_`;
    const user = await newUser(db);
    const ids = await storeFor(OLD, prefix).add(
      "code_snippets",
      SNIPPETS.map((text, i) => ({
        text,
        metadata: {
          userId: user,
          language: "typescript",
          type: i === 2 ? "test" : "source",
          path: `file${i}.ts`,
        },
      })),
    );
    return { prefix, user, ids };
  };

  try {
    await t.step(
      "reindex moves every item to the new model with its id, text and metadata",
      async () => {
        const { prefix, user, ids } = await seeded();
        const after = storeFor(NEW, prefix);
        const refused = await after.search("code_snippets", "add").catch((
          e,
        ) => e);
        assert.ok(refused instanceof EmbeddingMismatchError, String(refused));

        const progress: ReindexProgress[] = [];
        const result = await after.reindex("code_snippets", {
          batchSize: 2,
          onProgress: (p) => progress.push(p),
        });
        assert.deepEqual(result, {
          collection: "code_snippets",
          from: OLD,
          to: NEW,
          items: 5,
          embedded: 5,
          resumed: false,
        });
        assert.deepEqual(progress.map((p) => [p.done, p.total]), [
          [2, 5],
          [4, 5],
          [5, 5],
        ]);

        const live = await client.getCollection({
          name: `${prefix}code_snippets`,
        });
        assert.equal(live.metadata?.embedding_model, NEW.model);
        assert.equal(live.metadata?.embedding_dimensions, NEW.dimensions);
        assert.equal(live.configuration?.hnsw?.space, "cosine");
        const stored = await live.get({ ids, include: ["embeddings"] });
        assert.deepEqual(stored.ids.toSorted(), ids.toSorted());
        for (const e of stored.embeddings) assert.equal(e.length, 384);
        assert.deepEqual(await namesWith(client, prefix), [
          `${prefix}code_snippets`,
        ]);

        const hits = await after.search("code_snippets", SNIPPETS[2]!, {
          k: 5,
          where: { userId: user, type: "test" },
        });
        assert.equal(hits.length, 1);
        assert.equal(hits[0]!.id, ids[2]);
        assert.equal(hits[0]!.text, SNIPPETS[2]);
        assert.equal(hits[0]!.metadata.path, "file2.ts");
        assert.ok(hits[0]!.distance < 1e-3, String(hits[0]!.distance));

        assert.deepEqual(
          await ledger(db, ids),
          ids.map(() => "all-minilm/384"),
        );
        const before = await storeFor(OLD, prefix).count("code_snippets")
          .catch((e) => e);
        assert.ok(before instanceof EmbeddingMismatchError, String(before));
      },
    );

    await t.step(
      "a run that dies while embedding leaves the old collection in use, and the next run continues it",
      async () => {
        const { prefix, ids } = await seeded();
        let calls = 0;
        const dying: Embedder = {
          // The probe and the first page succeed; the second page dies.
          embed: (texts) =>
            ++calls > 2
              ? Promise.reject(new Error("killed"))
              : newEmbedder.embed(texts),
        };
        const error = await storeFor(NEW, prefix, { embedder: dying })
          .reindex("code_snippets", { batchSize: 2 }).catch((e) => e);
        assert.equal(error?.message, "killed");
        const names = await namesWith(client, prefix);
        assert.equal(names.length, 2);
        assert.match(names[1]!, /^r\d+_code_snippets__reindex_\d+$/);
        assert.equal(await storeFor(OLD, prefix).count("code_snippets"), 5);
        assert.deepEqual(
          await ledger(db, ids),
          ids.map(() => "nomic-embed-text/768"),
        );

        const result = await storeFor(NEW, prefix).reindex("code_snippets", {
          batchSize: 2,
        });
        assert.equal(result.resumed, true);
        assert.equal(result.embedded, 3);
        assert.equal(result.items, 5);
        assert.deepEqual(await namesWith(client, prefix), [
          `${prefix}code_snippets`,
        ]);
        assert.deepEqual(
          await ledger(db, ids),
          ids.map(() => "all-minilm/384"),
        );
      },
    );

    await t.step(
      "a crash between deleting the old collection and renaming the new one is finished by the next open",
      async () => {
        const { prefix, ids } = await seeded();
        const error = await storeFor(NEW, prefix, {
          client: crashAfterDelete(client),
        }).reindex("code_snippets").catch((e) => e);
        assert.match(String(error), /killed after deleting/);
        const names = await namesWith(client, prefix);
        assert.equal(names.length, 1);
        assert.match(names[0]!, /__reindex_/);

        // A node with the old model opens the name: it must not get a new,
        // empty collection, but the complete re-embedded one (and refuse it).
        const old = await storeFor(OLD, prefix).count("code_snippets").catch((
          e,
        ) => e);
        assert.ok(old instanceof EmbeddingMismatchError, String(old));
        assert.deepEqual(await namesWith(client, prefix), [
          `${prefix}code_snippets`,
        ]);
        assert.equal(await storeFor(NEW, prefix).count("code_snippets"), 5);
        assert.deepEqual(
          await ledger(db, ids),
          ids.map(() => "all-minilm/384"),
        );
      },
    );

    await t.step(
      "the next reindex finishes a swap that a crash interrupted, without embedding again",
      async () => {
        const { prefix } = await seeded();
        await storeFor(NEW, prefix, { client: crashAfterDelete(client) })
          .reindex("code_snippets").catch(() => {});
        const result = await storeFor(NEW, prefix).reindex("code_snippets");
        assert.deepEqual(
          { ...result },
          {
            collection: "code_snippets",
            from: null,
            to: NEW,
            items: 5,
            embedded: 0,
            resumed: true,
          },
        );
        assert.deepEqual(await namesWith(client, prefix), [
          `${prefix}code_snippets`,
        ]);
      },
    );

    await t.step(
      "an unreachable Ollama fails the reindex before anything is written",
      async () => {
        const { prefix } = await seeded();
        await ollama.down();
        try {
          const error = await storeFor(NEW, prefix).reindex("code_snippets")
            .catch((e) => e);
          assert.ok(error instanceof ModelUnavailableError, String(error));
          assert.match(error.message, /OLLAMA_HOST/);
        } finally {
          ollama.up();
        }
        assert.deepEqual(await namesWith(client, prefix), [
          `${prefix}code_snippets`,
        ]);
        assert.equal(await storeFor(OLD, prefix).count("code_snippets"), 5);
      },
    );

    await t.step(
      "items without a document are refused and the old collection stays in use",
      async () => {
        const { prefix } = await seeded();
        const raw = await client.getCollection({
          name: `${prefix}code_snippets`,
        });
        await raw.add({
          ids: ["no-text"],
          embeddings: [new Array(OLD.dimensions).fill(0.1)],
          metadatas: [{ scope: "global" }],
        });
        const error = await storeFor(NEW, prefix).reindex("code_snippets")
          .catch((e) => e);
        assert.ok(error instanceof VectorStoreError, String(error));
        assert.match(error.message, /1 items without a document/);
        assert.match(error.message, /no-text/);
        assert.equal(await storeFor(OLD, prefix).count("code_snippets"), 6);
      },
    );

    await t.step(
      "reindexing a collection that does not exist creates it for the current model",
      async () => {
        const prefix = `r${++prefixes}_`;
        const store = storeFor(NEW, prefix);
        const result = await store.reindex("documentation");
        assert.equal(result.items, 0);
        assert.equal(result.from, null);
        await store.add("documentation", [{ text: "hello" }]);
        assert.equal(await store.count("documentation"), 1);
      },
    );
  } finally {
    await chroma.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
});
