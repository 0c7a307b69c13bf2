import { assert } from "../../deps.ts";
import { createModelClient } from "../../../actors/workflow/llm.ts";
import {
  chromaClient,
  startEmbeddedChroma,
} from "../../../storage/chroma_server.ts";
import { openVectorStore } from "../../../storage/vector.ts";
import { startFakeOllama } from "../../fakes/ollama.ts";
import { json } from "../_app.ts";
import { openRouteFixture, read } from "./_setup.ts";

const MODEL = "nomic-embed-text";
const DIMS = 768;

Deno.test("search and documents over an embedded Chroma", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-http-search-" });
  await using chroma = await startEmbeddedChroma({ dataDir });
  await using ollama = await startFakeOllama();
  const embedder = createModelClient({
    host: ollama.url,
    model: "qwen2.5-coder:7b",
    embedModel: MODEL,
    dimensions: DIMS,
    timeoutMs: 10_000,
    backoffMs: 1,
  });
  let fixture: Awaited<ReturnType<typeof openRouteFixture>> | undefined;
  try {
    fixture = await openRouteFixture({
      deps: {
        vector: openVectorStore({
          client: chromaClient(chroma.url),
          embedder,
          model: MODEL,
          dimensions: DIMS,
          chromaUrl: chroma.url,
          embedded: true,
          collectionPrefix: "http_",
        }),
      },
    });
    const { app, admin, bob, eve } = fixture;
    const search = async (auth: Record<string, string>, body: unknown) =>
      await read(await app.request("/v1/search", json(body, auth)));

    await t.step("POST /v1/documents adds the caller's documents", async () => {
      const { status, body } = await read(
        await app.request(
          "/v1/documents",
          json({
            documents: [
              {
                title: "Bob's error handling",
                content: "Wrap errors with context; never swallow them.",
                language: "typescript",
                tags: ["errors"],
              },
              { title: "Bob's logging", content: "Log JSON lines." },
            ],
          }, bob.auth),
        ),
      );
      assert.equal(status, 201, JSON.stringify(body));
      assert.equal(body.scope, "user");
      assert.equal(body.ids.length, 2);
      const eves = await read(
        await app.request(
          "/v1/documents",
          json({
            documents: [{ title: "Eve's secret", content: "Eve only." }],
          }, eve.auth),
        ),
      );
      assert.equal(eves.status, 201);
    });

    await t.step("only admins add global documents", async () => {
      const denied = await read(
        await app.request(
          "/v1/documents",
          json({
            scope: "global",
            documents: [{ title: "x", content: "y" }],
          }, bob.auth),
        ),
      );
      assert.equal(denied.status, 403);
      const ok = await read(
        await app.request(
          "/v1/documents",
          json({
            scope: "global",
            documents: [{ title: "House style", content: "Small modules." }],
          }, admin.auth),
        ),
      );
      assert.equal(ok.status, 201);
    });

    await t.step(
      "search sees the caller's own and global entries, never another user's",
      async () => {
        const { status, body } = await search(bob.auth, {
          query: "error handling",
          collections: ["documentation"],
          k: 50,
        });
        assert.equal(status, 200, JSON.stringify(body));
        const titles = body.hits.map((h: { metadata: { title: string } }) =>
          h.metadata.title
        ).sort();
        assert.deepEqual(titles, [
          "Bob's error handling",
          "Bob's logging",
          "House style",
        ]);
        const scopes = Object.fromEntries(
          body.hits.map((h: { metadata: { title: string; scope: string } }) => [
            h.metadata.title,
            h.metadata.scope,
          ]),
        );
        assert.equal(scopes["House style"], "global");
        assert.equal(scopes["Bob's logging"], "user");
        const eves = await search(eve.auth, {
          query: "error handling",
          collections: ["documentation"],
          k: 50,
        });
        assert.deepEqual(
          eves.body.hits.map((h: { metadata: { title: string } }) =>
            h.metadata.title
          ).sort(),
          ["Eve's secret", "House style"],
        );
      },
    );

    await t.step(
      "filters narrow the hits; GET /v1/search takes the same in the query",
      async () => {
        const { body } = await search(bob.auth, {
          query: "errors",
          collections: ["documentation"],
          filters: { language: "TypeScript" },
          k: 50,
        });
        assert.deepEqual(
          body.hits.map((h: { metadata: { title: string } }) =>
            h.metadata.title
          ),
          ["Bob's error handling"],
        );
        const viaGet = await read(
          await app.request(
            "/v1/search?q=errors&collections=documentation,best_practices&language=typescript&k=50",
            { headers: bob.auth },
          ),
        );
        assert.equal(viaGet.status, 200, JSON.stringify(viaGet.body));
        assert.deepEqual(viaGet.body.collections, [
          "documentation",
          "best_practices",
        ]);
        assert.ok(
          viaGet.body.hits.every((h: { metadata: { language?: string } }) =>
            h.metadata.language === "typescript"
          ),
        );
      },
    );

    await t.step("invalid searches are 400s naming the field", async () => {
      const bad = await search(bob.auth, {
        query: "",
        collections: ["secrets"],
        k: 500,
      });
      assert.equal(bad.status, 400);
      const paths = bad.body.error.details.issues.map((i: { path: string }) =>
        i.path
      ).sort();
      assert.deepEqual(paths, ["body.collections.0", "body.k", "body.query"]);
      const badGet = await read(
        await app.request("/v1/search?q=x&collections=nope", {
          headers: bob.auth,
        }),
      );
      assert.equal(badGet.status, 400);
      assert.match(
        badGet.body.error.details.issues[0].path,
        /^query\.collections/,
      );
    });

    await t.step(
      "when Chroma is down, search and documents answer 503 naming Chroma",
      async () => {
        await chroma.stop();
        const res = await search(bob.auth, { query: "anything" });
        assert.equal(res.status, 503);
        assert.equal(res.body.error.code, "vector_store_unavailable");
        assert.match(res.body.error.message, /Chroma/);
        const add = await read(
          await app.request(
            "/v1/documents",
            json({ documents: [{ title: "t", content: "c" }] }, bob.auth),
          ),
        );
        assert.equal(add.status, 503);
      },
    );
  } finally {
    await fixture?.close();
    await chroma.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("search without a vector store, or without the embedding model, is a 503 naming the service", async () => {
  await using noStore = await openRouteFixture();
  const res = await read(
    await noStore.app.request(
      "/v1/search",
      json({ query: "x" }, noStore.bob.auth),
    ),
  );
  assert.equal(res.status, 503);
  assert.match(res.body.error.message, /Chroma/);

  const dataDir = await Deno.makeTempDir({ prefix: "troupe-http-search-" });
  await using chroma = await startEmbeddedChroma({ dataDir });
  // A port nothing listens on: the model client cannot reach "Ollama".
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using f = await openRouteFixture({
    deps: {
      vector: openVectorStore({
        client: chromaClient(chroma.url),
        embedder: createModelClient({
          host: `http://127.0.0.1:${deadPort}`,
          model: "qwen2.5-coder:7b",
          embedModel: MODEL,
          dimensions: DIMS,
          timeoutMs: 2_000,
          backoffMs: 1,
        }),
        model: MODEL,
        dimensions: DIMS,
        collectionPrefix: "http_nomodel_",
      }),
    },
  });
  const noModel = await read(
    await f.app.request("/v1/search", json({ query: "x" }, f.bob.auth)),
  );
  assert.equal(noModel.status, 503);
  assert.equal(noModel.body.error.code, "model_unavailable");
  assert.equal(noModel.body.error.details.service, "ollama");
  await chroma.stop();
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
});
