import { assert } from "./deps.ts";
import { ConfigError, parseConfig } from "../config.ts";

Deno.test("model options have defaults and are checked", () => {
  const config = parseConfig({});
  assert.equal(config.OLLAMA_NUM_CTX, 8192);
  assert.equal(config.OLLAMA_TEMPERATURE, 0.2);
  assert.equal(config.OLLAMA_KEEP_ALIVE, "5m");
  const set = parseConfig({
    OLLAMA_NUM_CTX: "32768",
    OLLAMA_TEMPERATURE: "0",
    OLLAMA_KEEP_ALIVE: "-1",
  });
  assert.equal(set.OLLAMA_NUM_CTX, 32768);
  assert.equal(set.OLLAMA_TEMPERATURE, 0);
  assert.equal(set.OLLAMA_KEEP_ALIVE, "-1");
  assert.throws(
    () =>
      parseConfig({
        OLLAMA_NUM_CTX: "lots",
        OLLAMA_TEMPERATURE: "3",
        OLLAMA_KEEP_ALIVE: "forever",
      }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.map((p) => p.variable).sort().join() ===
        "OLLAMA_KEEP_ALIVE,OLLAMA_NUM_CTX,OLLAMA_TEMPERATURE",
  );
});
