/**
 * The embedded database has one owner: a node running on a DATA_DIR holds
 * its lock; a second `start` fails naming the holder; the data commands run
 * inside the node; a SIGKILLed node's lock does not block the next start.
 */
import { assert } from "../deps.ts";
import { parseConfig } from "../../config.ts";
import { main } from "../../main.ts";
import { startPlatform } from "../../platform.ts";
import {
  adminTokenPathOf,
  readLockHolder,
} from "../../storage/data_dir_lock.ts";
import { startNode } from "../reliability/_support.ts";

const DOWN = "http://127.0.0.1:1";

async function run(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    config: parseConfig(env),
    write: (line) => out.push(line),
    writeError: (line) => err.push(line),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function me(url: string, token: string) {
  const res = await fetch(`${url}/v1/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: await res.json() };
}

const keyOf = (text: string) => text.match(/trp_[A-Za-z0-9_-]+/)?.[0];

Deno.test("with a node running on DATA_DIR, user:create goes through the node: the node sees the user, ids stay unique, its key logs in", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-lock-" });
  const env = {
    PORT: "0",
    DATA_DIR: dataDir,
    OLLAMA_HOST: DOWN,
    CHROMA_URL: DOWN,
    LOG_LEVEL: "error",
  };
  const printed: string[] = [];
  const platform = await startPlatform(parseConfig(env), {
    announce: (line) => printed.push(line),
  });
  try {
    const adminKey = keyOf(printed.join("\n"));
    assert.ok(adminKey);
    const holder = await readLockHolder(`${dataDir}/pg`);
    assert.equal(holder?.pid, Deno.pid);
    const credential = await Deno.stat(adminTokenPathOf(`${dataDir}/pg`));
    assert.equal((credential.mode ?? 0) & 0o777, 0o600);

    const created = await run(["user:create", "frank@example.com"], env);
    assert.equal(created.code, 0, created.err);
    assert.match(
      created.out,
      /created user frank@example\.com \(([0-9a-f-]{36})\)/,
    );
    const frankId = created.out.match(/\(([0-9a-f-]{36})\)/)?.[1];
    const frankKey = keyOf(created.out);
    assert.ok(frankKey);
    const frank = await me(platform.url, frankKey);
    assert.equal(frank.status, 200, JSON.stringify(frank.body));
    assert.equal(frank.body.id, frankId);
    assert.equal(frank.body.email, "frank@example.com");

    // A user made through the API afterwards gets an id of its own.
    const res = await fetch(`${platform.url}/v1/admin/users`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${adminKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        email: "gina@example.com",
        name: "Gina",
        apiKey: { name: "g" },
      }),
    });
    const gina = await res.json();
    assert.equal(res.status, 201, JSON.stringify(gina));
    assert.notEqual(gina.user.id, frankId);
    assert.equal((await me(platform.url, frankKey)).body.id, frankId);
    assert.equal(
      (await me(platform.url, gina.apiKey.token)).body.email,
      "gina@example.com",
    );

    // Other data commands go the same way, and errors come back as such.
    const list = await run(["user:list"], env);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /frank@example\.com/);
    assert.match(list.out, /gina@example\.com/);
    const role = await run(["user:role", "nobody@example.com", "admin"], env);
    assert.equal(role.code, 1);
    assert.match(role.err, /nobody@example\.com not found/);
    const usage = await run(["user:role", "frank@example.com", "owner"], env);
    assert.equal(usage.code, 2);

    // A second start on the same DATA_DIR fails at once, naming the holder.
    const second = await run(["start"], env);
    assert.equal(second.code, 1);
    assert.match(second.err, new RegExp(`in use by process ${Deno.pid}`));

    // The operator endpoint refuses anyone without the token.
    const refused = await fetch(`${platform.url}/operator/run`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${adminKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ command: "user:list", args: [] }),
    });
    assert.equal(refused.status, 401);
    await refused.body?.cancel();
  } finally {
    await platform.close();
  }
  try {
    // Stopped: the lock is released and the commands open the files themselves.
    const list = await run(["user:list"], env);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /frank@example\.com/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a node in another process holds the lock; after it is SIGKILLed the next start takes over its data", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-lock-kill-" });
  const env = {
    PORT: "0",
    DATA_DIR: dataDir,
    OLLAMA_HOST: DOWN,
    CHROMA_URL: DOWN,
    LOG_LEVEL: "error",
  };
  const node = await startNode({
    DATA_DIR: dataDir,
    OLLAMA_HOST: DOWN,
    CHROMA_URL: DOWN,
  });
  try {
    const second = await run(["start"], env);
    assert.equal(second.code, 1);
    assert.match(second.err, new RegExp(`in use by process ${node.pid}\\b`));

    const created = await run(["user:create", "hal@example.com"], env);
    assert.equal(created.code, 0, created.err);
    const halKey = keyOf(created.out);
    assert.ok(halKey);
    assert.equal((await me(node.url, halKey)).body.email, "hal@example.com");
  } finally {
    node.kill("SIGKILL");
    await node.exited;
  }
  try {
    // The lock file still names the dead node, but the OS released its lock.
    assert.equal((await readLockHolder(`${dataDir}/pg`))?.pid, node.pid);
    const platform = await startPlatform(parseConfig(env), {
      announce: () => {},
    });
    try {
      assert.equal((await readLockHolder(`${dataDir}/pg`))?.pid, Deno.pid);
      const list = await run(["user:list"], env);
      assert.equal(list.code, 0, list.err);
      assert.match(list.out, /hal@example\.com/);
    } finally {
      await platform.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
