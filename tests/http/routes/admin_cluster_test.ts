/**
 * GET /v1/admin/cluster and the console's cluster tab, with the fixture's
 * node and two more nodes in the shared table: one publishing, one silent.
 */
import { assert } from "../../deps.ts";
import { publishClusterNode } from "../../../storage/cluster_nodes.ts";
import { fullDocument } from "../../../http/openapi_write.ts";
import { Contract } from "../_contract.ts";
import { Browser } from "../../web/_client.ts";
import { openWebFixture } from "../../web/_fixture.ts";
import { read } from "./_setup.ts";

const figures = (kind: string, activations: number, builds: number) => ({
  activations,
  buildsInProgress: builds,
  kinds: [{ kind, activations, mailboxDepth: 2, deadLetters: 1 }],
});

Deno.test("the cluster view shows every node in the shared table, silent ones as down", async (t) => {
  await using f = await openWebFixture();
  const now = Date.now();
  await publishClusterNode(f.db, {
    nodeId: "node-peer",
    startedAt: new Date(now - 60_000),
    lastSeen: new Date(now - 1_000),
    figures: figures("build", 4, 2),
  });
  await publishClusterNode(f.db, {
    nodeId: "node-silent",
    startedAt: new Date(now - 600_000),
    lastSeen: new Date(now - 60_000),
    figures: figures("session", 7, 1),
  });

  await t.step(
    "the API lists all three, matching the OpenAPI document",
    async () => {
      const res = await f.app.request("/v1/admin/cluster", {
        headers: f.admin.auth,
      });
      const text = await res.clone().text();
      assert.deepEqual(
        new Contract(fullDocument()).check(
          "GET",
          "/v1/admin/cluster",
          res.status,
          res.headers.get("content-type"),
          text,
        ),
        [],
      );
      const { status, body } = await read(res);
      assert.equal(status, 200);
      const nodes = body.nodes as {
        nodeId: string;
        self: boolean;
        state: string;
      }[];
      assert.deepEqual(
        nodes.map((n) => [n.nodeId, n.state]).sort(),
        [
          [f.actors.nodeId, "up"],
          ["node-peer", "up"],
          ["node-silent", "down"],
        ].sort(),
      );
      assert.equal(nodes.at(-1)!.nodeId, "node-silent", "down nodes come last");
      assert.deepEqual(
        nodes.filter((n) => n.self).map((n) => n.nodeId),
        [f.actors.nodeId],
      );
      assert.equal(body.totals.nodesUp, 2);
      assert.equal(body.totals.nodesDown, 1);
      assert.equal(
        body.totals.buildsInProgress,
        2,
        "the silent node's run is not counted",
      );
      const build = body.totals.kinds.find((k: { kind: string }) =>
        k.kind === "build"
      );
      assert.ok(build.activations >= 4);
      const sessions = body.totals.kinds.find((k: { kind: string }) =>
        k.kind === "session"
      );
      assert.ok(
        (sessions?.activations ?? 0) < 7,
        "the silent node's sessions are left out of the totals",
      );
    },
  );

  await t.step("only admins may read it", async () => {
    const res = await f.app.request("/v1/admin/cluster", {
      headers: f.bob.auth,
    });
    assert.equal((await read(res)).status, 403);
  });

  await t.step(
    "the console's cluster tab shows each node and marks the silent one down",
    async () => {
      const b = new Browser(f.app);
      await b.signIn(f.admin.token);
      const page = await b.go("/admin/cluster");
      assert.equal(page.status, 200);
      assert.match(page.text, /2 node\(s\) up, 1\s+down/);
      assert.match(page.text, /data-node="node-peer" data-state="up"/);
      assert.match(page.text, /data-node="node-silent" data-state="down"/);
      assert.match(
        page.text,
        /<code>node-silent<\/code>[^<]*<span class="badge" data-status="down">down<\/span>/,
      );
      assert.match(page.text, /stopped publishing its figures/);
      assert.match(page.text, /this node/);
      const bob = new Browser(f.app);
      await bob.signIn(f.bob.token);
      assert.equal((await bob.go("/admin/cluster")).status, 403);
    },
  );
});
