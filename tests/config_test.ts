import { assert } from "./deps.ts";
import {
  actorTransport,
  ConfigError,
  configSchema,
  leaseTtlMs,
  parseConfig,
} from "../config.ts";

Deno.test("config fills every default from an empty environment", () => {
  const config = parseConfig({});
  assert.equal(config.PORT, 8080);
  assert.equal(config.DATA_DIR, "./data");
  assert.equal(config.DATABASE_URL, undefined);
  assert.deepEqual(config.TELEGRAM_ADMIN_IDS, []);
});

Deno.test("config coerces numbers and lists", () => {
  const config = parseConfig({
    PORT: " 9001 ",
    TELEGRAM_ADMIN_IDS: "1, 22,333",
  });
  assert.equal(config.PORT, 9001);
  assert.deepEqual(config.TELEGRAM_ADMIN_IDS, [1, 22, 333]);
});

Deno.test("config treats empty strings as unset", () => {
  assert.equal(parseConfig({ DATABASE_URL: "" }).DATABASE_URL, undefined);
});

Deno.test("a bad value names the variable, the expected form and the value", () => {
  let problems: ConfigError["problems"] = [];
  try {
    parseConfig({ PORT: "eighty", TELEGRAM_ADMIN_IDS: "12,abc" });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    problems = error.problems;
  }
  assert.deepEqual(problems.map((p) => p.variable).sort(), [
    "PORT",
    "TELEGRAM_ADMIN_IDS",
  ]);
  const port = problems.find((p) => p.variable === "PORT")!;
  assert.match(port.message, /HTTP port/);
  assert.match(port.message, /"eighty"/);
});

Deno.test("secrets never appear in configuration errors", () => {
  try {
    parseConfig({
      TELEGRAM_BOT_TOKEN: "not-a-token-secretvalue",
      DATABASE_URL: "nope",
    });
    assert.fail("expected a ConfigError");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.doesNotMatch(error.message, /secretvalue/);
    assert.match(error.message, /TELEGRAM_BOT_TOKEN/);
    assert.match(error.message, /DATABASE_URL/);
  }
});

Deno.test("the README documents every configuration variable", async () => {
  const readme = await Deno.readTextFile(
    new URL("../README.md", import.meta.url),
  );
  const missing = Object.keys(configSchema.shape).filter((name) =>
    !readme.includes(`\`${name}\``)
  );
  assert.deepEqual(missing, []);
});

Deno.test("the actor transport defaults to kv on PGlite and postgres with DATABASE_URL", () => {
  assert.equal(actorTransport(parseConfig({})), "kv");
  assert.equal(
    actorTransport(parseConfig({ DATABASE_URL: "postgres://db:5432/troupe" })),
    "postgres",
  );
  assert.equal(
    actorTransport(parseConfig({
      DATABASE_URL: "postgres://db:5432/troupe",
      ACTOR_TRANSPORT: "kv",
    })),
    "kv",
  );
  assert.throws(
    () => parseConfig({ ACTOR_TRANSPORT: "nats" }),
    ConfigError,
  );
});

Deno.test("the kv transport on a KV Connect URL is refused, naming ACTOR_TRANSPORT=postgres", () => {
  assert.throws(
    () => parseConfig({ DENO_KV_URL: "http://denokv:4512" }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /ACTOR_TRANSPORT=postgres/);
      assert.match(error.message, /KV Connect/);
      return true;
    },
  );
  const cluster = parseConfig({
    DENO_KV_URL: "https://denokv:4512",
    DATABASE_URL: "postgres://db:5432/troupe",
  });
  assert.equal(actorTransport(cluster), "postgres");
  assert.equal(
    actorTransport(parseConfig({ DENO_KV_URL: "/var/lib/troupe/kv.sqlite3" })),
    "kv",
  );
});

Deno.test("the lease TTL defaults to 3 s on the postgres transport and 30 s on kv", () => {
  assert.equal(leaseTtlMs(parseConfig({ ACTOR_TRANSPORT: "postgres" })), 3_000);
  assert.equal(leaseTtlMs(parseConfig({})), 30_000);
  assert.equal(
    leaseTtlMs(
      parseConfig({ ACTOR_TRANSPORT: "postgres", ACTOR_LEASE_TTL_MS: "9000" }),
    ),
    9_000,
  );
});
