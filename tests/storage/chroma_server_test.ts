import { assert } from "../deps.ts";
import {
  chromaClient,
  ChromaStartError,
  startEmbeddedChroma,
} from "../../storage/chroma_server.ts";

Deno.test("the embedded Chroma serves, keeps its data across restarts and stops on SIGTERM", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-chroma-" });
  try {
    const first = await startEmbeddedChroma({ dataDir });
    assert.equal(first.path, `${dataDir}/chroma`);
    const client = chromaClient(first.url);
    assert.equal(typeof await client.heartbeat(), "number");
    await client.createCollection({
      name: "kept_here",
      embeddingFunction: null,
    });
    await first.stop();
    await first.stop();
    const status = await first.exited;
    assert.equal(status.success, true);
    assert.equal(await client.heartbeat().catch(() => "down"), "down");

    await using second = await startEmbeddedChroma({ dataDir });
    const names = (await chromaClient(second.url).listCollections()).map((c) =>
      c.name
    );
    assert.deepEqual(names, ["kept_here"]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a port that is taken fails the start with ChromaStartError and the server's output", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-chroma-" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const error = await startEmbeddedChroma({ dataDir, port }).catch((e) => e);
    assert.ok(error instanceof ChromaStartError, String(error));
    assert.match(error.message, /embedded Chroma server/);
    assert.match(error.message, /CHROMA_URL/);
    assert.ok(error.message.includes(`${dataDir}/chroma`));
  } finally {
    listener.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
