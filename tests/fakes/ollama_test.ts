import { Ollama } from "ollama";
import { assert, fc } from "../deps.ts";
import { fakeEmbedding, startFakeOllama } from "./ollama.ts";

function cosine(a: number[], b: number[]): number {
  return a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
}

Deno.test("fake embeddings are unit vectors and put similar texts nearer", () => {
  fc.assert(fc.property(fc.string(), (text) => {
    const v = fakeEmbedding(text, 64);
    assert.equal(v.length, 64);
    assert.ok(Math.abs(cosine(v, v) - 1) < 1e-9);
  }));
  const q = fakeEmbedding("parse a csv file into rows");
  assert.ok(
    cosine(q, fakeEmbedding("parsing csv files into rows of fields")) >
      cosine(q, fakeEmbedding("start an http server with routes")),
  );
});

Deno.test("the fake speaks Ollama's API to the real client: tags, generate, chat, embed", async () => {
  await using fake = await startFakeOllama();
  const ollama = new Ollama({ host: fake.url });
  const tags = await ollama.list();
  assert.deepEqual(tags.models.map((m) => m.name), [
    "qwen2.5-coder:7b",
    "nomic-embed-text:latest",
  ]);
  fake.script({ endpoint: "generate", content: "four words right here" });
  const generated = await ollama.generate({
    model: "qwen2.5-coder:7b",
    prompt: "hi",
  });
  assert.equal(generated.response, "four words right here");
  assert.equal(generated.done, true);

  fake.script({ content: "a b c" });
  const parts: string[] = [];
  for await (
    const part of await ollama.chat({
      model: "qwen2.5-coder:7b",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    })
  ) parts.push(part.message.content);
  assert.deepEqual(parts, ["a ", "b ", "c", ""]);

  const embedded = await ollama.embed({
    model: "nomic-embed-text",
    input: "hello",
  });
  assert.deepEqual(embedded.embeddings, [fakeEmbedding("hello")]);
  assert.deepEqual(fake.requests.map((r) => r.endpoint), [
    "tags",
    "generate",
    "chat",
    "embed",
  ]);
});

Deno.test("the fake refuses unknown models with 404 and can go down and up on the same port", async () => {
  await using fake = await startFakeOllama({ models: ["only:1b"] });
  const ollama = new Ollama({ host: fake.url });
  const missing = await ollama.embed({ model: "nomic-embed-text", input: "x" })
    .catch((e) => e);
  assert.equal(missing.status_code, 404);
  await fake.down();
  const refused = await ollama.list().catch((e) => e);
  assert.ok(refused instanceof TypeError, String(refused));
  fake.up();
  assert.equal((await ollama.list()).models.length, 1);
});
