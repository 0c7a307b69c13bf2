/**
 * Runs generated TypeScript/JavaScript tests under `deno test` with no
 * permissions except reading the workspace, a wall-clock timeout, a V8 heap
 * cap and a resident-memory watchdog.
 *
 * Static imports (and literal dynamic imports) are resolved by Deno before
 * permissions apply, so the module graph is checked first with
 * `deno info --json`: every module must be a `file:` URL inside the workspace,
 * a Node built-in from {@linkcode ALLOWED_NODE_BUILTINS}, or one of the std
 * assertion modules (`@std/assert`, `@std/expect`, `@std/testing/bdd` in
 * their `jsr:`, bare and deno.land forms), which a generated import map sends
 * to the compat modules in `./sandbox_compat/` (see `./sandbox_imports.ts`).
 * Anything else (npm:, other jsr: or http(s): modules, data:, other node:
 * modules, files outside) is refused, named in `reason`, and nothing runs.
 *
 * The status comes from the runner's own evidence, not from anything the
 * tests print or do (see `./sandbox_results.ts`): "passed" needs a complete
 * JUnit report in which at least one test ran and every registered test
 * passed. Whenever the status is not "passed", `reason` says why in one line.
 *
 * @example
 * ```ts
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/add_test.ts`, 'Deno.test("adds", () => { if (1 + 2 !== 3) throw new Error("no"); });\n');
 * const report = await runTests(dir, { timeoutMs: 30_000, memoryMb: 128 });
 * await Deno.remove(dir, { recursive: true });
 * if (report.status !== "passed") throw new Error(report.reason);
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { javascript, typescript } from "../../languages/mod.ts";
import { isInside } from "./workspace.ts";
import {
  ALLOWED_NODE_BUILTINS,
  buildImportMap,
  checkGraph,
  importPolicy,
  type RefusedModule,
  stripAnsi,
} from "./sandbox_imports.ts";
import {
  judgeRun,
  RunnerLines,
  type TestFailure,
  type TestStatus,
} from "./sandbox_results.ts";

export {
  ALLOWED_NODE_BUILTINS,
  type RefusedModule,
  STD_COMPAT_MODULES,
  stdCompatTarget,
} from "./sandbox_imports.ts";
export {
  type JunitCase,
  parseJunit,
  type TestFailure,
  type TestStatus,
} from "./sandbox_results.ts";

/** Structured result of {@linkcode runTests}. */
export interface TestReport {
  /** Overall outcome of the run. */
  status: TestStatus;
  /** Tests that passed. */
  passed: number;
  /** Tests that failed. */
  failed: number;
  /** Tests skipped (`ignore`). */
  ignored: number;
  /** Wall-clock time of the whole run, graph check included. */
  durationMs: number;
  /** Each failed test with its message. */
  failures: TestFailure[];
  /** stdout then stderr of `deno test`, ANSI-stripped; head and tail kept when long. */
  output: string;
  /** True when `output` was cut. */
  outputTruncated: boolean;
  /** Test files run, relative to the workspace. */
  testFiles: string[];
  /**
   * One line on why the status is not "passed" (always set then): the refused
   * import and its file, "timeout after N ms", "crashed: …" with the exit code
   * or signal and the last lines, "out of memory", "no tests found in …",
   * "N of M failed; first: <test>: <message>", "type check failed: …".
   */
  reason?: string;
  /** Set when status is "refused". */
  refusedModules?: RefusedModule[];
  /** The node: built-ins generated code may import; every other one is refused. */
  allowedBuiltins: readonly string[];
  /** Exit code of `deno test`; null if it was killed or never ran. */
  exitCode: number | null;
  /** Signal that killed the run, if one did. */
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
  /** Test files relative to the workspace. Default: every TypeScript/JavaScript test file (`*_test.*`, `*.test.*`, `*.spec.*`, `test.*`; see actors/languages/). */
  testFiles?: string[];
  /** Most characters of output kept. Default 64 000. */
  maxOutputChars?: number;
  /** Where the run's private temp directory goes (JUnit file, DENO_DIR). Default the system temp dir. */
  tempRoot?: string;
  /** Overrides {@linkcode ALLOWED_NODE_BUILTINS}. */
  allowedBuiltins?: readonly string[];
}

/** The code's language has no sandbox. */
export class UnsupportedLanguageError extends Error {
  /** The error's class name. */
  override name = "UnsupportedLanguageError";
  /** Names the language the sandbox cannot run. */
  constructor(readonly language: string) {
    super(
      `cannot test ${language} code in the deno sandbox: it runs TypeScript and JavaScript (Python has its own sandbox)`,
    );
  }
}

/** The languages whose tests run under `deno test`. */
const DENO_LANGUAGES = [typescript, javascript] as const;

/** Language names (lower-case ids and aliases) that {@linkcode runTests} accepts. */
export const SANDBOX_LANGUAGES: readonly string[] = Object.freeze(
  DENO_LANGUAGES.flatMap((l) => [l.id, ...l.aliases]),
);
/** A test file of TypeScript or JavaScript, by the languages' own rules. */
const isDenoTestFile = (path: string) =>
  DENO_LANGUAGES.some((l) => l.isTestFile(path));

/**
 * Runs the tests of a workspace in the sandbox and returns a structured report.
 *
 * Steps: scan the workspace (refusing links out and special files), build
 * the import map for the std assertion modules (see `sandbox_imports.ts`),
 * check the module graph, run `deno test` under the limits, then judge the
 * run from the runner's JUnit report and its own output lines (see
 * `sandbox_results.ts`). Whenever the status is not "passed", `reason` says
 * why in one line.
 *
 * @example
 * ```ts
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/one_test.ts`, 'Deno.test("one", () => {});\n');
 * const report = await runTests(dir, { timeoutMs: 10_000, memoryMb: 64, check: false });
 * await Deno.remove(dir, { recursive: true });
 * if (report.status !== "passed" || report.passed !== 1) throw new Error(report.reason);
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
  const timeoutMs = options.timeoutMs ?? 30_000;
  const rssLimitMb = options.rssLimitMb ?? memoryMb * 2 + 384;
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
    : scan.files.filter(isDenoTestFile);
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
    const first = refused[0];
    return {
      ...base,
      status: "refused",
      testFiles,
      durationMs: elapsed(),
      reason: `refused ${JSON.stringify(first?.specifier)}: ${first?.reason}${
        refused.length > 1 ? ` (and ${refused.length - 1} more)` : ""
      }; the workspace may hold only regular files and directories, and test files must lie inside it`,
      refusedModules: refused,
    };
  }
  if (testFiles.length === 0) {
    const reason =
      `no tests found: no test files in the workspace; name them ${typescript.testNaming}`;
    return {
      ...base,
      status: "failed",
      testFiles,
      durationMs: elapsed(),
      reason,
      failed: 1,
      failures: [{ name: "no tests", message: reason }],
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
    // Outside the workspace: the tests can neither read nor replace it.
    const importMapPath = join(temp, "import_map.json");
    await Deno.writeTextFile(
      importMapPath,
      JSON.stringify(await buildImportMap(root, scan.files)),
    );
    const graph = await checkGraph({
      deno,
      root,
      testFiles,
      env,
      importMapPath,
      allowedBuiltins,
      signal: options.signal,
      timeoutMs,
    });
    if (graph.refused.length > 0) {
      const first = graph.refused[0];
      const what = first?.importedAs !== undefined
        ? `refused import ${JSON.stringify(first.importedAs)}${
          first.from ? ` in ${first.from}` : ""
        }`
        : `refused ${JSON.stringify(first?.specifier)}`;
      const more = graph.refused.length > 1
        ? ` (also refused: ${
          graph.refused.slice(1, 4).map((m) =>
            JSON.stringify(m.importedAs ?? m.specifier)
          ).join(", ")
        }${graph.refused.length > 4 ? ", …" : ""})`
        : "";
      return {
        ...base,
        status: "refused",
        testFiles,
        durationMs: elapsed(),
        reason: `${what}: ${importPolicy(allowedBuiltins)}${more}`,
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
      `--import-map=${importMapPath}`,
      `--allow-read=${root}`,
      `--v8-flags=--max-old-space-size=${memoryMb}`,
      `--junit-path=${junitPath}`,
      ...(options.check ?? true ? [] : ["--no-check"]),
      // After "--" deno test would take the files as script arguments.
      ...testFiles.map((f) => `./${f}`),
    ];
    const lines = new RunnerLines();
    const run = await spawnLimited(deno, args, {
      cwd: root,
      env,
      timeoutMs,
      rssLimitMb,
      maxOutputChars: options.maxOutputChars ?? 64_000,
      onText: (text, stream) => lines.push(text, stream),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    lines.end();
    if (run.aborted) {
      throw options.signal?.reason ?? new DOMException("aborted", "AbortError");
    }
    const junit = run.timedOut || run.rssExceeded
      ? ""
      : await readCapped(junitPath, 8 * 1024 * 1024);
    const verdict = judgeRun(
      { ...run, junit },
      lines,
      testFiles,
      { timeoutMs, memoryMb, rssLimitMb },
    );
    return {
      ...verdict,
      allowedBuiltins,
      testFiles,
      exitCode: run.code,
      signal: run.signal,
      output: run.output,
      outputTruncated: run.truncated,
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
    /** Sees every decoded chunk of each stream, before any truncation. */
    onText?: (text: string, stream: "stdout" | "stderr") => void;
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
      collect(child.stdout, half, (t) => opts.onText?.(t, "stdout")),
      collect(child.stderr, half, (t) => opts.onText?.(t, "stderr")),
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
  onText: (text: string) => void,
): Promise<{ text: string; truncated: boolean }> {
  const decoder = new TextDecoder();
  const headLimit = Math.ceil(limit / 2);
  const tailLimit = Math.floor(limit / 2);
  let head = "";
  let tail = "";
  let dropped = 0;
  for await (const chunk of stream) {
    let text = decoder.decode(chunk, { stream: true });
    onText(text);
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
  const rest = decoder.decode();
  if (rest) onText(rest);
  tail += rest;
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
    // Sized to the file (plus room to notice growth), not to the cap: a
    // zero-filled 8 MiB buffer per test run cost more than the read itself.
    const { size: known } = await file.stat();
    const buffer = new Uint8Array(Math.min(maxBytes, known + 64 * 1024));
    let size = 0;
    while (size < buffer.length) {
      const n = await file.read(buffer.subarray(size));
      if (n === null) break;
      size += n;
    }
    return new TextDecoder().decode(buffer.subarray(0, size));
  } finally {
    file.close();
  }
}
