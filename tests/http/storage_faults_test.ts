/**
 * Storage faults as a client sees them: a write refused for want of space
 * answers 503 `storage_unavailable` naming the store and the cause (never a
 * bare 500), writes stop while the disk guard is tripped and reads go on,
 * and `/readyz` names the disk and fails a write probe.
 */
import { StorageWriteError } from "../../storage/errors.ts";
import { DiskGuard } from "../../storage/disk_guard.ts";
import { probeKvWrite } from "../../storage/write_probes.ts";
import { diskProbe, writeProbe } from "../../http/probes.ts";
import type { ApiApp } from "../../http/context.ts";
import { assert } from "../deps.ts";
import { json, testApp, USER } from "./_app.ts";

const MB = 1024 * 1024;

/** Routes whose handlers fail the way the stores do when the disk is full. */
function failingRoutes(app: ApiApp) {
  app.post("/v1/kv-full", () => {
    // What Deno KV's SQLite throws on a full disk.
    throw new TypeError("database or disk is full");
  });
  app.post("/v1/pg-full", () => {
    // What a PostgreSQL driver throws: SQLSTATE 53100 disk_full.
    throw Object.assign(
      new Error('could not extend file "base/16384/16398": No space left'),
      { code: "53100" },
    );
  });
  app.post("/v1/ok", (c) => c.json({ ok: true }, 201));
  app.get("/v1/ok", (c) => c.json({ ok: true }, 200));
}

async function body(res: Response) {
  return await res.json() as {
    error: { code: string; message: string; details?: Record<string, string> };
  };
}

Deno.test("a full KV answers 503 storage_unavailable naming Deno KV and the cause", async () => {
  const { app, logger } = testApp({ routes: [failingRoutes] });
  const res = await app.request("/v1/kv-full", json({}, USER));
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("Retry-After"), "30");
  const { error } = await body(res);
  assert.equal(error.code, "storage_unavailable");
  assert.match(
    error.message,
    /cannot write to Deno KV: database or disk is full/,
  );
  assert.deepEqual(error.details, {
    store: "kv",
    reason: "database or disk is full",
  });
  assert.ok(
    logger.lines.some((l) => l.level === "error"),
    "a 503 of a failed write is logged",
  );
});

Deno.test("a full PostgreSQL answers 503 storage_unavailable naming PostgreSQL", async () => {
  const { app } = testApp({ routes: [failingRoutes] });
  const res = await app.request("/v1/pg-full", json({}, USER));
  assert.equal(res.status, 503);
  const { error } = await body(res);
  assert.equal(error.code, "storage_unavailable");
  assert.match(error.message, /cannot write to PostgreSQL: could not extend/);
  assert.equal(error.details?.store, "postgres");
});

Deno.test("while the disk guard is tripped writes answer 503 naming the disk, reads go on, /readyz fails", async () => {
  let freeMb = 500;
  const guard = new DiskGuard({
    path: "/srv/troupe",
    minFreeBytes: 256 * MB,
    statfs: () => Promise.resolve({ bavail: freeMb * 256, bsize: 4096 }),
  });
  const kv = await Deno.openKv(":memory:");
  try {
    const { app } = testApp({
      routes: [failingRoutes],
      writeGuard: () => guard.writeError(),
      probes: [
        diskProbe(guard),
        writeProbe("kv-write", () => probeKvWrite(kv, "n1")),
      ],
    });
    await guard.check();
    assert.equal((await app.request("/v1/ok", json({}, USER))).status, 201);
    const ready = await app.request("/readyz");
    assert.equal(ready.status, 200);
    const okReport = await ready.json();
    assert.equal(okReport.checks["kv-write"].status, "ok");
    assert.equal(okReport.checks.disk.status, "ok");

    freeMb = 40;
    await guard.check();
    const refused = await app.request("/v1/ok", json({}, USER));
    assert.equal(refused.status, 503);
    const { error } = await body(refused);
    assert.equal(error.code, "storage_unavailable");
    assert.match(
      error.message,
      /cannot write to the disk under DATA_DIR: the disk under DATA_DIR \(\/srv\/troupe\) has 40 MB free, below DATA_DIR_MIN_FREE_MB \(256 MB\)/,
    );
    assert.equal(error.details?.store, "disk");
    assert.equal(
      (await app.request("/v1/ok", { headers: USER })).status,
      200,
      "reads are still served",
    );
    const notReady = await app.request("/readyz");
    assert.equal(notReady.status, 503);
    const report = await notReady.json();
    assert.equal(report.checks.disk.status, "fail");
    assert.match(report.checks.disk.error, /40 MB free/);

    freeMb = 400;
    await guard.check();
    assert.equal((await app.request("/v1/ok", json({}, USER))).status, 201);
    assert.equal((await app.request("/readyz")).status, 200);
  } finally {
    kv.close();
  }
});

Deno.test("a write probe that fails makes /readyz 503 with the store's error", async () => {
  const { app } = testApp({
    probes: [
      writeProbe("postgres-write", () =>
        Promise.reject(
          new StorageWriteError("postgres", "could not write to file"),
        )),
    ],
  });
  const res = await app.request("/readyz");
  assert.equal(res.status, 503);
  const report = await res.json();
  assert.match(
    report.checks["postgres-write"].error,
    /cannot write to PostgreSQL: could not write to file/,
  );
});

Deno.test("the KV write probe turns a full KV into a StorageWriteError", async () => {
  const full = {
    set: () => Promise.reject(new TypeError("database or disk is full")),
  } as unknown as Deno.Kv;
  await assert.rejects(
    () => probeKvWrite(full, "n1"),
    (e: unknown) => e instanceof StorageWriteError && e.store === "kv",
  );
});
