/**
 * Runs generated TypeScript/JavaScript tests under `deno test` with no
 * permissions except reading the workspace, a wall-clock timeout, a V8 heap
 * cap and a resident-memory watchdog.
 *
 * Static imports (and literal dynamic imports) are resolved by Deno before
 * permissions apply, so the module graph is checked first with
 * `deno info --json`: every module must be a `file:` URL inside the workspace,
 * or a Node built-in from {@linkcode ALLOWED_NODE_BUILTINS}. Anything else
 * (npm:, jsr:, http(s):, data:, other node: modules, files outside) is refused
 * and nothing runs.
 *
 * @example
 * ```ts
 * const report = await runTests("/tmp/ws/b_1", { timeoutMs: 10_000, memoryMb: 128 });
 * if (report.status !== "passed") console.log(report.failures);
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isInside } from "./workspace.ts";

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

/** A module the graph check refused. */
export interface RefusedModule {
  /** The resolved specifier (or the raw one when it could not be resolved). */
  specifier: string;
  /** Why it was refused. */
  reason: string;
}

/** Structured result of {@linkcode runTests}. */
export interface TestReport {
  status: TestStatus;
  passed: number;
  failed: number;
  ignored: number;
  /** Wall-clock time of the whole run, graph check included. */
  durationMs: number;
  failures: TestFailure[];
  /** stdout then stderr of `deno test`, ANSI-stripped; head and tail kept when long. */
  output: string;
  /** True when `output` was cut. */
  outputTruncated: boolean;
  /** Test files run, relative to the workspace. */
  testFiles: string[];
  /** One line on why the status is not simply the test outcome. */
  reason?: string;
  /** Set when status is "refused". */
  refusedModules?: RefusedModule[];
  /** The node: built-ins generated code may import; every other one is refused. */
  allowedBuiltins: readonly string[];
  exitCode: number | null;
  signal: string | null;
}

/** Options of {@linkcode runTests}. */
export interface RunTestsOptions {
  /** Wall-clock limit for `deno test` in ms. Default 30 000. */
  timeoutMs?: number;
  /** V8 old-space cap in MiB (`--max-old-space-size`). Default 128. */
  memoryMb?: number;
  /**
   * Resident-memory cap in MiB, watched through /proc; catches memory outside
   * the V8 heap (ArrayBuffers). Default `memoryMb * 2 + 384`.
   */
  rssLimitMb?: number;
  /** The deno binary. Default `Deno.execPath()`. */
  denoPath?: string;
  /** Cancels the run: the child is killed and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Type-check before running. Default true. */
  check?: boolean;
  /** Language of the code. Only TypeScript and JavaScript can be tested. Default "typescript". */
  language?: string;
  /** Test files relative to the workspace. Default: every `*_test.*`, `*.test.*`, `test.*` file. */
  testFiles?: string[];
  /** Most characters of output kept. Default 64 000. */
  maxOutputChars?: number;
  /** Where the run's private temp directory goes (JUnit file, DENO_DIR). Default the system temp dir. */
  tempRoot?: string;
  /** Overrides {@linkcode ALLOWED_NODE_BUILTINS}. */
  allowedBuiltins?: readonly string[];
}

/** Node built-ins without I/O that tests may import. Everything else `node:` is refused. */
export const ALLOWED_NODE_BUILTINS: readonly string[] = Object.freeze([
  "node:assert",
  "node:assert/strict",
]);

/** The code's language has no sandbox. */
export class UnsupportedLanguageError extends Error {
  override name = "UnsupportedLanguageError";
  constructor(readonly language: string) {
    super(
      `cannot test ${language} code: only TypeScript and JavaScript can be tested (in the deno sandbox)`,
    );
  }
}

/** Language names (lower-case) that {@linkcode runTests} accepts. */
export const SANDBOX_LANGUAGES: readonly string[] = Object.freeze([
  "typescript",
  "ts",
  "javascript",
  "js",
  "tsx",
  "jsx",
]);
const TEST_FILE = /^(?:.*[._])?test\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const MAX_MESSAGE = 4000;

/**
 * Runs the tests of a workspace in the sandbox and returns a structured report.
 *
 * @example
 * ```ts
 * const report = await runTests(ws.dir, { timeoutMs: 5000, memoryMb: 64, check: false });
 * console.log(report.status, report.passed, report.failed);
 * ```
 */
export async function runTests(
  workspaceDir: string,
  options: RunTestsOptions = {},
): Promise<TestReport> {
  const language = options.language ?? "typescript";
  if (!SANDBOX_LANGUAGES.includes(language.trim().toLowerCase())) {
    throw new UnsupportedLanguageError(language);
  }
  options.signal?.throwIfAborted();
  const started = performance.now();
  const root = await Deno.realPath(workspaceDir);
  if (root.includes(",")) {
    // --allow-read takes a comma-separated list: a comma would grant more paths.
    throw new Error(
      `workspace path ${root} contains a comma; it cannot be sandboxed`,
    );
  }
  const allowedBuiltins = options.allowedBuiltins ?? ALLOWED_NODE_BUILTINS;
  const memoryMb = options.memoryMb ?? 128;
  const base = {
    allowedBuiltins,
    exitCode: null,
    signal: null,
    passed: 0,
    failed: 0,
    ignored: 0,
    output: "",
    outputTruncated: false,
    failures: [],
  };
  const elapsed = () => Math.round(performance.now() - started);

  const scan = await scanWorkspace(root);
  const testFiles = options.testFiles
    ? options.testFiles.map((f) => f.replace(/^\.\//, ""))
    : scan.files.filter((f) => TEST_FILE.test(f.split("/").at(-1) ?? ""));
  const refused = [...scan.refused];
  for (const file of options.testFiles ?? []) {
    if (!scan.files.includes(file.replace(/^\.\//, ""))) {
      refused.push({
        specifier: file,
        reason: "test file is not a regular file inside the workspace",
      });
    }
  }
  if (refused.length > 0) {
    return {
      ...base,
      status: "refused",
      testFiles,
      durationMs: elapsed(),
      reason:
        "the workspace holds files that cannot be sandboxed (links leading out, hard links, special files) or names a test file outside it",
      refusedModules: refused,
    };
  }
  if (testFiles.length === 0) {
    return {
      ...base,
      status: "failed",
      testFiles,
      durationMs: elapsed(),
      reason: "no test files found",
      failed: 1,
      failures: [{
        name: "no tests",
        message:
          "no test files found: name them *_test.ts, *.test.ts or test.ts",
      }],
    };
  }

  const temp = await Deno.makeTempDir({
    prefix: "troupe-sandbox-",
    ...(options.tempRoot ? { dir: options.tempRoot } : {}),
  });
  try {
    const deno = options.denoPath ?? Deno.execPath();
    const env = {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: root,
      NO_COLOR: "1",
      DENO_NO_UPDATE_CHECK: "1",
      DENO_DIR: join(temp, "deno_dir"),
    };
    const graph = await checkGraph(
      deno,
      root,
      testFiles,
      env,
      allowedBuiltins,
      options.signal,
      options.timeoutMs ?? 30_000,
    );
    if (graph.refused.length > 0) {
      return {
        ...base,
        status: "refused",
        testFiles,
        durationMs: elapsed(),
        reason:
          "imports outside the workspace are not allowed (only relative files and " +
          allowedBuiltins.join(", ") + ")",
        refusedModules: graph.refused,
      };
    }

    const junitPath = join(temp, "junit.xml");
    const args = [
      "test",
      "--no-prompt",
      "--no-config",
      "--no-lock",
      "--no-remote",
      "--no-npm",
      `--allow-read=${root}`,
      `--v8-flags=--max-old-space-size=${memoryMb}`,
      `--junit-path=${junitPath}`,
      ...(options.check ?? true ? [] : ["--no-check"]),
      // After "--" deno test would take the files as script arguments.
      ...testFiles.map((f) => `./${f}`),
    ];
    const run = await spawnLimited(deno, args, {
      cwd: root,
      env,
      timeoutMs: options.timeoutMs ?? 30_000,
      rssLimitMb: options.rssLimitMb ?? memoryMb * 2 + 384,
      maxOutputChars: options.maxOutputChars ?? 64_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (run.aborted) {
      throw options.signal?.reason ?? new DOMException("aborted", "AbortError");
    }

    const junit = run.timedOut || run.rssExceeded
      ? ""
      : await readCapped(junitPath, 8 * 1024 * 1024);
    const cases = parseJunit(junit);
    const passed = cases.filter((c) => c.outcome === "passed").length;
    const ignored = cases.filter((c) => c.outcome === "ignored").length;
    const failures: TestFailure[] = cases
      .filter((c) => c.outcome === "failed")
      .map((c) => ({ name: c.name, file: c.file, message: c.message }));
    const common = {
      allowedBuiltins,
      testFiles,
      exitCode: run.code,
      signal: run.signal,
      output: run.output,
      outputTruncated: run.truncated,
      passed,
      ignored,
    };

    // A killed run wrote no JUnit file: name the test that was running.
    const abnormal = (reason: string): TestFailure[] => [{
      name: runningTest(run.output) ?? "(test run)",
      message: reason,
    }];
    if (run.timedOut) {
      const reason = `killed after the ${
        options.timeoutMs ?? 30_000
      } ms timeout (an endless loop, or a test waiting for something that never comes)`;
      return {
        ...common,
        status: "timeout",
        failed: 1,
        failures: abnormal(reason),
        durationMs: elapsed(),
        reason,
      };
    }
    if (run.rssExceeded) {
      const reason = `killed: resident memory passed ${
        options.rssLimitMb ?? memoryMb * 2 + 384
      } MiB`;
      return {
        ...common,
        status: "crashed",
        failed: 1,
        failures: abnormal(reason),
        durationMs: elapsed(),
        reason,
      };
    }
    if (run.signal !== null || (run.code !== 0 && run.code !== 1)) {
      const oom = /heap limit|out of memory/i.test(run.output);
      const reason = oom
        ? `out of memory: the ${memoryMb} MiB heap limit was reached`
        : `deno test died (exit ${run.code}${
          run.signal ? `, ${run.signal}` : ""
        })`;
      return {
        ...common,
        status: "crashed",
        failed: failures.length + 1,
        failures: [...failures, ...abnormal(reason)],
        durationMs: elapsed(),
        reason,
      };
    }
    if (run.code === 0) {
      return {
        ...common,
        status: "passed",
        failed: 0,
        failures: [],
        durationMs: elapsed(),
      };
    }
    if (failures.length === 0) failures.push(...failuresFromOutput(run.output));
    return {
      ...common,
      status: "failed",
      failed: failures.length,
      failures,
      durationMs: elapsed(),
    };
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
}

interface Scan {
  files: string[];
  refused: RefusedModule[];
}

/** Lists the workspace's files; refuses symlinks leading out and hard links. */
async function scanWorkspace(root: string): Promise<Scan> {
  const files: string[] = [];
  const refused: RefusedModule[] = [];
  const visit = async (rel: string): Promise<void> => {
    for await (const entry of Deno.readDir(join(root, rel))) {
      const childRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
      const abs = join(root, childRel);
      if (entry.isSymlink) {
        const target = await Deno.realPath(abs).catch(() => null);
        if (target === null || !isInside(root, target)) {
          refused.push({
            specifier: childRel,
            reason: `symlink leads outside the workspace (${
              target ?? "dangling"
            })`,
          });
        }
      } else if (entry.isDirectory) {
        await visit(childRel);
      } else if (entry.isFile) {
        const info = await Deno.lstat(abs);
        if ((info.nlink ?? 1) > 1) {
          refused.push({
            specifier: childRel,
            reason: "hard-linked files are not allowed in a workspace",
          });
        }
        files.push(childRel);
      } else {
        refused.push({
          specifier: childRel,
          reason: "only regular files and directories are allowed",
        });
      }
    }
  };
  await visit("");
  files.sort();
  return { files, refused };
}

interface InfoModule {
  specifier: string;
  kind?: string;
  local?: string;
  error?: string;
  dependencies?: {
    specifier: string;
    code?: { specifier?: string; error?: string };
    type?: { specifier?: string; error?: string };
  }[];
}

/** Runs `deno info --json` on each test file and refuses what lies outside. */
async function checkGraph(
  deno: string,
  root: string,
  testFiles: string[],
  env: Record<string, string>,
  allowedBuiltins: readonly string[],
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<{ refused: RefusedModule[] }> {
  const refused = new Map<string, RefusedModule>();
  const refuse = (specifier: string, reason: string) => {
    if (!refused.has(specifier)) refused.set(specifier, { specifier, reason });
  };
  for (const file of testFiles) {
    const result = await new Deno.Command(deno, {
      args: [
        "info",
        "--json",
        "--no-config",
        "--no-lock",
        "--no-remote",
        "--no-npm",
        // "./" keeps a file name from being read as a flag; "--" would make
        // `deno info` print its general info and skip the graph.
        `./${file}`,
      ],
      cwd: root,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.any([
        ...(signal ? [signal] : []),
        AbortSignal.timeout(timeoutMs),
      ]),
    }).output();
    signal?.throwIfAborted();
    if (result.signal !== null) {
      refuse(file, `the module graph check was killed (${result.signal})`);
      continue;
    }
    let graph: { roots?: string[]; modules?: InfoModule[] };
    try {
      graph = JSON.parse(new TextDecoder().decode(result.stdout));
      // Fail closed: a reply without this file's graph proves nothing.
      const rootUrl = pathToFileURL(join(root, file)).href;
      if (!graph.roots?.includes(rootUrl) || !graph.modules?.length) {
        throw new Error("no module graph");
      }
    } catch {
      refuse(
        file,
        `the module graph could not be read: ${
          stripAnsi(new TextDecoder().decode(result.stderr)).trim().slice(
            0,
            500,
          )
        }`,
      );
      continue;
    }
    for (const module of graph.modules ?? []) {
      const reason = await judgeSpecifier(
        module.specifier,
        module.kind,
        root,
        allowedBuiltins,
      );
      if (reason) refuse(module.specifier, reason);
      else if (module.error && !module.specifier.startsWith("file:")) {
        refuse(module.specifier, module.error);
      }
      for (const dep of module.dependencies ?? []) {
        for (const resolved of [dep.code, dep.type]) {
          if (!resolved) continue;
          if (resolved.error) {
            refuse(dep.specifier, `unresolvable import: ${resolved.error}`);
          } else if (resolved.specifier) {
            const why = await judgeSpecifier(
              resolved.specifier,
              undefined,
              root,
              allowedBuiltins,
            );
            if (why) refuse(resolved.specifier, why);
          }
        }
      }
    }
  }
  return { refused: [...refused.values()] };
}

async function judgeSpecifier(
  specifier: string,
  kind: string | undefined,
  root: string,
  allowedBuiltins: readonly string[],
): Promise<string | null> {
  if (specifier.startsWith("node:") || kind === "node") {
    return allowedBuiltins.includes(specifier)
      ? null
      : `Node built-in not allowed (allowed: ${allowedBuiltins.join(", ")})`;
  }
  if (!specifier.startsWith("file:")) {
    const scheme = specifier.split(":")[0] ?? specifier;
    return `${scheme}: modules are not allowed; only files inside the workspace`;
  }
  let path: string;
  try {
    path = fileURLToPath(specifier);
  } catch {
    return "invalid file URL";
  }
  const real = await Deno.realPath(path).catch(() => path);
  return isInside(root, real) ? null : "file outside the workspace";
}

interface SpawnResult {
  code: number | null;
  signal: string | null;
  output: string;
  truncated: boolean;
  timedOut: boolean;
  rssExceeded: boolean;
  aborted: boolean;
}

async function spawnLimited(
  command: string,
  args: string[],
  opts: {
    cwd: string;
    env: Record<string, string>;
    timeoutMs: number;
    rssLimitMb: number;
    maxOutputChars: number;
    signal?: AbortSignal;
  },
): Promise<SpawnResult> {
  const child = new Deno.Command(command, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  let rssExceeded = false;
  let aborted = false;
  let exited = false;
  const kill = () => {
    if (exited) return;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, opts.timeoutMs);
  const onAbort = () => {
    aborted = true;
    kill();
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  const limitKb = opts.rssLimitMb * 1024;
  const watchdog = setInterval(() => {
    const rss = readRssKb(child.pid);
    if (rss !== null && rss > limitKb) {
      rssExceeded = true;
      kill();
    }
  }, 50);
  try {
    const half = Math.floor(opts.maxOutputChars / 2);
    const [stdout, stderr, status] = await Promise.all([
      collect(child.stdout, half),
      collect(child.stderr, half),
      child.status,
    ]);
    exited = true;
    const both = [stdout.text, stderr.text].filter((s) => s.length > 0).join(
      "\n",
    );
    return {
      code: status.signal === null ? status.code : null,
      signal: status.signal,
      output: stripAnsi(both),
      truncated: stdout.truncated || stderr.truncated,
      timedOut,
      rssExceeded,
      aborted,
    };
  } finally {
    exited = true;
    clearTimeout(timer);
    clearInterval(watchdog);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}

function readRssKb(pid: number): number | null {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Reads a stream to the end, keeping the first and last `limit / 2` characters. */
async function collect(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<{ text: string; truncated: boolean }> {
  const decoder = new TextDecoder();
  const headLimit = Math.ceil(limit / 2);
  const tailLimit = Math.floor(limit / 2);
  let head = "";
  let tail = "";
  let dropped = 0;
  for await (const chunk of stream) {
    let text = decoder.decode(chunk, { stream: true });
    if (head.length < headLimit) {
      const room = headLimit - head.length;
      head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text.length === 0) continue;
    tail += text;
    if (tail.length > tailLimit) {
      dropped += tail.length - tailLimit;
      tail = tail.slice(tail.length - tailLimit);
    }
  }
  tail += decoder.decode();
  if (dropped === 0) return { text: head + tail, truncated: false };
  return {
    text: `${head}\n[... ${dropped} characters cut ...]\n${tail}`,
    truncated: true,
  };
}

async function readCapped(path: string, maxBytes: number): Promise<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "";
    throw error;
  }
  try {
    const buffer = new Uint8Array(maxBytes);
    let size = 0;
    while (size < maxBytes) {
      const n = await file.read(buffer.subarray(size));
      if (n === null) break;
      size += n;
    }
    return new TextDecoder().decode(buffer.subarray(0, size));
  } finally {
    file.close();
  }
}

interface JunitCase {
  name: string;
  file: string;
  outcome: "passed" | "failed" | "ignored";
  message: string;
}

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

function unescapeXml(text: string): string {
  return text.replace(
    /&(?:(lt|gt|amp|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g,
    (
      _,
      named: string | undefined,
      dec: string | undefined,
      hex: string | undefined,
    ) => {
      if (named) {
        return { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" }[
          named as "lt"
        ];
      }
      const code = dec ? Number(dec) : parseInt(hex ?? "0", 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : "\uFFFD";
    },
  );
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
      message: cap((errors?.[1] ?? output).trim(), MAX_MESSAGE),
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

function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}
