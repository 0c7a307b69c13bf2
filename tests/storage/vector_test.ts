import { assert } from "../deps.ts";
import { createModelClient } from "../../actors/workflow/llm.ts";
import {
  chromaClient,
  startEmbeddedChroma,
} from "../../storage/chroma_server.ts";
import { BEST_PRACTICES } from "../../storage/best_practices.ts";
import { MissingReferenceError } from "../../storage/errors.ts";
import { createUser } from "../../storage/users.ts";
import { recordVectorMemories } from "../../storage/vector_memories.ts";
import type { Db } from "../../storage/schema.ts";
import {
  contextForBuild,
  contextTexts,
  rememberBuild,
  rememberFiles,
} from "../../actors/workflow/retrieval.ts";
import {
  type Embedder,
  EmbeddingMismatchError,
  openVectorStore,
  type VectorStoreOptions,
  VectorStoreUnavailableError,
} from "../../storage/vector.ts";
import { startFakeOllama } from "../fakes/ollama.ts";
import { openTestDatabase } from "./_db.ts";

const MODEL = "nomic-embed-text";
const DIMS = 768;

async function newUser(db: Db, name: string): Promise<string> {
  const user = await createUser(db, {
    email: `${name}-${crypto.randomUUID()}@example.com`,
    name,
  }, { actorUserId: null });
  return user.id;
}

async function newBuild(db: Db, userId: string): Promise<string> {
  const row = await db.insertInto("builds").values({
    user_id: userId,
    project: "demo",
    language: "typescript",
    requirements: "demo",
    source: "api",
  }).returning("id").executeTakeFirstOrThrow();
  return row.id;
}

async function rowCount(db: Db, where?: { buildId?: string; userId?: string }) {
  let q = db.selectFrom("vector_memories").select((eb) =>
    eb.fn.countAll<string>().as("n")
  );
  if (where?.buildId) q = q.where("build_id", "=", where.buildId);
  if (where?.userId) q = q.where("user_id", "=", where.userId);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Unit vectors along chosen axes: lets a test fix the geometry exactly. */
function axisEmbedder(table: Record<string, number[]>): Embedder {
  return {
    embed: (texts) =>
      Promise.resolve(texts.map((t) => {
        const v = new Array(DIMS).fill(0);
        (table[t] ?? [0, 0, 1]).forEach((x, i) => v[i] = x);
        return v;
      })),
  };
}

Deno.test("vector store over an embedded Chroma", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-vector-" });
  await using chroma = await startEmbeddedChroma({ dataDir });
  await using ollama = await startFakeOllama();
  await using tdb = await openTestDatabase();
  const db = tdb.db;
  const client = chromaClient(chroma.url);
  const embedder = createModelClient({
    host: ollama.url,
    model: "qwen2.5-coder:7b",
    embedModel: MODEL,
    dimensions: DIMS,
    timeoutMs: 10_000,
    backoffMs: 1,
  });
  let prefixes = 0;
  const open = (extra: Partial<VectorStoreOptions> = {}) =>
    openVectorStore({
      client,
      db,
      embedder,
      model: MODEL,
      dimensions: DIMS,
      chromaUrl: chroma.url,
      embedded: true,
      collectionPrefix: `t${++prefixes}_`,
      ...extra,
    });

  try {
    await t.step(
      "add then search, filtered by user, language and type",
      async () => {
        const store = open();
        const alice = await newUser(db, "alice");
        const bob = await newUser(db, "bob");
        const ids = await store.add("code_snippets", [
          {
            text: "export function add(a: number, b: number) { return a + b; }",
            metadata: { userId: alice, language: "typescript", type: "source" },
          },
          {
            text: "export function add(a, b) { return a + b; }",
            metadata: { userId: bob, language: "javascript", type: "source" },
          },
          {
            text: "Deno.test('add adds', () => assertEquals(add(1, 2), 3));",
            metadata: { userId: alice, language: "typescript", type: "test" },
          },
        ]);
        assert.equal(ids.length, 3);
        assert.equal(await store.count("code_snippets"), 3);

        const mine = await store.search(
          "code_snippets",
          "function add numbers",
          {
            k: 10,
            where: { userId: alice },
          },
        );
        assert.deepEqual(mine.map((h) => h.metadata.userId), [alice, alice]);
        const tests = await store.search("code_snippets", "add", {
          k: 10,
          where: { userId: alice, type: "test" },
        });
        assert.deepEqual(tests.map((h) => h.id), [ids[2]]);
        const js = await store.search("code_snippets", "add", {
          k: 10,
          where: { language: ["javascript", "python"] },
        });
        assert.deepEqual(js.map((h) => h.id), [ids[1]]);
        assert.equal(js[0]?.metadata.language, "javascript");
        assert.equal(await rowCount(db, { userId: alice }), 2);
      },
    );

    await t.step(
      "results come nearest first with cosine distance",
      async () => {
        const store = open();
        await store.add("documentation", [
          { text: "How to read a CSV file line by line with streams" },
          { text: "Adding two numbers: the add function returns their sum" },
          { text: "Configuring an HTTP server route with Hono" },
        ]);
        const hits = await store.search(
          "documentation",
          "the add function returns the sum of two numbers",
          { k: 3 },
        );
        assert.equal(hits.length, 3);
        assert.match(hits[0]!.text, /Adding two numbers/);
        for (let i = 1; i < hits.length; i++) {
          assert.ok(hits[i - 1]!.distance <= hits[i]!.distance);
        }
        for (const h of hits) {
          assert.ok(h.distance >= 0 && h.distance <= 2);
          assert.equal(h.score, 1 - h.distance);
        }
        const same = await store.search(
          "documentation",
          "Configuring an HTTP server route with Hono",
          { k: 1 },
        );
        assert.ok(same[0]!.distance < 1e-3, String(same[0]?.distance));
      },
    );

    await t.step("the metric is cosine, not euclidean", async () => {
      // [10, 1] points almost the same way as [1, 0] but lies far from it;
      // [0.7, 0.7] is close in space but 45 degrees away.
      const store = open({
        embedder: axisEmbedder({
          query: [1, 0],
          long: [10, 1],
          diagonal: [0.7, 0.7],
        }),
      });
      await store.add("documentation", [{ text: "long" }, {
        text: "diagonal",
      }]);
      const hits = await store.search("documentation", "query", { k: 2 });
      assert.deepEqual(hits.map((h) => h.text), ["long", "diagonal"]);
      assert.ok(Math.abs(hits[1]!.distance - (1 - Math.SQRT1_2)) < 1e-4);
    });

    await t.step(
      "a filter finds matches that lie beyond the nearest candidates",
      async () => {
        // 60 JavaScript items sit next to the query, 10 TypeScript items far
        // away: the TypeScript ones are not among the first candidates.
        const store = open({
          embedder: {
            embed: (texts) =>
              Promise.resolve(texts.map((text) => {
                const v = new Array(DIMS).fill(0);
                const [kind, n] = text.split(" ");
                if (kind === "js") [v[0], v[1]] = [1, Number(n) / 1000];
                else if (kind === "ts") [v[0], v[1]] = [Number(n) / 1000, 1];
                else v[0] = 1;
                return v;
              })),
          },
        });
        await store.add("code_snippets", [
          ...Array.from({ length: 60 }, (_, i) => ({
            text: `js ${i}`,
            metadata: { language: "javascript", type: "source" },
          })),
          ...Array.from({ length: 10 }, (_, i) => ({
            text: `ts ${i}`,
            metadata: {
              language: "typescript",
              type: i < 2 ? "test" : "source",
            },
          })),
        ]);
        const ts = await store.search("code_snippets", "query", {
          k: 5,
          where: { language: "typescript" },
        });
        assert.deepEqual(ts.map((h) => h.text), [
          "ts 9",
          "ts 8",
          "ts 7",
          "ts 6",
          "ts 5",
        ]);
        const tests = await store.search("code_snippets", "query", {
          k: 5,
          where: { language: "typescript", type: "test" },
        });
        assert.deepEqual(tests.map((h) => h.text), ["ts 1", "ts 0"]);
        const js = await store.search("code_snippets", "query", {
          k: 3,
          where: { language: "javascript" },
        });
        assert.deepEqual(js.map((h) => h.text), ["js 0", "js 1", "js 2"]);
      },
    );

    await t.step("vectors of another model or width are refused", async () => {
      const store = open();
      await store.add("conversations", [{ text: "hello" }]);
      const prefix = `t${prefixes}_`;
      const other = openVectorStore({
        client,
        embedder: {
          embed: (x) => Promise.resolve(x.map(() => new Array(384).fill(0.1))),
        },
        model: "all-minilm",
        dimensions: 384,
        collectionPrefix: prefix,
      });
      const error = await other.add("conversations", [{ text: "hi" }]).catch(
        (e) => e,
      );
      assert.ok(error instanceof EmbeddingMismatchError, String(error));
      assert.match(error.message, /nomic-embed-text \(768 dimensions\)/);
      assert.match(error.message, /all-minilm \(384 dimensions\)/);
      const searchError = await other.search("conversations", "hi").catch((e) =>
        e
      );
      assert.ok(searchError instanceof EmbeddingMismatchError);

      const narrow = open({
        collectionPrefix: prefix,
        embedder: { embed: (x) => Promise.resolve(x.map(() => [1, 2, 3])) },
      });
      const widthError = await narrow.add("conversations", [{ text: "x" }])
        .catch(
          (e) => e,
        );
      assert.ok(
        widthError instanceof EmbeddingMismatchError,
        String(widthError),
      );
      assert.match(widthError.message, /3 dimensions/);
      assert.equal(await store.count("conversations"), 1);
    });

    await t.step(
      "a failed row insert removes the vectors it added",
      async () => {
        const store = open();
        const user = await newUser(db, "carol");
        const before = await rowCount(db);
        const error = await store.add("code_snippets", [
          { text: "ok", metadata: { userId: user } },
          {
            text: "orphan",
            metadata: { userId: user, buildId: crypto.randomUUID() },
          },
        ]).catch((e) => e);
        assert.ok(error instanceof MissingReferenceError, String(error));
        assert.equal(await store.count("code_snippets"), 0);
        assert.equal(await rowCount(db), before);
      },
    );

    await t.step(
      "deleteByBuild and deleteByUser remove vectors and rows",
      async () => {
        const store = open();
        const dave = await newUser(db, "dave");
        const erin = await newUser(db, "erin");
        const b1 = await newBuild(db, dave);
        const b2 = await newBuild(db, dave);
        const b3 = await newBuild(db, erin);
        await rememberFiles(
          store,
          { buildId: b1, userId: dave, language: "ts" },
          [
            { path: "mod.ts", content: "export const a = 1;", kind: "source" },
            {
              path: "mod_test.ts",
              content: "Deno.test('a', () => {});",
              kind: "test",
            },
            { path: "README.md", content: "# a", kind: "doc" },
          ],
        );
        await rememberBuild(store, {
          buildId: b1,
          userId: dave,
          language: "typescript",
          text: "a constant",
        });
        await store.add("code_snippets", [
          { text: "b2", metadata: { userId: dave, buildId: b2 } },
          { text: "b3", metadata: { userId: erin, buildId: b3 } },
        ]);
        const readme = await store.search("documentation", "# a", {
          where: { buildId: b1 },
        });
        assert.equal(readme[0]?.metadata.path, "README.md");
        assert.equal(readme[0]?.metadata.language, "typescript");
        assert.equal(await rowCount(db, { buildId: b1 }), 4);

        // Known to the ledger only: Chroma's metadata does not name the build.
        const [ledgerOnly] = await store.add("code_snippets", [
          { text: "ledger only", metadata: { userId: dave } },
        ]);
        await recordVectorMemories(db, [{
          collection: "code_snippets",
          chromaId: ledgerOnly!,
          userId: dave,
          buildId: b1,
          contentHash: "0",
          model: MODEL,
          dimensions: DIMS,
        }]);

        assert.equal(await store.deleteByBuild(b1), 5);
        assert.equal(await rowCount(db, { buildId: b1 }), 0);
        assert.equal(await store.count("code_snippets"), 2);
        assert.equal(await store.count("documentation"), 0);
        assert.equal(await store.count("conversations"), 0);

        assert.equal(await store.deleteByUser(dave), 1);
        assert.equal(await rowCount(db, { userId: dave }), 0);
        const left = await store.search("code_snippets", "b", { k: 10 });
        assert.deepEqual(left.map((h) => h.text), ["b3"]);
        assert.equal(await rowCount(db, { userId: erin }), 1);
        assert.equal(await store.deleteByBuild(b1), 0);
      },
    );

    await t.step("seeding best practices is idempotent", async () => {
      const store = open();
      const first = await store.seedBestPractices();
      assert.deepEqual(first, { added: BEST_PRACTICES.length, present: 0 });
      const second = await store.seedBestPractices();
      assert.deepEqual(second, { added: 0, present: BEST_PRACTICES.length });
      assert.equal(await store.count("best_practices"), BEST_PRACTICES.length);
      const hits = await store.search(
        "best_practices",
        "Never evaluate strings as code: do not use eval or new Function",
        { k: 1 },
      );
      assert.equal(hits[0]?.id, "bp-sec-no-eval");
      assert.deepEqual(hits[0]?.metadata.tags, ["security"]);
    });

    await t.step(
      "contextForBuild gathers code, docs, practices and earlier builds of the user only",
      async () => {
        const store = open();
        await store.seedBestPractices();
        const frank = await newUser(db, "frank");
        const grace = await newUser(db, "grace");
        const old = await newBuild(db, frank);
        const current = await newBuild(db, frank);
        await store.add("code_snippets", [
          {
            text:
              "export function parseCsv(text: string): string[][] { return text.split('\\n').map((l) => l.split(',')); }",
            metadata: {
              userId: frank,
              buildId: old,
              language: "typescript",
              type: "source",
            },
          },
          {
            text:
              "export function parseCsv(text: string) { /* grace's secret code */ }",
            metadata: { userId: grace, language: "typescript", type: "source" },
          },
        ]);
        await store.add("documentation", [
          {
            text:
              "CSV files separate fields with commas and records with newlines.",
            metadata: { language: "typescript" },
          },
        ]);
        await rememberBuild(store, {
          buildId: old,
          userId: frank,
          language: "typescript",
          text: "A CSV parser returning rows of fields",
        });
        await rememberBuild(store, {
          buildId: current,
          userId: frank,
          language: "typescript",
          text: "A CSV parser with quoted fields",
        });
        await rememberBuild(store, {
          buildId: await newBuild(db, grace),
          userId: grace,
          language: "typescript",
          text: "A CSV parser for grace",
        });

        const ctx = await contextForBuild(store, {
          userId: frank,
          buildId: current,
          requirements:
            "Write a CSV parser that validates its input and returns rows of fields",
          language: "typescript",
          k: 3,
        });
        assert.equal(ctx.similarCode.length, 1);
        assert.equal(ctx.similarCode[0]?.metadata.userId, frank);
        assert.equal(ctx.documentation.length, 1);
        assert.equal(ctx.bestPractices.length, 3);
        for (const h of ctx.bestPractices) {
          assert.ok(
            ["typescript", "javascript"].includes(h.metadata.language ?? ""),
          );
        }
        assert.deepEqual(ctx.previousBuilds.map((h) => h.metadata.buildId), [
          old,
        ]);
        const texts = contextTexts(ctx);
        assert.equal(texts.length, 6);
        assert.ok(!texts.some((x) => x.includes("grace")));
      },
    );

    await t.step(
      "searchMany embeds the query once and answers each search in order",
      async () => {
        let embeds = 0;
        const observed: string[] = [];
        const store = open({
          embedder: {
            embed: (texts) => {
              embeds++;
              return embedder.embed(texts);
            },
          },
          observe: (o) => observed.push(`${o.operation} ${o.collection}`),
        });
        await store.add("code_snippets", [
          { text: "code one", metadata: { language: "python" } },
          { text: "code two", metadata: { language: "typescript" } },
        ]);
        await store.add("documentation", [{ text: "a doc" }]);
        embeds = 0;
        observed.length = 0;
        const [python, docs, none, both] = await store.searchMany("code", [
          { collections: "code_snippets", where: { language: "python" } },
          { collections: ["documentation"], k: 1 },
          { collections: [] },
          { collections: ["code_snippets", "documentation"], k: 2 },
        ], { operation: "lookup" });
        assert.equal(embeds, 1);
        assert.deepEqual(python?.map((h) => h.text), ["code one"]);
        assert.deepEqual(docs?.map((h) => h.text), ["a doc"]);
        assert.deepEqual(none, []);
        assert.equal(both?.length, 2);
        assert.ok(observed.includes("lookup *"), observed.join(", "));
        assert.deepEqual(
          await store.searchMany("code", [{ collections: [] }]),
          [
            [],
          ],
        );
        assert.equal(embeds, 1);
      },
    );

    await t.step("health reports a live Chroma", async () => {
      assert.deepEqual(await open().health(), { ok: true, url: chroma.url });
    });

    await t.step(
      "a stopped Chroma fails with VectorStoreUnavailableError and writes no rows",
      async () => {
        const store = open();
        const user = await newUser(db, "heidi");
        await store.count("code_snippets");
        const before = await rowCount(db);
        await chroma.stop();
        const error = await store.add("code_snippets", [
          { text: "x", metadata: { userId: user } },
        ]).catch((e) => e);
        assert.ok(error instanceof VectorStoreUnavailableError, String(error));
        assert.ok(error.message.includes(chroma.url));
        assert.match(error.message, /embedded Chroma/);
        assert.equal(await rowCount(db), before);
        const health = await store.health();
        assert.equal(health.ok, false);
      },
    );
  } finally {
    await chroma.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("an unreachable CHROMA_URL fails with VectorStoreUnavailableError that says how to start Chroma", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const url = `http://127.0.0.1:${port}`;
  const store = openVectorStore({
    client: chromaClient(url),
    embedder: { embed: () => Promise.reject(new Error("not reached")) },
    model: MODEL,
    dimensions: DIMS,
    chromaUrl: url,
  });
  const error = await store.search("best_practices", "x").catch((e) => e);
  assert.ok(error instanceof VectorStoreUnavailableError, String(error));
  assert.ok(error.message.includes(url));
  assert.match(error.message, /CHROMA_URL/);
  assert.match(error.message, /chroma run/);
  assert.equal((await store.health()).ok, false);
});
