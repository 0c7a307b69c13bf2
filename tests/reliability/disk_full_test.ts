/**
 * A full disk: a node whose DATA_DIR is on a small tmpfs is filled up to the
 * last byte. It must not crash; writes answer 503 `storage_unavailable`
 * naming the disk, `/readyz` answers 503 naming the disk and its free space,
 * and once the space is freed the node resumes by itself: builds are
 * accepted again and finish, and so do the ones submitted before.
 *
 * Needs to mount a tmpfs (root, or CAP_SYS_ADMIN); skipped with a message
 * where that cannot be done.
 *
 * @module
 */
import { statfs } from "node:fs/promises";
import { assert } from "../deps.ts";
import {
  Api,
  type NodeProcess,
  reapProcesses,
  sleep,
  startModelProcess,
  startNode,
  waitAllTerminal,
} from "./_support.ts";

const SIZE_MB = 256;
const MIN_FREE_MB = 48;

/** Mounts a tmpfs of `SIZE_MB` on a new temp dir, or says why it cannot. */
async function mountSmallDisk(): Promise<
  { dir: string; unmount(): Promise<void> } | string
> {
  const dir = await Deno.makeTempDir({ prefix: "troupe-rel-disk-" });
  try {
    const out = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${SIZE_MB}m`, "tmpfs", dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      await Deno.remove(dir);
      return new TextDecoder().decode(out.stderr).trim() ||
        `mount exited ${out.code}`;
    }
  } catch (error) {
    await Deno.remove(dir);
    return String(error);
  }
  return {
    dir,
    async unmount() {
      await new Deno.Command("umount", { args: [dir] }).output();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Free bytes of the filesystem of `path`. */
async function freeBytes(path: string): Promise<number> {
  const stats = await statfs(path);
  return Number(stats.bavail) * Number(stats.bsize);
}

/**
 * Appends to `path` until the disk has at most `leaveBytes` free (0: until
 * it says ENOSPC); returns the bytes written.
 */
async function fill(path: string, leaveBytes: number): Promise<number> {
  const file = await Deno.open(path, {
    write: true,
    create: true,
    append: true,
  });
  let written = 0;
  try {
    for (;;) {
      const free = await freeBytes(path);
      if (leaveBytes > 0 && free <= leaveBytes) break;
      const size = leaveBytes > 0
        ? Math.min(1024 * 1024, free - leaveBytes + 4096)
        : free > 1024 * 1024
        ? 1024 * 1024
        : 4096;
      written += await file.write(new Uint8Array(size));
    }
  } catch (error) {
    if (!/No space|os error 28/i.test(String(error))) throw error;
  } finally {
    file.close();
  }
  return written;
}

const disk = await mountSmallDisk();
if (typeof disk === "string") {
  console.log(
    `disk_full_test skipped: cannot mount a ${SIZE_MB} MB tmpfs (${disk}); run as root or with CAP_SYS_ADMIN`,
  );
} else {
  // Only mounted for the test below.
  await disk.unmount();
}

Deno.test({
  name:
    "a node on a full disk stays up, answers 503 naming the disk, and resumes when space is freed",
  ignore: typeof disk === "string",
  sanitizeResources: true,
  sanitizeOps: true,
}, async () => {
  const small = await mountSmallDisk();
  if (typeof small === "string") throw new Error(small);
  const model = await startModelProcess();
  let node: NodeProcess | undefined;
  const filler = `${small.dir}/filler`;
  try {
    node = await startNode({
      DATA_DIR: `${small.dir}/data`,
      OLLAMA_HOST: model.url,
      DATA_DIR_MIN_FREE_MB: String(MIN_FREE_MB),
      LOG_LEVEL: "info",
    });
    const key = node.adminKey;
    assert.ok(key, `no admin key printed:\n${node.output()}`);
    const api = new Api(node.url, key);
    await api.liftQuota();
    assert.equal(await api.readyz(), 200, node.output());
    const before = [await api.submitBuild(1), await api.submitBuild(2)];

    // A disk fills up over time: first to below the floor, where the guard
    // (it looks every second) pauses the KV queue and refuses writes ...
    const filled = await fill(filler, (MIN_FREE_MB / 2) * 2 ** 20);
    console.log(`disk_full: filled ${Math.round(filled / 2 ** 20)} MB`);
    // The guard looks every second; until it has, a write that reaches a
    // store is refused by the store itself (503 naming Deno KV or PostgreSQL).
    const seen: string[] = [];
    const accepted: string[] = []; // before the guard's next look
    let error = { code: "", message: "" };
    for (let i = 0; i < 40; i++) {
      const r = await api.request<{ error?: typeof error }>(
        "POST",
        "/v1/builds",
        {
          project: "while-full",
          language: "typescript",
          requirements: "A typed LIFO stack with push, pop, peek and size.",
        },
      );
      seen.push(`${r.status} ${r.body.error?.message ?? ""}`);
      if (r.status === 202) accepted.push((r.body as { id: string }).id);
      if (r.status !== 202) {
        assert.equal(r.status, 503, seen.join("\n"));
        error = r.body.error!;
        assert.equal(error.code, "storage_unavailable", seen.join("\n"));
        if (/disk under DATA_DIR/.test(error.message)) break;
      }
      await sleep(250);
    }
    console.log(`disk_full: answers while full:\n${seen.join("\n")}`);
    assert.match(error.message, /disk under DATA_DIR .* MB free/);

    const ready = await fetch(`${node.url}/readyz`);
    assert.equal(ready.status, 503);
    const report = await ready.json();
    assert.equal(report.checks.disk.status, "fail", JSON.stringify(report));
    assert.match(
      report.checks.disk.error,
      /MB free, below DATA_DIR_MIN_FREE_MB/,
    );

    // ... then to the last byte: the node stays up (no KV queue panic).
    await fill(filler, 0);
    assert.ok(await freeBytes(filler) < 64 * 1024, "the disk is full");
    await sleep(5_000);
    const live = await fetch(`${node.url}/livez`);
    assert.equal(live.status, 200);
    await live.body?.cancel();
    assert.equal(
      await Promise.race([
        node.exited.then(() => "exited"),
        sleep(10).then(() => "alive"),
      ]),
      "alive",
      node.output(),
    );

    await Deno.remove(filler);
    let status = 0;
    for (let i = 0; i < 60 && status !== 200; i++) {
      await sleep(500);
      status = await api.readyz();
    }
    assert.equal(status, 200, "the node is ready again once space is freed");
    assert.match(node.output(), /disk under DATA_DIR is low/);

    const after = [
      ...accepted,
      await api.submitBuild(3),
      await api.submitBuild(4),
    ];
    const final = await waitAllTerminal(
      () => api,
      [...before, ...after],
      180_000,
    );
    for (const id of [...before, ...after]) {
      if (final.get(id) === "succeeded") continue;
      const detail = await api.request("GET", `/v1/builds/${id}/events`);
      assert.fail(
        `build ${id} (${before.includes(id) ? "before" : "after"} the fill): ${
          final.get(id)
        }\n${JSON.stringify(detail.body).slice(-3000)}`,
      );
    }
  } catch (error) {
    console.log(`disk_full: node output:\n${node?.output()}`);
    throw error;
  } finally {
    await node?.stop(10_000);
    await reapProcesses(small.dir, 20_000);
    await model.stop();
    await Deno.remove(filler).catch(() => undefined);
    await small.unmount();
  }
});
