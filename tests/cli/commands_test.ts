import { assert } from "../deps.ts";
import { parseConfig } from "../../config.ts";
import { main } from "../../main.ts";
import { startPlatform } from "../../platform.ts";
import { startFakeOllama } from "../fakes/ollama.ts";
import { GOOD_CODE, scriptBuild } from "../actors/_scripts.ts";

async function run(argv: string[], env: Record<string, string>) {
  const lines: string[] = [];
  const code = await main(argv, {
    config: parseConfig(env),
    write: (line) => lines.push(line),
  });
  return { code, out: lines.join("\n") };
}

Deno.test("operator commands manage users, keys, migrations and maintenance", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-cli-" });
  const env = { DATA_DIR: dataDir, LOG_LEVEL: "error" };
  try {
    const created = await run([
      "user:create",
      "ann@example.com",
      "--quota",
      "7",
    ], env);
    assert.equal(created.code, 0, created.out);
    assert.match(created.out, /created user ann@example.com .* daily quota 7/);
    assert.match(created.out, /API key \(shown once\): trp_/);

    const role = await run(["user:role", "ann@example.com", "admin"], env);
    assert.equal(role.code, 0, role.out);
    const badRole = await run(["user:role", "ann@example.com", "owner"], env);
    assert.equal(badRole.code, 2);

    const list = await run(["user:list"], env);
    assert.match(list.out, /ann@example\.com\s+admin\s+7/);

    const key = await run([
      "apikey:create",
      "ann@example.com",
      "--name",
      "ci",
      "--expires-days",
      "3",
    ], env);
    assert.equal(key.code, 0, key.out);
    const prefix = key.out.match(/created key (\S+)/)?.[1];
    assert.ok(prefix);
    const revoked = await run(
      ["apikey:revoke", "ann@example.com", prefix],
      env,
    );
    assert.match(revoked.out, new RegExp(`revoked ${prefix}`));
    const unknown = await run(
      ["apikey:revoke", "nobody@example.com", prefix],
      env,
    );
    assert.equal(unknown.code, 1);

    const status = await run(["migrate", "status"], env);
    assert.match(status.out, /applied\s+0001_initial/);

    const prune = await run(["prune"], env);
    assert.equal(prune.code, 0, prune.out);
    assert.match(prune.out, /removed 0 expired memories/);

    const dlq = await run(["dlq", "list"], env);
    assert.equal(dlq.code, 0, dlq.out);
    assert.equal((await run(["dlq", "retry", "x"], env)).code, 2);

    assert.equal((await run(["no-such-command"], env)).code, 2);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("deno task build submits a build and follows it to the end; builds lists it", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-cli-build-" });
  await using ollama = await startFakeOllama();
  const printed: string[] = [];
  const config = parseConfig({
    PORT: "0",
    DATA_DIR: dataDir,
    OLLAMA_HOST: ollama.url,
    LOG_LEVEL: "error",
  });
  const platform = await startPlatform(config, {
    announce: (line) => printed.push(line),
  });
  try {
    const token = printed.join("\n").match(/trp_[A-Za-z0-9_-]+/)?.[0];
    assert.ok(token);
    scriptBuild(ollama, [GOOD_CODE]);
    const env = {
      TROUPE_URL: platform.url,
      TROUPE_API_KEY: token,
      LOG_LEVEL: "error",
    };
    const built = await run([
      "build",
      "calc",
      "--requirements",
      "add two numbers, with tests",
    ], env);
    assert.equal(built.code, 0, built.out);
    assert.match(built.out, /build \S+ succeeded/);
    assert.match(
      built.out,
      /scores: security \d+, quality \d+, maintainability \d+/,
    );

    const listed = await run(["builds"], env);
    assert.match(listed.out, /calc\s+typescript\s+succeeded/);

    const noKey = await run(["builds"], { TROUPE_URL: platform.url });
    assert.equal(noKey.code, 2);
    assert.equal((await run(["build", "calc"], env)).code, 2);
  } finally {
    await platform.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("apikey:create keeps to MAX_API_KEYS_PER_USER and user:create to DEFAULT_DAILY_QUOTA", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-cli-keys-" });
  const env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: "error",
    MAX_API_KEYS_PER_USER: "2",
    DEFAULT_DAILY_QUOTA: "4",
  };
  try {
    const errors: string[] = [];
    const cli = (argv: string[]) =>
      main(argv, {
        config: parseConfig(env),
        write: () => {},
        writeError: (line) => errors.push(line),
      });
    assert.equal(await cli(["user:create", "kim@example.com"]), 0);
    const lines: string[] = [];
    await main(["user:list"], {
      config: parseConfig(env),
      write: (line) => lines.push(line),
    });
    assert.match(lines.join("\n"), /kim@example\.com\s+user\s+4/);
    assert.equal(await cli(["apikey:create", "kim@example.com"]), 0);
    assert.equal(await cli(["apikey:create", "kim@example.com"]), 1);
    assert.match(errors.join("\n"), /already has 2 active API keys/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
