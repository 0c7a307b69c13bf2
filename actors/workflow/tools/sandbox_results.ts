/**
 * Turns what `deno test` left behind into a verdict that generated code
 * cannot fake.
 *
 * Everything the tests can touch is on their side of the process: they can
 * print anything, patch `Deno.test`, reach `Deno.exit` or `process.exit` (or
 * the runtime's internals) from a test, a timer or top-level code. A wrapper
 * or preload inside the same isolate could be undone by the code it guards.
 * So the verdict rests on two things the tests cannot forge:
 *
 * - the JUnit report, written by the runner at the very end of a run into
 *   the run's private temp directory, which the tests cannot write to;
 * - the runner's own lines, read from the whole stream while it runs (not
 *   from the truncated copy kept for the report): `running N tests from
 *   ./f` (how many tests the runner registered for each file), and the
 *   notices Deno prints when a module or test exits the process
 *   ("… called `Deno.exit(0)` from outside any test. The isolate was
 *   terminated", "A test called Deno.exit(0) while the exit sanitizer was
 *   disabled … Aborting the test run").
 *
 * Printed text can only add such lines, and each of them can only make the
 * verdict stricter (a higher registered count, a termination notice), never
 * turn a failure into a pass.
 *
 * A run is "passed" only when `deno test` exited 0, the JUnit report exists,
 * every test file registered at least one test, every registered test has a
 * result in the report, none failed and at least one passed. (JUnit files a
 * test under the module that called `Deno.test`, which for describe/it is the
 * bdd compat module, so registered and reported tests are compared in total.)
 * Exits through the runtime's internal ops end in the same runner notices.
 *
 * @module
 */

import { stripAnsi } from "./sandbox_imports.ts";

/** Outcome of a sandboxed test run. */
export type TestStatus =
  | "passed"
  | "failed"
  | "timeout"
  | "crashed"
  | "refused";

/** One failing test (or a load/type-check failure reported as one). */
export interface TestFailure {
  /** Test name, or `type check` / `<file> (uncaught error)` / `module load`. */
  name: string;
  /** Test file relative to the workspace, when known. */
  file?: string;
  /** Error message with its code frame and stack, capped in length. */
  message: string;
}

/** One `<testcase>` of the JUnit report. */
export interface JunitCase {
  /** Test name; a step is named `parent > step`. */
  name: string;
  /** Test file relative to the workspace. */
  file: string;
  /** The case's result. */
  outcome: "passed" | "failed" | "ignored";
  /** Failure text, empty unless failed. */
  message: string;
}

const MAX_MESSAGE = 4000;

/** Parses the JUnit XML that `deno test --junit-path` writes. */
export function parseJunit(xml: string): JunitCase[] {
  const cases: JunitCase[] = [];
  const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const match of xml.matchAll(re)) {
    const attrs = parseAttributes(match[1] ?? "");
    const body = match[3] ?? "";
    const name = attrs.get("name") ?? "(unnamed)";
    const file = (attrs.get("classname") ?? "").replace(/^\.\//, "");
    const failure = /<(failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/.exec(
      body,
    );
    if (failure) {
      const text = unescapeXml(failure[3] ?? "").trim() ||
        (parseAttributes(failure[2] ?? "").get("message") ?? "");
      cases.push({
        name,
        file,
        outcome: "failed",
        message: cap(text, MAX_MESSAGE),
      });
    } else if (/<skipped\b/.test(body)) {
      cases.push({ name, file, outcome: "ignored", message: "" });
    } else {
      cases.push({ name, file, outcome: "passed", message: "" });
    }
  }
  return cases;
}

function parseAttributes(source: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of source.matchAll(/([\w:-]+)="([^"]*)"/g)) {
    attrs.set(m[1] ?? "", unescapeXml(m[2] ?? ""));
  }
  return attrs;
}

const XML_ENTITIES: Readonly<Record<string, string>> = Object.freeze({
  lt: "<",
  gt: ">",
  amp: "&",
  quot: '"',
  apos: "'",
});

function unescapeXml(text: string): string {
  return text.replace(
    /&(?:(lt|gt|amp|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g,
    (
      _,
      named: string | undefined,
      dec: string | undefined,
      hex: string | undefined,
    ) => {
      if (named) return XML_ENTITIES[named] ?? "";
      const code = dec ? Number(dec) : parseInt(hex ?? "0", 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : "\uFFFD";
    },
  );
}

/**
 * The runner's own lines, gathered from the full output stream as it
 * arrives (see the module doc for why printed text cannot abuse them).
 */
export class RunnerLines {
  /** Most tests the runner announced for each file (`running N tests from ./f`). */
  readonly registered = new Map<string, number>();
  /** Exit notices: a module or test ended the process instead of reporting. */
  readonly exits: string[] = [];
  /** Output lines ending with the most recent ones (kept short). */
  readonly last: string[] = [];
  readonly #partial = new Map<string, string>();

  /** Feeds a decoded chunk of one stream (each stream keeps its own partial line). */
  push(text: string, stream = "stdout"): void {
    const lines = ((this.#partial.get(stream) ?? "") + text).split("\n");
    this.#partial.set(stream, (lines.pop() ?? "").slice(-4096));
    for (const line of lines) this.#line(line);
  }

  /** Feeds what is left once the streams have ended. */
  end(): void {
    for (const rest of this.#partial.values()) if (rest) this.#line(rest);
    this.#partial.clear();
  }

  #line(raw: string): void {
    const line = stripAnsi(raw).trimEnd();
    if (line.trim().length > 0) {
      this.last.push(line.slice(0, 300));
      if (this.last.length > 5) this.last.shift();
    }
    const plan = /^running (\d+) tests? from \.\/(.+)$/.exec(line);
    if (plan) {
      const file = plan[2] ?? "";
      const count = Number(plan[1]);
      this.registered.set(
        file,
        Math.max(this.registered.get(file) ?? 0, count),
      );
      return;
    }
    const outside =
      /^note \.\/(.+?) called `(.+?)` from outside any test\. The isolate was terminated/
        .exec(line);
    if (outside) {
      this.exits.push(
        `${outside[1]} called ${
          outside[2]
        } outside a test, which ended its isolate before its tests reported`,
      );
      return;
    }
    const unsanitized =
      /A test called (.+?) while the exit sanitizer was disabled/
        .exec(line);
    if (unsanitized) {
      this.exits.push(
        `a test called ${
          unsanitized[1]
        } (with sanitizeExit: false), which aborted the test run`,
      );
      return;
    }
    if (/The isolate was terminated/.test(line)) {
      this.exits.push(`the test isolate was terminated: ${line.trim()}`);
    }
  }
}

/** How the `deno test` process ended. */
export interface RunEnd {
  /** Exit code, null when killed by a signal. */
  code: number | null;
  /** The signal that ended it, if any. */
  signal: string | null;
  /** Killed by the wall-clock timeout. */
  timedOut: boolean;
  /** Killed by the resident-memory watchdog. */
  rssExceeded: boolean;
  /** ANSI-stripped output as kept for the report (maybe truncated). */
  output: string;
  /** The JUnit XML, or "" when none was written. */
  junit: string;
}

/** Limits the run had, for the reasons. */
export interface RunLimits {
  /** Wall-clock limit in ms. */
  timeoutMs: number;
  /** V8 heap cap in MiB. */
  memoryMb: number;
  /** Resident-memory cap in MiB. */
  rssLimitMb: number;
}

/** The status and counts of a run, with the reason when it did not pass. */
export interface Verdict {
  /** The run's status. */
  status: Exclude<TestStatus, "refused">;
  /** Tests (and steps without steps of their own) that passed. */
  passed: number;
  /** Failures counted, including one for a killed or stopped run. */
  failed: number;
  /** Tests skipped. */
  ignored: number;
  /** What failed, first failure first. */
  failures: TestFailure[];
  /** Set whenever status is not "passed". */
  reason?: string;
}

/** True when `child` is a step (at any depth) of `parent`. */
const isStepOf = (child: JunitCase, parent: JunitCase): boolean =>
  child !== parent && child.file === parent.file &&
  child.name.startsWith(`${parent.name} > `);

/** Decides a run's status from the runner's evidence; see the module doc. */
export function judgeRun(
  end: RunEnd,
  lines: RunnerLines,
  testFiles: readonly string[],
  limits: RunLimits,
): Verdict {
  // Cases filed under a module other than the test files (the bdd compat
  // module) belong to the only test file, or to none known.
  const cases = parseJunit(end.junit).map((c) =>
    testFiles.includes(c.file)
      ? c
      : { ...c, file: testFiles.length === 1 ? testFiles[0] ?? "" : "" }
  );
  // Count tests, not the suites around steps: a case with steps is a parent.
  const leaves = cases.filter((c) => !cases.some((o) => isStepOf(o, c)));
  const passed = leaves.filter((c) => c.outcome === "passed").length;
  const ignored = leaves.filter((c) => c.outcome === "ignored").length;
  const failures: TestFailure[] = cases
    .filter((c) =>
      c.outcome === "failed" &&
      // A parent only failed "due to failed steps": its steps say why.
      !cases.some((o) => isStepOf(o, c) && o.outcome === "failed")
    )
    .map((c) => ({
      name: c.name,
      ...(c.file ? { file: c.file } : {}),
      message: c.message,
    }));
  const lastLines = lines.last.join(" | ");
  const stopped = (reason: string): TestFailure[] => [{
    name: runningTest(end.output) ?? "(test run)",
    message: reason,
  }];

  if (end.timedOut) {
    const reason =
      `timeout after ${limits.timeoutMs} ms: killed (an endless loop, or a test waiting for something that never comes)`;
    return {
      status: "timeout",
      passed,
      ignored,
      failed: 1,
      failures: stopped(reason),
      reason,
    };
  }
  if (end.rssExceeded) {
    const reason =
      `out of memory: killed when resident memory passed ${limits.rssLimitMb} MiB`;
    return {
      status: "crashed",
      passed,
      ignored,
      failed: 1,
      failures: stopped(reason),
      reason,
    };
  }
  if (end.signal !== null || (end.code !== 0 && end.code !== 1)) {
    const oom = /heap limit|out of memory/i.test(end.output);
    const reason = oom
      ? `out of memory: the ${limits.memoryMb} MiB heap limit was reached`
      : `crashed: deno test died (exit ${end.code ?? "none"}${
        end.signal ? `, signal ${end.signal}` : ""
      })${lastLines ? `; last lines: ${lastLines}` : ""}`;
    return {
      status: "crashed",
      passed,
      ignored,
      failed: failures.length + 1,
      failures: [...failures, ...stopped(reason)],
      reason,
    };
  }
  if (lines.exits.length > 0) {
    const reason = `crashed: ${
      lines.exits[0]
    }; Deno.exit and process.exit are not allowed in tests`;
    return {
      status: "crashed",
      passed,
      ignored,
      failed: failures.length + 1,
      failures: [...failures, { name: "(test run)", message: reason }],
      reason,
    };
  }
  // Exit code 0 is believed only with a complete report.
  if (end.code === 0 && end.junit.trim() === "") {
    const reason = `crashed: deno test exited 0 but wrote no test report${
      lastLines ? `; last lines: ${lastLines}` : ""
    }`;
    return {
      status: "crashed",
      passed,
      ignored,
      failed: 1,
      failures: stopped(reason),
      reason,
    };
  }
  // JUnit files a test under the file that called Deno.test, which for
  // describe/it is the bdd module: compare totals, not per file.
  const registered = [...lines.registered.values()].reduce((a, b) => a + b, 0);
  const reported = cases.filter((c) => !cases.some((p) => isStepOf(c, p)))
    .length;
  if (reported < registered) {
    const reason = `crashed: ${
      registered - reported
    } of ${registered} registered tests never reported a result (the test process stopped early)`;
    return {
      status: "crashed",
      passed,
      ignored,
      failed: failures.length + 1,
      failures: [...failures, { name: "(test run)", message: reason }],
      reason,
    };
  }

  if (end.code === 1) {
    const found = failures.length > 0
      ? failures
      : failuresFromOutput(end.output);
    return {
      status: "failed",
      passed,
      ignored,
      failed: found.length,
      failures: found,
      reason: failedReason(found, passed + found.length, end.output),
    };
  }
  if (failures.length > 0) {
    return {
      status: "failed",
      passed,
      ignored,
      failed: failures.length,
      failures,
      reason: failedReason(failures, passed + failures.length, end.output),
    };
  }
  const empty = testFiles.filter((file) =>
    lines.registered.get(file) === 0 ||
    (lines.registered.get(file) === undefined &&
      !cases.some((c) => c.file === file))
  );
  if (empty.length > 0) {
    const reason = `no tests found in ${
      empty.join(", ")
    }: a test file must register at least one test (Deno.test, or describe/it)`;
    return {
      status: "failed",
      passed,
      ignored,
      failed: 1,
      failures: [{ name: "no tests", file: empty[0] ?? "", message: reason }],
      reason,
    };
  }
  if (passed === 0) {
    const reason = `no tests ran: all ${ignored} tests are ignored or skipped`;
    return {
      status: "failed",
      passed,
      ignored,
      failed: 1,
      failures: [{ name: "no tests", message: reason }],
      reason,
    };
  }
  return { status: "passed", passed, ignored, failed: 0, failures: [] };
}

/** "N of M failed" with the first failure's name and message. */
function failedReason(
  failures: readonly TestFailure[],
  total: number,
  output: string,
): string {
  if (/"only" option/.test(output)) {
    return `failed: a test or suite is marked "only", which fails the run; remove .only`;
  }
  const first = failures[0];
  if (!first) return "failed: deno test reported a failure";
  // The message's head: its first lines up to the code frame or stack.
  const head: string[] = [];
  const messageLines = first.message.split("\n");
  for (const [i, line] of messageLines.entries()) {
    // Stop at the code frame (a source line over a caret) or the stack.
    if (/^\s*\^/.test(messageLines[i + 1] ?? "")) break;
    if (/^\s+at |^\s*\^|^\s*$/.test(line)) {
      if (head.length > 0) break;
      continue;
    }
    head.push(line.trim());
    if (head.length === 3) break;
  }
  const joined = head.join(" ");
  const message = joined.length <= 300 ? joined : `${joined.slice(0, 300)}…`;
  if (first.name === "type check") return `type check failed: ${message}`;
  if (first.name === "module load") {
    return `module load failed: ${message.replace(/^error: /, "")}`;
  }
  if (first.name.endsWith(" (uncaught error)")) {
    return `uncaught error in ${first.file ?? first.name}: ${
      message.replace(/^error: /, "")
    }`;
  }
  return `${failures.length} of ${total} failed; first: ${first.name}: ${message}`;
}

/** The test the pretty reporter announced last without a result ("name ..."). */
function runningTest(output: string): string | undefined {
  const lines = output.split("\n");
  for (let k = lines.length - 1; k >= 0; k--) {
    const m = /^(.+?) \.\.\.$/.exec(lines[k]!.trimEnd());
    if (m) return m[1]!.trim();
  }
  return undefined;
}

/** Turns a load, type-check or uncaught error in the output into failures. */
function failuresFromOutput(output: string): TestFailure[] {
  if (/Type checking failed|error: TS\d+|TS\d+ \[ERROR\]/.test(output)) {
    const lines = output.split("\n").filter((l) => !/^\s*(info|hint):/.test(l));
    const start = lines.findIndex((l) => /TS\d+/.test(l));
    return [{
      name: "type check",
      message: cap(
        lines.slice(Math.max(start, 0)).join("\n").trim(),
        MAX_MESSAGE,
      ),
    }];
  }
  const uncaught = [...output.matchAll(/^\.\/(\S+) \(uncaught error\)$/gm)];
  const errors = /\n ERRORS \n([\s\S]*?)(?:\n FAILURES \n|$)/.exec(output);
  if (uncaught.length > 0) {
    return uncaught.map((m) => ({
      name: `${m[1]} (uncaught error)`,
      file: m[1] ?? "",
      message: cap(
        (errors?.[1] ?? output).trim()
          .replace(/^\.\/\S+ \(uncaught error\)\n/, "")
          .replace(/^error: (?:\(in promise\) )?/, ""),
        MAX_MESSAGE,
      ),
    }));
  }
  const error = /^error: [\s\S]*/m.exec(output);
  return [{
    name: "module load",
    message: cap((error?.[0] ?? output).trim(), MAX_MESSAGE),
  }];
}

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[... cut ...]`;
}
