import { assert } from "../deps.ts";
import { openDatabase } from "../../storage/db.ts";
import {
  adminTokenPathOf,
  DataDirLockedError,
  inspectDataDir,
  lockDataDir,
  readLockHolder,
} from "../../storage/data_dir_lock.ts";

Deno.test("a PGlite directory opens once at a time; the second opener is told who holds it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "troupe-pglock-" });
  try {
    const first = await openDatabase({ pgliteDir: `${dir}/pg` });
    try {
      const error = await openDatabase({ pgliteDir: `${dir}/pg` }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(error instanceof DataDirLockedError, String(error));
      assert.equal(error.holder?.pid, Deno.pid);
      assert.match(error.message, new RegExp(`process ${Deno.pid}`));
      assert.match(error.message, /DATABASE_URL/);
      assert.equal((await inspectDataDir(`${dir}/pg`)).state, "busy");
    } finally {
      await first.close();
    }
    // Closed: free again, and the next open works.
    assert.equal((await inspectDataDir(`${dir}/pg`)).state, "free");
    await using again = await openDatabase({ pgliteDir: `${dir}/pg` });
    await again.ping();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a published holder is reachable through the lock file and a 0600 credential, removed on release", async () => {
  const dir = await Deno.makeTempDir({ prefix: "troupe-pglock-" });
  try {
    assert.equal((await inspectDataDir(`${dir}/pg`)).state, "free");
    const lock = await lockDataDir(`${dir}/pg`);
    await lock.publishAdmin("http://127.0.0.1:9/operator/run");
    const seen = await inspectDataDir(`${dir}/pg`);
    assert.equal(seen.state, "node");
    if (seen.state === "node") {
      assert.equal(seen.access.url, "http://127.0.0.1:9/operator/run");
      assert.equal(seen.access.token, lock.adminToken);
      assert.equal(seen.access.pid, Deno.pid);
    }
    const mode = (await Deno.stat(adminTokenPathOf(`${dir}/pg`))).mode ?? 0;
    assert.equal(mode & 0o777, 0o600);
    await lock.release();
    assert.equal(await readLockHolder(`${dir}/pg`), undefined);
    await assert.rejects(() => Deno.stat(adminTokenPathOf(`${dir}/pg`)));
    assert.equal((await inspectDataDir(`${dir}/pg`)).state, "free");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
