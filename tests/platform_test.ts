import { assert } from "./deps.ts";
import { parseConfig } from "../config.ts";
import { startPlatform } from "../platform.ts";
import { startFakeOllama } from "./fakes/ollama.ts";

Deno.test("a node starts on its embedded defaults, creates the first admin, serves the API and stops cleanly", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-platform-" });
  await using ollama = await startFakeOllama();
  const lines: string[] = [];
  const config = parseConfig({
    PORT: "0",
    DATA_DIR: dataDir,
    OLLAMA_HOST: ollama.url,
    LOG_LEVEL: "error",
  });
  try {
    const platform = await startPlatform(config, {
      announce: (line) => lines.push(line),
    });
    try {
      const token = lines.join("\n").match(/trp_[A-Za-z0-9_-]+/)?.[0];
      assert.ok(
        token,
        `the first admin's key was printed: ${lines.join("\n")}`,
      );

      const live = await fetch(`${platform.url}/livez`);
      assert.equal(live.status, 200);
      await live.body?.cancel();

      const ready = await fetch(`${platform.url}/readyz`);
      const report = await ready.json();
      assert.equal(ready.status, 200, JSON.stringify(report));
      for (const name of ["postgres", "kv", "chroma", "ollama"]) {
        assert.equal(
          report.checks[name]?.status,
          "ok",
          `${name}: ${JSON.stringify(report.checks[name])}`,
        );
      }

      const me = await fetch(`${platform.url}/v1/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = await me.json();
      assert.equal(me.status, 200);
      assert.equal(body.role ?? body.user?.role, "admin");

      // Key checks are cached, and a revocation still holds on the next request.
      const admin = { authorization: `Bearer ${token}` };
      const created = await (await fetch(`${platform.url}/v1/api-keys`, {
        method: "POST",
        headers: { ...admin, "content-type": "application/json" },
        body: JSON.stringify({ name: "short-lived" }),
      })).json();
      const other = { authorization: `Bearer ${created.token}` };
      const used = await fetch(`${platform.url}/v1/me`, { headers: other });
      assert.equal(used.status, 200);
      await used.body?.cancel();
      const revoked = await fetch(
        `${platform.url}/v1/api-keys/${created.key.id}`,
        { method: "DELETE", headers: admin },
      );
      assert.equal(revoked.status, 200);
      await revoked.body?.cancel();
      const refused = await fetch(`${platform.url}/v1/me`, { headers: other });
      assert.equal(refused.status, 401);
      assert.equal((await refused.json()).error.code, "revoked_api_key");

      const metrics = await fetch(`${platform.url}/metrics`);
      const scrape = await metrics.text();
      assert.match(scrape, /^troupe_api_key_cache_active(\{[^}]*\})? 1$/m);
      assert.match(
        scrape,
        /troupe_http_requests_total\{[^}]*route="\/v1\/me"[^}]*\} 2/,
      );
      assert.match(
        scrape,
        /troupe_db_queries_total\{operation="select"\} [1-9]/,
      );
      assert.match(
        scrape,
        /troupe_llm_request_duration_seconds_count\{[^}]*\} [1-9]/,
      );

      // The cluster view, through the metrics actor and the shared table.
      const cluster = await (await fetch(`${platform.url}/v1/admin/cluster`, {
        headers: admin,
      })).json();
      assert.deepEqual(
        cluster.nodes.map((n: { nodeId: string; state: string }) => [
          n.nodeId,
          n.state,
        ]),
        [[platform.nodeId, "up"]],
      );
      assert.match(
        await (await fetch(`${platform.url}/metrics`)).text(),
        /^troupe_cluster_nodes\{state="up"\} 1$/m,
      );
    } finally {
      await platform.close();
    }

    // A second start on the same data keeps the admin and prints no new key.
    lines.length = 0;
    const again = await startPlatform(config, {
      announce: (line) => lines.push(line),
    });
    await again.close();
    assert.equal(lines.some((l) => l.includes("trp_")), false);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
