/**
 * Why a test run did not pass, in one line for people and models: the
 * sandbox's reason, the imports it refused, and otherwise the first failing
 * tests. The same words reach the regenerate prompt, the `tests` progress
 * event (and from there SSE, WebSocket, CLI and Telegram) and the build's
 * final error.
 *
 * @module
 */
import type { TestReport } from "./tools/sandbox.ts";

/**
 * The sandbox's own reason with the refused specifiers, or undefined when
 * the run passed or the sandbox gave none.
 *
 * @example
 * ```ts ignore
 * testReason(report); // "imports outside the workspace are not allowed (...): npm:lodash"
 * ```
 */
export function testReason(report: TestReport): string | undefined {
  if (report.status === "passed") return undefined;
  const refused = (report.refusedModules ?? []).map((m) => m.specifier);
  const reason = report.reason?.trim();
  if (refused.length > 0) {
    return `${reason || "imports were refused"}: ${refused.join(", ")}`;
  }
  return reason || undefined;
}

/** {@linkcode testReason}, else the first failing tests, else the status. */
export function summarizeTestReport(report: TestReport | null): string {
  if (!report) return "no test report";
  const reason = testReason(report);
  const first = report.failures.slice(0, 3).map((f) =>
    `${f.name}: ${f.message.split("\n", 1)[0]}`
  );
  if (reason !== undefined) {
    return first.length > 0 && report.status === "failed"
      ? `${reason} (${first.join("; ")})`
      : reason;
  }
  return first.length > 0
    ? first.join("; ")
    : `${report.status}, ${report.failed} failed`;
}
