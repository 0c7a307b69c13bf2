/**
 * The KV files of a node are deleted between two runs (PostgreSQL lives on):
 * the next builds an existing user creates are all accepted at once (the
 * session actor's seqs continue from what PostgreSQL committed, instead of
 * starting again at 1 and being skipped), and /readyz shows the write probes
 * and the disk check of the new node.
 */
import { assert } from "./deps.ts";
import { parseConfig } from "../config.ts";
import { startPlatform } from "../platform.ts";
import { startFakeOllama } from "./fakes/ollama.ts";

async function create(url: string, token: string, n: number) {
  const res = await fetch(`${url}/v1/builds`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      project: `lost-kv-${n}`,
      language: "typescript",
      requirements: "A typed LIFO stack with push, pop, peek and size.",
    }),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("KV files deleted between two runs: the next 10 creates answer 202", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-lost-kv-" });
  await using ollama = await startFakeOllama();
  const lines: string[] = [];
  const config = parseConfig({
    PORT: "0",
    DATA_DIR: dataDir,
    OLLAMA_HOST: ollama.url,
    LOG_LEVEL: "error",
  });
  try {
    const first = await startPlatform(config, {
      announce: (line) => lines.push(line),
    });
    const token = lines.join("\n").match(/trp_[A-Za-z0-9_-]+/)?.[0];
    try {
      assert.ok(token, lines.join("\n"));
      for (let i = 0; i < 3; i++) {
        const r = await create(first.url, token, i);
        assert.equal(r.status, 202, JSON.stringify(r.body));
      }
    } finally {
      await first.close();
    }

    for (const suffix of ["", "-wal", "-shm"]) {
      await Deno.remove(`${dataDir}/kv.sqlite3${suffix}`).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    }

    const second = await startPlatform(config, { announce: () => {} });
    try {
      const answers = [];
      for (let i = 3; i < 13; i++) {
        answers.push(await create(second.url, token!, i));
      }
      assert.deepEqual(
        answers.map((a) => a.status),
        Array(10).fill(202),
        JSON.stringify(answers.filter((a) => a.status !== 202)),
      );

      const ready = await fetch(`${second.url}/readyz`);
      const report = await ready.json();
      for (const name of ["kv-write", "postgres-write", "disk"]) {
        assert.equal(
          report.checks[name]?.status,
          "ok",
          `${name}: ${JSON.stringify(report.checks[name])}`,
        );
      }
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
