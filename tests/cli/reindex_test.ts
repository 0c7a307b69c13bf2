import { assert } from "../deps.ts";
import { parseConfig } from "../../config.ts";
import { createModelClient } from "../../actors/workflow/llm.ts";
import { UsageError, withDatabase } from "../../cli/_context.ts";
import { reindex } from "../../cli/reindex.ts";
import {
  chromaClient,
  startEmbeddedChroma,
} from "../../storage/chroma_server.ts";
import { createUser } from "../../storage/users.ts";
import {
  EmbeddingMismatchError,
  openVectorStore,
  type VectorStore,
} from "../../storage/vector.ts";
import { startFakeOllama } from "../fakes/ollama.ts";

const OLD = { model: "nomic-embed-text", dimensions: 768 };
const NEW = { model: "all-minilm", dimensions: 384 };

async function run(args: string[], env: Record<string, string>) {
  const lines: string[] = [];
  const code = await reindex(args, {
    config: parseConfig(env),
    write: (line) => lines.push(line),
  });
  return { code, out: lines.join("\n") };
}

function closedPortUrl(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return `http://127.0.0.1:${port}`;
}

/** Opens DATA_DIR's database and embedded Chroma as a node would, with a new user, for `fn`. */
async function withStore<T>(
  env: Record<string, string>,
  m: typeof OLD,
  fn: (store: VectorStore, userId: string) => Promise<T>,
): Promise<T> {
  const config = parseConfig(env);
  return await withDatabase(config, async ({ db }) => {
    await using chroma = await startEmbeddedChroma({
      dataDir: config.DATA_DIR,
    });
    const store = openVectorStore({
      client: chromaClient(chroma.url),
      db,
      embedder: createModelClient({
        host: config.OLLAMA_HOST,
        model: config.OLLAMA_MODEL,
        embedModel: m.model,
        dimensions: m.dimensions,
        backoffMs: 1,
      }),
      model: m.model,
      dimensions: m.dimensions,
    });
    const user = await createUser(db, {
      email: `u-${crypto.randomUUID()}@example.com`,
      name: "u",
    }, { actorUserId: null });
    return await fn(store, user.id);
  });
}

Deno.test("deno task reindex re-embeds every collection with the configured model", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-cli-reindex-" });
  await using ollama = await startFakeOllama({
    models: [OLD.model, NEW.model],
    modelDimensions: { [NEW.model]: NEW.dimensions },
  });
  const env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: "error",
    OLLAMA_HOST: ollama.url,
  };
  const newEnv = {
    ...env,
    OLLAMA_EMBED_MODEL: NEW.model,
    EMBED_DIMENSIONS: String(NEW.dimensions),
  };
  try {
    await withStore(env, OLD, async (store, userId) => {
      await store.add("code_snippets", [
        { text: "export const a = 1;", metadata: { userId } },
        { text: "export const b = 2;", metadata: { userId } },
        { text: "export const c = 3;", metadata: { userId } },
      ]);
      await store.add("documentation", [{ text: "# How to add numbers" }]);
    });

    const done = await run(["all", "--batch", "2"], newEnv);
    assert.equal(done.code, 0, done.out);
    assert.match(
      done.out,
      /code_snippets: 3 items now embedded with all-minilm \(384\); was nomic-embed-text \(768\); embedded 3/,
    );
    assert.match(done.out, /code_snippets: 2\/3\n.*code_snippets: 3\/3/);
    assert.match(
      done.out,
      /documentation: 1 items now embedded with all-minilm/,
    );
    assert.match(done.out, /best_practices: 0 items/);

    await withStore(newEnv, NEW, async (store) => {
      assert.equal(await store.count("code_snippets"), 3);
      const hits = await store.search("code_snippets", "export const b = 2;", {
        k: 1,
      });
      assert.equal(hits[0]?.text, "export const b = 2;");
    });
    await withStore(env, OLD, async (store) => {
      const error = await store.count("code_snippets").catch((e) => e);
      assert.ok(error instanceof EmbeddingMismatchError, String(error));
    });
    const rows = await withDatabase(
      parseConfig(env),
      ({ db }) =>
        db.selectFrom("vector_memories").select(["model", "dimensions"])
          .distinct().execute(),
    );
    assert.deepEqual(rows, [{ model: NEW.model, dimensions: NEW.dimensions }]);

    const again = await run(["code_snippets"], newEnv);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /was all-minilm \(384\); embedded 3 in this run$/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("deno task reindex with Ollama unreachable says how to start it and exits 1", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-cli-reindex-" });
  try {
    const url = closedPortUrl();
    const { code, out } = await run(["code_snippets"], {
      DATA_DIR: dataDir,
      LOG_LEVEL: "error",
      OLLAMA_HOST: url,
      OLLAMA_TIMEOUT_MS: "2000",
    });
    assert.equal(code, 1, out);
    assert.match(out, /^reindex failed: Ollama at http:\/\/127\.0\.0\.1:\d+/);
    assert.ok(out.includes(`${url} (OLLAMA_HOST) is not reachable`), out);
    assert.match(out, /ollama serve/);
    assert.match(out, /ollama pull nomic-embed-text/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("deno task reindex refuses a configured width the model does not produce", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-cli-reindex-" });
  await using ollama = await startFakeOllama({
    models: [NEW.model],
    modelDimensions: { [NEW.model]: NEW.dimensions },
  });
  try {
    const { code, out } = await run(["documentation"], {
      DATA_DIR: dataDir,
      LOG_LEVEL: "error",
      OLLAMA_HOST: ollama.url,
      OLLAMA_EMBED_MODEL: NEW.model,
      EMBED_DIMENSIONS: "512",
    });
    assert.equal(code, 1, out);
    assert.match(out, /^reindex failed: .*384/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("deno task reindex rejects unknown collections and bad batch sizes", async () => {
  const env = { DATA_DIR: "/nonexistent", LOG_LEVEL: "error" };
  for (
    const args of [[], ["nope"], ["code_snippets", "--batch", "0"], [
      "code_snippets",
      "--batch",
    ], ["code_snippets", "documentation"]]
  ) {
    const error = await run(args, env).catch((e) => e);
    assert.ok(error instanceof UsageError, `${args}: ${error}`);
    assert.match(error.message, /usage: deno task reindex/);
  }
});
