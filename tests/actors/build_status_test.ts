/**
 * "Is the build finished" has one definition (storage/schema.ts). These
 * checks pin it against the status machine and the CLI's progress bar, which
 * each used to carry a copy of their own.
 */
import { assert } from "../deps.ts";
import {
  canTransition,
  isFinal,
  isTerminalStatus,
} from "../../actors/build_status.ts";
import {
  BUILD_STATUSES,
  TERMINAL_BUILD_STATUSES,
} from "../../storage/schema.ts";
import { isTerminalStatus as fromRepository } from "../../storage/builds.ts";
import { progressLine } from "../../cli/builds.ts";

Deno.test("terminal statuses are exactly those the machine never leaves", () => {
  for (const from of BUILD_STATUSES) {
    const leaves = BUILD_STATUSES.some((to) => canTransition(from, to));
    assert.equal(isTerminalStatus(from), !leaves, from);
    assert.equal(TERMINAL_BUILD_STATUSES.includes(from), !leaves, from);
  }
});

Deno.test("every old name answers with the one definition", () => {
  assert.ok(isFinal === isTerminalStatus);
  assert.ok(fromRepository === isTerminalStatus);
  assert.ok(!isTerminalStatus(undefined));
  assert.ok(
    !isTerminalStatus("finished"),
    "unknown wire strings are not final",
  );
});

Deno.test("the CLI's progress bar is full exactly for terminal statuses", () => {
  for (const status of BUILD_STATUSES) {
    const bar = progressLine(status, 1, 0, 10).slice(0, 12);
    assert.equal(bar === "[##########]", isTerminalStatus(status), status);
  }
});
