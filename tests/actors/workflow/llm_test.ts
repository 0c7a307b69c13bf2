import { assert } from "../../deps.ts";
import {
  createModelClient,
  type LlmObservation,
  type ModelClientOptions,
  ModelResponseError,
  ModelTimeoutError,
  ModelUnavailableError,
} from "../../../actors/workflow/llm.ts";
import { fakeEmbedding, startFakeOllama } from "../../fakes/ollama.ts";

const MODEL = "qwen2.5-coder:7b";
const EMBED = "nomic-embed-text";

function clientFor(url: string, extra: Partial<ModelClientOptions> = {}) {
  return createModelClient({
    host: url,
    model: MODEL,
    embedModel: EMBED,
    dimensions: 768,
    timeoutMs: 5_000,
    retries: 2,
    backoffMs: 1,
    ...extra,
  });
}

const user = [{ role: "user" as const, content: "write add()" }];

Deno.test("generate streams tokens to onToken in order and returns the whole text", async () => {
  await using ollama = await startFakeOllama();
  ollama.script({ chunks: ["export ", "const ", "x ", "= ", "1;"] });
  const observed: LlmObservation[] = [];
  const model = clientFor(ollama.url, { observe: (o) => observed.push(o) });
  const tokens: string[] = [];
  const text = await model.generate(user, { onToken: (t) => tokens.push(t) });
  assert.deepEqual(tokens, ["export ", "const ", "x ", "= ", "1;"]);
  assert.equal(text, "export const x = 1;");
  const chat = ollama.requests.find((r) => r.endpoint === "chat");
  assert.equal(chat?.body.stream, true);
  assert.equal(chat?.body.model, MODEL);
  assert.deepEqual(chat?.body.messages, user);
  assert.equal(observed.length, 1);
  assert.equal(observed[0]?.outcome, "ok");
  assert.equal(observed[0]?.completionTokens, 5);
});

Deno.test("generate aborts a slow model at the timeout with ModelTimeoutError", async () => {
  await using ollama = await startFakeOllama();
  ollama.script({ content: "too late", delayMs: 2_000 });
  const model = clientFor(ollama.url, { timeoutMs: 100 });
  const error = await model.generate(user).catch((e) => e);
  assert.ok(error instanceof ModelTimeoutError, String(error));
  assert.match(error.message, /100 ms/);
  assert.match(error.message, /OLLAMA_TIMEOUT_MS/);
  // A timeout is not retried: the slow model was asked once.
  assert.equal(ollama.requests.filter((r) => r.endpoint === "chat").length, 1);
});

Deno.test("generate times out a stream that stalls between tokens", async () => {
  await using ollama = await startFakeOllama();
  ollama.script({ chunks: ["a", "b", "c"], chunkDelayMs: 2_000 });
  const tokens: string[] = [];
  const model = clientFor(ollama.url, { timeoutMs: 150 });
  const error = await model.generate(user, { onToken: (t) => tokens.push(t) })
    .catch((e) => e);
  assert.ok(error instanceof ModelTimeoutError, String(error));
  assert.deepEqual(tokens, ["a"]);
});

Deno.test("generate retries 5xx answers with backoff, then succeeds", async () => {
  await using ollama = await startFakeOllama();
  ollama.script(
    { status: 500, error: "llama runner crashed" },
    { status: 503, error: "busy" },
    { content: "fine" },
  );
  const model = clientFor(ollama.url, { retries: 2 });
  assert.equal(await model.generate(user), "fine");
  assert.equal(ollama.requests.filter((r) => r.endpoint === "chat").length, 3);
});

Deno.test("generate gives up after the retry budget with ModelUnavailableError", async () => {
  await using ollama = await startFakeOllama();
  ollama.respond(() => ({ status: 500, error: "out of memory" }));
  const model = clientFor(ollama.url, { retries: 1 });
  const error = await model.generate(user).catch((e) => e);
  assert.ok(error instanceof ModelUnavailableError, String(error));
  assert.match(error.message, /out of memory/);
  assert.equal(ollama.requests.filter((r) => r.endpoint === "chat").length, 2);
});

Deno.test("an unreachable Ollama fails with ModelUnavailableError naming OLLAMA_HOST and how to start it", async () => {
  const ollama = await startFakeOllama();
  const url = ollama.url;
  await ollama.close();
  const model = clientFor(url, { retries: 1 });
  const error = await model.generate(user).catch((e) => e);
  assert.ok(error instanceof ModelUnavailableError, String(error));
  assert.equal(error.reason, "unreachable");
  assert.ok(error.message.includes(url), error.message);
  assert.match(error.message, /OLLAMA_HOST/);
  assert.match(error.message, /ollama serve/);
  assert.match(error.message, /ollama pull qwen2\.5-coder:7b/);
});

Deno.test("a model that was never pulled fails with the pull instruction, without retries", async () => {
  await using ollama = await startFakeOllama({ models: [EMBED] });
  const model = clientFor(ollama.url);
  const error = await model.generate(user).catch((e) => e);
  assert.ok(error instanceof ModelUnavailableError, String(error));
  assert.equal(error.reason, "missing_model");
  assert.match(error.message, /ollama pull qwen2\.5-coder:7b/);
  assert.equal(ollama.requests.filter((r) => r.endpoint === "chat").length, 1);
});

Deno.test("malformed NDJSON fails with ModelResponseError that says so", async () => {
  await using ollama = await startFakeOllama();
  ollama.script({ content: "one two three", malformed: true });
  const model = clientFor(ollama.url);
  const error = await model.generate(user).catch((e) => e);
  assert.ok(error instanceof ModelResponseError, String(error));
  assert.match(error.message, /malformed NDJSON/);
});

Deno.test("a stream without its final done message fails with ModelResponseError", async () => {
  await using ollama = await startFakeOllama();
  ollama.script({ content: "half an answer", omitDone: true });
  const model = clientFor(ollama.url);
  const error = await model.generate(user).catch((e) => e);
  assert.ok(error instanceof ModelResponseError, String(error));
  assert.match(error.message, /done/);
});

Deno.test("a connection dropped before any token is retried; after tokens it is not", async () => {
  await using ollama = await startFakeOllama();
  ollama.script({ content: "x", dropAfterChunks: 0 }, {
    content: "second try",
  });
  const model = clientFor(ollama.url);
  assert.equal(await model.generate(user), "second try");

  ollama.script({ content: "a b c d", dropAfterChunks: 2 }, {
    content: "never",
  });
  const tokens: string[] = [];
  const error = await model.generate(user, { onToken: (t) => tokens.push(t) })
    .catch((e) => e);
  assert.ok(error instanceof ModelUnavailableError, String(error));
  assert.deepEqual(tokens, ["a ", "b "]);
  assert.equal(ollama.requests.filter((r) => r.endpoint === "chat").length, 3);
});

Deno.test("the caller's signal cancels a generation", async () => {
  await using ollama = await startFakeOllama();
  ollama.script({ chunks: ["a", "b"], chunkDelayMs: 2_000 });
  const model = clientFor(ollama.url);
  const controller = new AbortController();
  const reason = new Error("build cancelled");
  const pending = model.generate(user, {
    signal: controller.signal,
    onToken: () => controller.abort(reason),
  });
  assert.equal(await pending.catch((e) => e), reason);
});

Deno.test("embed returns one vector per text, batched, matching the fake's embedding", async () => {
  await using ollama = await startFakeOllama();
  const model = clientFor(ollama.url, { embedBatchSize: 2 });
  const texts = ["alpha", "beta", "gamma"];
  const vectors = await model.embed(texts);
  assert.equal(vectors.length, 3);
  assert.deepEqual(vectors[2], fakeEmbedding("gamma", 768));
  const calls = ollama.requests.filter((r) => r.endpoint === "embed");
  assert.deepEqual(calls.map((c) => c.body.input), [["alpha", "beta"], [
    "gamma",
  ]]);
  assert.deepEqual(await model.embed([]), []);
});

Deno.test("embed refuses vectors of the wrong width", async () => {
  await using ollama = await startFakeOllama({ dimensions: 384 });
  const model = clientFor(ollama.url);
  const error = await model.embed(["x"]).catch((e) => e);
  assert.ok(error instanceof ModelResponseError, String(error));
  assert.match(error.message, /384 dimensions, expected 768/);
  assert.match(error.message, /EMBED_DIMENSIONS/);
});

Deno.test("health lists the models and names the missing ones", async () => {
  await using ollama = await startFakeOllama({ models: [MODEL] });
  const model = clientFor(ollama.url);
  const health = await model.health();
  assert.equal(health.ok, false);
  assert.deepEqual(health.missing, [EMBED]);
  assert.match(health.error ?? "", /ollama pull nomic-embed-text/);
  ollama.setModels([MODEL, `${EMBED}:latest`]);
  assert.equal((await model.health()).ok, true);
  await ollama.down();
  const down = await model.health();
  assert.equal(down.ok, false);
  assert.match(down.error ?? "", /ollama serve/);
});

Deno.test("generate sends format, the call's model, options and keep_alive to Ollama", async () => {
  await using ollama = await startFakeOllama({
    models: ["qwen2.5-coder:7b", "llama3:8b", "nomic-embed-text"],
  });
  const model = createModelClient({
    host: ollama.url,
    model: "qwen2.5-coder:7b",
    embedModel: "nomic-embed-text",
    dimensions: 768,
    modelOptions: { num_ctx: 8192, temperature: 0.2 },
    keepAlive: "10m",
  });
  const schema = { type: "object", properties: { a: { type: "number" } } };
  await model.generate([{ role: "user", content: "hi" }], {
    format: schema,
    model: "llama3:8b",
  });
  const body = ollama.requests.find((r) => r.endpoint === "chat")?.body;
  assert.deepEqual(body.format, schema);
  assert.equal(body.model, "llama3:8b");
  assert.deepEqual(body.options, { num_ctx: 8192, temperature: 0.2 });
  assert.equal(body.keep_alive, "10m");
});
