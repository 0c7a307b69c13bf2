/**
 * Where the test suite keeps the Python sandbox's start-up snapshot: the
 * first test process that needs it makes it, every later pool in this and
 * other test processes restores it (a pool's processes then load in a few
 * hundred ms instead of seconds). The file's name carries a hash of what
 * shaped it, so a changed worker or Pyodide makes a new one.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The directory (per OS user; the pool checks that only its owner can write to it). */
export const TEST_SNAPSHOT_DIR = join(
  tmpdir(),
  `troupe-test-python-snapshot-${Deno.uid() ?? "user"}`,
);
