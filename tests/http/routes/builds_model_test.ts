/**
 * A build's own chat model (`model` on `POST /v1/builds`), checked against
 * the models a fake Ollama lists on `/api/tags`, through the real model
 * client and catalogue.
 */
import { assert } from "../../deps.ts";
import { type ApiClient, createBuild } from "../../../cli/builds.ts";
import { createModelClient } from "../../../actors/workflow/llm.ts";
import { createModelCatalog } from "../../../actors/workflow/model_catalog.ts";
import { ManualClock } from "../../../runtime/clock.ts";
import { getBuild } from "../../../storage/builds.ts";
import { startFakeOllama } from "../../fakes/ollama.ts";
import { json } from "../_app.ts";
import { openRouteFixture, read } from "./_setup.ts";

const REQUEST = {
  project: "slugs",
  language: "typescript",
  requirements: "A slugify(title) function, with tests.",
};

Deno.test("POST /v1/builds with a model", async (t) => {
  await using ollama = await startFakeOllama({
    models: ["qwen2.5-coder:7b", "llama3.1:8b", "nomic-embed-text"],
  });
  const client = createModelClient({
    host: ollama.url,
    model: "qwen2.5-coder:7b",
    embedModel: "nomic-embed-text",
    dimensions: 768,
    timeoutMs: 2_000,
    retries: 0,
  });
  // The catalogue's time: a miss re-reads a list older than a second.
  const clock = new ManualClock(Date.now());
  await using f = await openRouteFixture({
    deps: {
      models: createModelCatalog({ list: () => client.listModels(), clock }),
    },
  });
  const { app, db, bob } = f;
  const tags = () => ollama.requests.filter((r) => r.endpoint === "tags");

  await t.step(
    "an installed model is stored with the build and returned by get and list",
    async () => {
      const created = await read(
        await app.request(
          "/v1/builds",
          json({ ...REQUEST, model: "llama3.1:8b" }, bob.auth),
        ),
      );
      assert.equal(created.status, 202, JSON.stringify(created.body));
      assert.equal(created.body.model, "llama3.1:8b");
      assert.equal(
        (await getBuild(db, bob.user.id, created.body.id))?.model,
        "llama3.1:8b",
      );
      const got = await read(
        await app.request(`/v1/builds/${created.body.id}`, {
          headers: bob.auth,
        }),
      );
      assert.equal(got.body.model, "llama3.1:8b");
      const listed = await read(
        await app.request("/v1/builds", { headers: bob.auth }),
      );
      const item = listed.body.items.find((b: { id: string }) =>
        b.id === created.body.id
      );
      assert.equal(item?.model, "llama3.1:8b");
    },
  );

  await t.step(
    "without a model the build keeps the configured one (null)",
    async () => {
      const created = await read(
        await app.request("/v1/builds", json(REQUEST, bob.auth)),
      );
      assert.equal(created.status, 202);
      assert.equal(created.body.model, null);
      assert.equal(
        (await getBuild(db, bob.user.id, created.body.id))?.model,
        null,
      );
    },
  );

  await t.step(
    "a name without a tag matches Ollama's implicit :latest",
    async () => {
      ollama.setModels(["qwen2.5-coder:7b", "mistral"]);
      await clock.advance(1_100);
      const created = await read(
        await app.request(
          "/v1/builds",
          json({ ...REQUEST, model: "mistral" }, bob.auth),
        ),
      );
      assert.equal(created.status, 202, JSON.stringify(created.body));
      assert.equal(created.body.model, "mistral");
    },
  );

  await t.step(
    "a model that is not installed is a 400 naming it and the installed ones",
    async () => {
      const before = await db.selectFrom("builds").select("id").execute();
      const { status, body } = await read(
        await app.request(
          "/v1/builds",
          json({ ...REQUEST, model: "deepseek-coder-v2:16b" }, bob.auth),
        ),
      );
      assert.equal(status, 400);
      assert.equal(body.error.code, "model_not_installed");
      assert.match(body.error.message, /"deepseek-coder-v2:16b"/);
      assert.match(body.error.message, /mistral:latest/);
      assert.match(body.error.message, /qwen2\.5-coder:7b/);
      assert.match(body.error.message, /ollama pull deepseek-coder-v2:16b/);
      assert.deepEqual(body.error.details.installed, [
        "mistral:latest",
        "qwen2.5-coder:7b",
      ]);
      const after = await db.selectFrom("builds").select("id").execute();
      assert.equal(after.length, before.length, "no build was created");
    },
  );

  await t.step("the installed list is cached between requests", async () => {
    const seen = tags().length;
    for (let i = 0; i < 3; i++) {
      const res = await app.request(
        "/v1/builds",
        json({ ...REQUEST, model: "qwen2.5-coder:7b" }, bob.auth),
      );
      assert.equal(res.status, 202);
      await res.body?.cancel();
    }
    assert.equal(tags().length, seen, "no /api/tags call for a known model");
  });

  await t.step("a malformed model name is a 400 naming the field", async () => {
    const { status, body } = await read(
      await app.request(
        "/v1/builds",
        json({ ...REQUEST, model: "qwen coder; rm -rf" }, bob.auth),
      ),
    );
    assert.equal(status, 400);
    assert.match(JSON.stringify(body.error), /model/);
  });

  await t.step(
    "the same Idempotency-Key with another model is a 422",
    async () => {
      const key = { ...bob.auth, "Idempotency-Key": "model-key-1" };
      const first = await app.request(
        "/v1/builds",
        json({ ...REQUEST, model: "qwen2.5-coder:7b" }, key),
      );
      assert.equal(first.status, 202);
      await first.body?.cancel();
      const again = await read(
        await app.request(
          "/v1/builds",
          json({ ...REQUEST, model: "qwen2.5-coder:7b" }, key),
        ),
      );
      assert.equal(again.status, 202);
      const other = await read(
        await app.request(
          "/v1/builds",
          json({ ...REQUEST, model: "mistral" }, key),
        ),
      );
      assert.equal(other.status, 422);
      assert.deepEqual(other.body.error.details.fields, ["model"]);
    },
  );

  await t.step(
    "Ollama down: a 503 naming Ollama and how to start it",
    async () => {
      await ollama.down();
      try {
        // A name the cached list lacks, so the catalogue must ask Ollama.
        await clock.advance(1_100);
        const { status, body } = await read(
          await app.request(
            "/v1/builds",
            json({ ...REQUEST, model: "codellama:13b" }, bob.auth),
          ),
        );
        assert.equal(status, 503);
        assert.equal(body.error.code, "model_unavailable");
        assert.match(body.error.message, /Ollama at http:\/\/127\.0\.0\.1/);
        assert.match(body.error.message, /ollama serve/);
        assert.equal(body.error.details.service, "ollama");

        // deno task build's client answers at once: waiting does not start Ollama.
        let calls = 0;
        const api: ApiClient = {
          request(method, path, payload, headers) {
            calls++;
            return Promise.resolve(app.request(path, {
              method,
              headers: {
                ...headers,
                ...bob.auth,
                "content-type": "application/json",
              },
              body: JSON.stringify(payload),
            }));
          },
        };
        const res = await createBuild(api, {
          ...REQUEST,
          model: "codellama:13b",
        }, { sleep: () => Promise.resolve() });
        assert.equal(res.status, 503);
        await res.body?.cancel();
        assert.equal(calls, 1, "a model_unavailable 503 is not retried");
      } finally {
        ollama.up();
      }
    },
  );
});

Deno.test("a node without an Ollama model list answers 503 to a build naming a model", async () => {
  await using f = await openRouteFixture();
  const { status, body } = await read(
    await f.app.request(
      "/v1/builds",
      json({ ...REQUEST, model: "qwen2.5-coder:7b" }, f.bob.auth),
    ),
  );
  assert.equal(status, 503);
  assert.equal(body.error.code, "model_unavailable");
  assert.match(body.error.message, /OLLAMA_HOST/);
});
