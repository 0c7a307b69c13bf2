import { assert } from "../../deps.ts";
import { createModelClient } from "../../../actors/workflow/llm.ts";
import {
  createModelCatalog,
  fullModelName,
} from "../../../actors/workflow/model_catalog.ts";
import { ModelUnavailableError } from "../../../actors/workflow/llm.ts";
import { ManualClock } from "../../../runtime/clock.ts";
import { startFakeOllama } from "../../fakes/ollama.ts";

Deno.test("fullModelName adds Ollama's implicit :latest tag", () => {
  assert.equal(fullModelName("llama3"), "llama3:latest");
  assert.equal(fullModelName("llama3:8b"), "llama3:8b");
  assert.equal(fullModelName("hf.co/org/repo"), "hf.co/org/repo:latest");
  assert.equal(fullModelName("hf.co/org/repo:Q4_K_M"), "hf.co/org/repo:Q4_K_M");
});

Deno.test("the model catalogue reads /api/tags once per TTL and never caches a failure", async () => {
  await using ollama = await startFakeOllama({
    models: ["qwen2.5-coder:7b", "nomic-embed-text"],
  });
  const client = createModelClient({
    host: ollama.url,
    model: "qwen2.5-coder:7b",
    embedModel: "nomic-embed-text",
    dimensions: 768,
    retries: 0,
    timeoutMs: 2_000,
  });
  const clock = new ManualClock(0);
  const catalog = createModelCatalog({
    list: () => client.listModels(),
    clock,
    ttlMs: 10_000,
  });
  const tags = () => ollama.requests.filter((r) => r.endpoint === "tags");

  const answers = await Promise.all([
    catalog.check("qwen2.5-coder:7b"),
    catalog.check("qwen2.5-coder:7b"),
    catalog.check("nomic-embed-text"),
  ]);
  assert.ok(answers.every((a) => a.ok));
  assert.equal(tags().length, 1, "concurrent checks share one read");

  await clock.advance(5_000);
  assert.deepEqual(await catalog.check("qwen2.5-coder:7b"), {
    ok: true,
    model: "qwen2.5-coder:7b",
  });
  assert.equal(tags().length, 1, "within the TTL nothing is re-read");

  await clock.advance(6_000);
  await catalog.check("qwen2.5-coder:7b");
  assert.equal(tags().length, 2, "after the TTL the list is read again");

  const missing = await catalog.check("phi4");
  assert.deepEqual(missing, {
    ok: false,
    installed: ["nomic-embed-text:latest", "qwen2.5-coder:7b"],
  });
  assert.equal(tags().length, 2, "a miss on a fresh list is not re-read");

  await ollama.down();
  await clock.advance(11_000);
  try {
    await catalog.check("qwen2.5-coder:7b");
    assert.fail("expected Ollama to be unreachable");
  } catch (error) {
    assert.ok(error instanceof ModelUnavailableError, String(error));
    assert.match(error.message, /ollama serve/);
  }
  ollama.up();
  assert.equal((await catalog.check("qwen2.5-coder:7b")).ok, true);
});
