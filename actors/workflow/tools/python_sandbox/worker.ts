/**
 * Entry point of one Python sandbox process (run by `deno run` with no
 * permission but reading Pyodide's package folder, given as the first
 * argument). It loads Pyodide at once (from the start-up snapshot when given
 * `--snapshot=<file>`, see `snapshot.ts`), reads a `boot` line and a `job` line
 * from stdin, writes the files into Pyodide's in-memory file system, drives
 * `_troupe_runner` one test at a time and writes {@linkcode WorkerEvent} lines
 * on stdout. One job per process: the process exits after it.
 *
 * Python never receives a JavaScript object: Pyodide's `js` module is an empty
 * null-prototype object, the bridge modules are dropped from `sys.modules` and
 * an import hook refuses them, and the runner is called from here with strings.
 *
 * With `--make-snapshot` it reads the `boot` line only, imports the runner and
 * writes Pyodide's memory snapshot to stdout instead of running a job.
 *
 * This file must import nothing but types: it runs without a config, so bare
 * specifiers cannot resolve.
 *
 * @module
 */

import type { BootMessage, JobMessage, WorkerEvent } from "./protocol.ts";

interface PyProxyFn {
  (arg?: string): string;
  destroy?: () => void;
}

interface Runner {
  install_guard: PyProxyFn;
  collect: PyProxyFn;
  run_one: PyProxyFn;
  finish: PyProxyFn;
}

interface Pyodide {
  FS: {
    mkdirTree(path: string): void;
    writeFile(path: string, data: string): void;
  };
  runPython(code: string): unknown;
  pyimport(name: string): Runner;
  setStdout(options: { write: (buffer: Uint8Array) => number }): void;
  setStderr(options: { write: (buffer: Uint8Array) => number }): void;
  unregisterJsModule(name: string): void;
}

const encoder = new TextEncoder();

function emit(event: WorkerEvent): void {
  writeAll(encoder.encode(JSON.stringify(event) + "\n"));
}

/** Head of the output streamed as it comes; past the budget only a tail is kept. */
class OutputSink {
  #sent = 0;
  #tail = "";
  #dropped = 0;
  #decoder = new TextDecoder();
  constructor(readonly maxChars: number) {}

  write = (buffer: Uint8Array): number => {
    this.#push(this.#decoder.decode(buffer, { stream: true }));
    return buffer.length;
  };

  #push(text: string): void {
    const headRoom = Math.ceil(this.maxChars / 2) - this.#sent;
    if (headRoom > 0) {
      const head = text.slice(0, headRoom);
      this.#sent += head.length;
      emit({ type: "output", text: head });
      text = text.slice(headRoom);
    }
    if (text.length === 0) return;
    const tailLimit = Math.floor(this.maxChars / 2);
    this.#tail += text;
    if (this.#tail.length > tailLimit * 2) {
      this.#dropped += this.#tail.length - tailLimit;
      this.#tail = this.#tail.slice(this.#tail.length - tailLimit);
    }
  }

  flush(): void {
    const tailLimit = Math.floor(this.maxChars / 2);
    if (this.#tail.length > tailLimit) {
      this.#dropped += this.#tail.length - tailLimit;
      this.#tail = this.#tail.slice(this.#tail.length - tailLimit);
    }
    if (this.#dropped > 0) {
      emit({ type: "outputCut", dropped: this.#dropped, tail: this.#tail });
    } else if (this.#tail.length > 0) {
      emit({ type: "output", text: this.#tail });
    }
    this.#tail = "";
    this.#dropped = 0;
  }
}

async function* lines(stream: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
    }
  }
  if (buffer.length > 0) yield buffer;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    return `${error.name}: ${error.message}`.slice(0, 4000);
  }
  return String(error).slice(0, 4000);
}

interface LoadOptions {
  indexURL: string;
  jsglobals: object;
  env: Record<string, string>;
  args: string[];
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  _makeSnapshot?: boolean;
  _loadSnapshot?: Uint8Array;
}

interface SnapshotMaker {
  makeMemorySnapshot(): Uint8Array;
}

/** Puts the runner's sources in place and imports it (and with it `unittest`). */
function bootRunner(pyodide: Pyodide, boot: BootMessage): Runner {
  pyodide.FS.mkdirTree("/troupe");
  pyodide.FS.writeFile("/troupe/_troupe_runner.py", boot.runner);
  pyodide.FS.writeFile("/troupe/pytest.py", boot.pytest);
  pyodide.runPython(
    "import sys\nif '/troupe' not in sys.path: sys.path.insert(0, '/troupe')",
  );
  return pyodide.pyimport("_troupe_runner");
}

function writeAll(bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    written += Deno.stdout.writeSync(bytes.subarray(written));
  }
}

async function main(): Promise<void> {
  const [pyodideDir, mode] = Deno.args;
  if (!pyodideDir) {
    throw new Error(
      "usage: worker.ts <pyodide package folder> [--make-snapshot | --snapshot=<file>]",
    );
  }
  const started = performance.now();
  const input = lines(Deno.stdin.readable);
  // Anything Pyodide prints while loading goes to stderr, never to the protocol.
  const early = (text: string) => console.error(text);
  const { loadPyodide } = await import(
    new URL("pyodide.mjs", `file://${pyodideDir}/`).href
  );
  const options: LoadOptions = {
    indexURL: `${pyodideDir}/`,
    jsglobals: Object.create(null),
    env: { HOME: "/workspace", PYTHONHASHSEED: "0" },
    args: [],
    stdout: early,
    stderr: early,
  };
  const snapshotFile = mode?.startsWith("--snapshot=")
    ? mode.slice("--snapshot=".length)
    : null;
  if (mode === "--make-snapshot") options._makeSnapshot = true;
  if (snapshotFile) options._loadSnapshot = await Deno.readFile(snapshotFile);
  const pyodide: Pyodide & SnapshotMaker = await loadPyodide(options);
  const boot = JSON.parse((await input.next()).value ?? "null") as BootMessage;
  if (boot?.type !== "boot") throw new Error("expected a boot line on stdin");
  const runner = bootRunner(pyodide, boot);
  if (mode === "--make-snapshot") {
    // The snapshot goes out raw on stdout; the parent keeps it in a file.
    writeAll(pyodide.makeMemorySnapshot());
    return;
  }
  emit({
    type: "ready",
    loadMs: Math.round(performance.now() - started),
    fromSnapshot: snapshotFile !== null,
  });

  const job = JSON.parse((await input.next()).value ?? "null") as JobMessage;
  if (job?.type !== "job") throw new Error("expected a job line on stdin");
  const sink = new OutputSink(job.maxOutputChars);
  pyodide.setStdout({ write: sink.write });
  pyodide.setStderr({ write: sink.write });
  pyodide.FS.mkdirTree("/workspace");
  for (const file of job.files) {
    const slash = file.path.lastIndexOf("/");
    if (slash > 0) {
      pyodide.FS.mkdirTree(`/workspace/${file.path.slice(0, slash)}`);
    }
    pyodide.FS.writeFile(`/workspace/${file.path}`, file.content);
  }
  const paths = job.files.map((f) => f.path);
  if (job.guard) {
    pyodide.unregisterJsModule("js");
    pyodide.unregisterJsModule("pyodide_js");
    runner.install_guard(JSON.stringify(paths));
  }
  const flush = () => {
    try {
      pyodide.runPython(
        "import sys\nfor s in (sys.stdout, sys.stderr):\n  try: s.flush()\n  except BaseException: pass",
      );
    } catch {
      // the runtime is gone; nothing left to flush
    }
  };
  try {
    const collected = JSON.parse(
      runner.collect(
        JSON.stringify({
          paths,
          testFiles: job.testFiles,
          maxTests: job.maxTests,
          guard: job.guard,
        }),
      ),
    );
    flush();
    emit({ type: "collected", ...collected });
    if (collected.refused.length > 0 || collected.exit !== null) return;
    if (collected.tests.length > job.maxTests) return;
    for (const test of collected.tests as { id: string }[]) {
      emit({ type: "start", id: test.id });
      const result = JSON.parse(runner.run_one(test.id));
      flush();
      emit({ type: "result", id: test.id, ...result });
    }
    const finished = JSON.parse(runner.finish());
    flush();
    emit({ type: "finished", ...finished });
  } catch (error) {
    flush();
    emit({ type: "fatal", message: describe(error) });
  } finally {
    sink.flush();
  }
}

try {
  await main();
  Deno.exit(0);
} catch (error) {
  console.error(describe(error));
  Deno.exit(70);
}
