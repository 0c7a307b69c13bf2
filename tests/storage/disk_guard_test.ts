/**
 * The free-space guard over DATA_DIR, with an injected statfs and clock: it
 * trips below the floor, clears only above floor + margin, checks on its
 * interval, tells its listeners once per change and never throws.
 */
import { ManualClock } from "../../runtime/clock.ts";
import { DiskGuard, type DiskState } from "../../storage/disk_guard.ts";
import { StorageWriteError } from "../../storage/errors.ts";
import { assert } from "../deps.ts";

const MB = 1024 * 1024;

function fakeDisk(freeMb: number) {
  const disk = {
    freeBytes: freeMb * MB,
    fail: undefined as Error | undefined,
    calls: 0,
    statfs: (_path: string) => {
      disk.calls++;
      if (disk.fail) return Promise.reject(disk.fail);
      return Promise.resolve({ bavail: disk.freeBytes / 4096, bsize: 4096 });
    },
  };
  return disk;
}

Deno.test("the guard trips below the floor and names the disk and its free space", async () => {
  const disk = fakeDisk(500);
  const guard = new DiskGuard({
    path: "/data",
    minFreeBytes: 256 * MB,
    statfs: disk.statfs,
  });
  assert.equal((await guard.check()).ok, true);
  assert.equal(guard.writeError(), undefined);

  disk.freeBytes = 100 * MB;
  const state = await guard.check();
  assert.equal(state.ok, false);
  assert.equal(guard.low, true);
  assert.equal(state.freeBytes, 100 * MB);
  assert.match(state.reason!, /disk under DATA_DIR \(\/data\) has 100 MB free/);
  assert.match(state.reason!, /DATA_DIR_MIN_FREE_MB \(256 MB\)/);
  const error = guard.writeError();
  assert.ok(error instanceof StorageWriteError);
  assert.equal(error.store, "disk");
  assert.match(error.message, /^cannot write to the disk under DATA_DIR: /);
});

Deno.test("a tripped guard clears only above floor plus margin (no flapping)", async () => {
  const disk = fakeDisk(10);
  const guard = new DiskGuard({
    path: "/d",
    minFreeBytes: 100 * MB,
    resumeMarginBytes: 20 * MB,
    statfs: disk.statfs,
  });
  assert.equal((await guard.check()).ok, false);
  disk.freeBytes = 110 * MB; // above the floor, inside the margin
  assert.equal((await guard.check()).ok, false);
  disk.freeBytes = 120 * MB;
  assert.equal((await guard.check()).ok, true);
  disk.freeBytes = 105 * MB; // a clear guard trips only below the floor
  assert.equal((await guard.check()).ok, true);
  disk.freeBytes = 99 * MB;
  assert.equal((await guard.check()).ok, false);
});

Deno.test("the guard checks on its interval and tells listeners once per change", async () => {
  const clock = new ManualClock(0);
  const disk = fakeDisk(300);
  const guard = new DiskGuard({
    path: "/d",
    minFreeBytes: 256 * MB,
    intervalMs: 1000,
    statfs: disk.statfs,
    clock,
  });
  const seen: DiskState[] = [];
  guard.onChange((state) => {
    seen.push(state);
  });
  await guard.start();
  assert.equal(disk.calls, 1);
  await clock.advance(999);
  assert.equal(disk.calls, 1);
  await clock.advance(1);
  assert.equal(disk.calls, 2);
  assert.equal(seen.length, 0);

  disk.freeBytes = 10 * MB;
  await clock.advance(1000);
  await clock.advance(1000);
  assert.deepEqual(seen.map((s) => s.ok), [false], "one trip, told once");

  disk.freeBytes = 400 * MB;
  await clock.advance(1000);
  assert.deepEqual(seen.map((s) => s.ok), [false, true]);
  assert.equal(seen[1]!.checkedAt, 4000);

  guard.stop();
  const calls = disk.calls;
  await clock.advance(10_000);
  assert.equal(disk.calls, calls, "no checks after stop()");
  assert.equal(clock.pending, 0);
});

Deno.test("a statfs that fails trips the guard with the cause; a listener that throws is logged", async () => {
  const disk = fakeDisk(500);
  const logged: string[] = [];
  const guard = new DiskGuard({
    path: "/gone",
    minFreeBytes: MB,
    statfs: disk.statfs,
    logger: {
      warn: (m) => logged.push(m),
      error: (m) => logged.push(m),
    },
  });
  guard.onChange(() => {
    throw new Error("listener broke");
  });
  disk.fail = new Error("ENOENT: no such file or directory");
  const state = await guard.check();
  assert.equal(state.ok, false);
  assert.match(state.reason!, /cannot read free space of \/gone: ENOENT/);
  assert.ok(logged.includes("disk guard listener failed"), logged.join("; "));
  disk.fail = undefined;
  assert.equal((await guard.check()).ok, true);
});

Deno.test("concurrent checks share one statfs call", async () => {
  const disk = fakeDisk(500);
  const guard = new DiskGuard({
    path: "/d",
    minFreeBytes: MB,
    statfs: disk.statfs,
  });
  await Promise.all([guard.check(), guard.check(), guard.check()]);
  assert.equal(disk.calls, 1);
});

Deno.test("the real statfs reads this machine's temp directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const guard = new DiskGuard({ path: dir, minFreeBytes: 0 });
    const state = await guard.check();
    assert.equal(state.ok, true);
    assert.ok(state.freeBytes! > 0);
  } finally {
    await Deno.remove(dir);
  }
});
