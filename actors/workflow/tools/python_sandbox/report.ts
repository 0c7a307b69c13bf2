/**
 * Turns the events of one sandbox process into the same {@linkcode TestReport}
 * the TypeScript sandbox returns, checking the run's integrity: zero tests is
 * a failure, every collected test must have a result, and a process that died
 * or exited early is named as such.
 *
 * @module
 */

import type { RefusedModule, TestFailure, TestReport } from "../sandbox.ts";
import type { ProcessOutcome } from "./process.ts";
import type { WorkerEvent } from "./protocol.ts";

/** What the report needs besides the process outcome. */
export interface ReportContext {
  durationMs: number;
  timeoutMs: number;
  rssLimitMb: number;
  maxTests: number;
  maxOutputChars: number;
}

type Collected = Extract<WorkerEvent, { type: "collected" }>;
type Finished = Extract<WorkerEvent, { type: "finished" }>;

/** Builds the report of one run. */
export function buildReport(
  outcome: ProcessOutcome,
  context: ReportContext,
): TestReport {
  const { events } = outcome;
  const collected = events.find((e): e is Collected => e.type === "collected");
  const finished = events.find((e): e is Finished => e.type === "finished");
  const fatal = events.find((e) => e.type === "fatal");
  const { output, truncated } = outputOf(events, context.maxOutputChars);
  const tests = collected?.tests ?? [];
  const byId = new Map(tests.map((t) => [t.id, t]));
  const results = new Map<string, Extract<WorkerEvent, { type: "result" }>>();
  let running: string | undefined;
  for (const event of events) {
    if (event.type === "start") running = event.id;
    if (event.type === "result") {
      results.set(event.id, event);
      running = undefined;
    }
  }
  const failures: TestFailure[] = [];
  let passed = 0;
  let ignored = 0;
  for (const [id, result] of results) {
    const test = byId.get(id);
    if (result.outcome === "passed") passed++;
    else if (result.outcome === "ignored") ignored++;
    else {
      failures.push({
        name: test?.name ?? id,
        file: test?.file ?? "",
        message: result.message,
      });
    }
  }
  failures.push(...(collected?.errors ?? []));
  for (const message of finished?.errors ?? []) {
    failures.push({ name: "fixture teardown", message });
  }
  const runtimeRefused = finished?.refused ?? [];
  const base = {
    passed,
    ignored,
    durationMs: context.durationMs,
    output,
    outputTruncated: truncated,
    testFiles: collected?.testFiles ?? [],
    allowedBuiltins: [] as string[],
    exitCode: outcome.code,
    signal: outcome.signal,
    ...(runtimeRefused.length > 0 ? { refusedModules: runtimeRefused } : {}),
  };
  const runningName = running === undefined
    ? "(test run)"
    : byId.get(running)?.name ?? running;
  const runningFile = running === undefined
    ? undefined
    : byId.get(running)?.file;
  const abnormal = (
    status: "timeout" | "crashed",
    reason: string,
  ): TestReport => {
    const all = [...failures, {
      name: runningName,
      ...(runningFile ? { file: runningFile } : {}),
      message: reason,
    }];
    return { ...base, status, failed: all.length, failures: all, reason };
  };

  if (outcome.timedOut) {
    return abnormal(
      "timeout",
      `killed after the ${context.timeoutMs} ms timeout (an endless loop, or a test waiting for something that never comes)`,
    );
  }
  if (outcome.rssExceeded) {
    return abnormal(
      "crashed",
      `killed: resident memory passed ${context.rssLimitMb} MiB`,
    );
  }
  if (collected?.refused.length) {
    return refused(base, collected.refused);
  }
  if (collected?.exit) {
    const reason =
      `sys.exit(${collected.exit.code}) was called while importing ${collected.exit.file}, outside any test`;
    return {
      ...base,
      status: "failed",
      failed: failures.length + 1,
      failures: [...failures, {
        name: `${collected.exit.file} (sys.exit at import)`,
        file: collected.exit.file,
        message: collected.exit.message,
      }],
      reason,
    };
  }
  if (fatal?.type === "fatal" || outcome.code !== 0 || !collected) {
    const exited = /ExitStatus|exit\(|Program terminated/i.test(
      fatal?.type === "fatal" ? fatal.message : "",
    );
    const oom = /heap limit|out of memory/i.test(outcome.stderr);
    const detail = fatal?.type === "fatal"
      ? fatal.message
      : outcome.stderr.trim().slice(0, 1000);
    const reason = exited
      ? `the Python runtime was stopped (os._exit or a C-level exit) ${
        running ? `in test ${runningName}` : "outside any test"
      }: ${detail}`
      : oom
      ? `out of memory: the sandbox's memory limit was reached`
      : `the Python sandbox died (exit ${outcome.code}${
        outcome.signal ? `, ${outcome.signal}` : ""
      }): ${detail || "no error output"}`;
    return abnormal("crashed", reason);
  }
  if (tests.length > context.maxTests) {
    const reason =
      `more than ${context.maxTests} tests collected; split the suite or raise maxTests`;
    return {
      ...base,
      status: "failed",
      failed: 1,
      failures: [{ name: "too many tests", message: reason }],
      reason,
    };
  }
  const missing = tests.filter((t) => !results.has(t.id));
  for (const test of missing) {
    failures.push({
      name: test.name,
      file: test.file,
      message: "the test was collected but has no result",
    });
  }
  if (tests.length === 0) {
    const reason = failures.length > 0
      ? "no tests found: the test files could not be imported"
      : "no tests found: name files test_*.py or *_test.py, tests test_* functions or unittest.TestCase methods";
    return {
      ...base,
      status: "failed",
      failed: failures.length + (failures.length > 0 ? 0 : 1),
      failures: failures.length > 0
        ? failures
        : [{ name: "no tests", message: reason }],
      reason,
    };
  }
  if (failures.length === 0) {
    return { ...base, status: "passed", failed: 0, failures: [] };
  }
  const reasons = [
    `${failures.length} test${failures.length === 1 ? "" : "s"} failed`,
  ];
  if (missing.length > 0) reasons.push(`${missing.length} without a result`);
  if (runtimeRefused.length > 0) {
    reasons.push(
      `imports refused at run time: ${
        runtimeRefused.map((r) => r.specifier).join(", ")
      }`,
    );
  }
  return {
    ...base,
    status: "failed",
    failed: failures.length,
    failures,
    reason: reasons.join("; "),
  };
}

function refused(
  base: Omit<TestReport, "status" | "failed" | "failures">,
  modules: RefusedModule[],
): TestReport {
  return {
    ...base,
    status: "refused",
    failed: 0,
    failures: [],
    refusedModules: modules,
    reason: `imports that cannot be used here: ${
      modules.map((m) => m.specifier).join(", ")
    } (only the Python standard library and the workspace's own modules can be imported)`,
  };
}

function outputOf(
  events: WorkerEvent[],
  maxChars: number,
): { output: string; truncated: boolean } {
  let head = "";
  let cut: Extract<WorkerEvent, { type: "outputCut" }> | undefined;
  for (const event of events) {
    if (event.type === "output") head += event.text;
    if (event.type === "outputCut") cut = event;
  }
  // The child caps what it sends; cap again in case it did not.
  let truncated = cut !== undefined;
  if (head.length > maxChars) {
    head = head.slice(0, maxChars);
    truncated = true;
  }
  if (cut === undefined) return { output: head, truncated };
  return {
    output: `${head}\n[... ${cut.dropped} characters cut ...]\n${
      cut.tail.slice(-Math.floor(maxChars / 2))
    }`,
    truncated,
  };
}
