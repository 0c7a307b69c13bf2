/**
 * `deno task test`: runs `deno test` with the given arguments, with the
 * suite's temporary files on a RAM file system when the machine has one.
 * Most tests make throwaway databases (a 39 MB PGlite cluster copied per
 * test), KV files and sandbox caches, and sync them to disk: on tmpfs the
 * same suite takes about a third less time. The code under test is the
 * same; the reliability suite (`deno task test:reliability`) stays on disk.
 *
 * `TROUPE_TEST_TMPDIR` names the directory to use instead; set it to the
 * system temp dir to run on disk.
 *
 * @module
 */

/** The RAM-backed directory to use, if any. */
function ramDir(): string | undefined {
  const chosen = Deno.env.get("TROUPE_TEST_TMPDIR");
  if (chosen) return chosen;
  if (Deno.build.os !== "linux") return undefined;
  try {
    const info = Deno.statSync("/dev/shm");
    if (!info.isDirectory) return undefined;
    const probe = Deno.makeTempDirSync({ dir: "/dev/shm", prefix: "troupe-" });
    Deno.removeSync(probe);
    return "/dev/shm";
  } catch {
    return undefined;
  }
}

const dir = ramDir();
if (dir) console.error(`test temp files in ${dir}`);
const child = new Deno.Command(Deno.execPath(), {
  args: ["test", ...Deno.args],
  env: dir ? { TMPDIR: dir } : {},
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => child.kill(signal));
}
Deno.exit((await child.status).code);
