/**
 * Entry point of one Python sandbox process (run by `deno run` with no
 * permission but reading Pyodide's package folder, given as the first
 * argument). It loads Pyodide at once (with `--snapshot`, from the start-up
 * snapshot that comes first on stdin, see `snapshot.ts`), reads a `boot` line
 * and a `job` line from stdin, writes the files into Pyodide's in-memory file system, drives
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

import type {
  BootMessage,
  JobMessage,
  SnapshotHeader,
  WorkerEvent,
} from "./protocol.ts";

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

/** Stdin read as lines, except for one raw frame of bytes (the snapshot). */
class Input {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  // Chunks as read, joined only when taken: a 30 MB snapshot arrives in
  // hundreds of chunks, and joining on every read would copy it hundreds of times.
  #chunks: Uint8Array[] = [];
  #size = 0;
  #decoder = new TextDecoder();
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  async #more(): Promise<boolean> {
    const { value, done } = await this.#reader.read();
    if (done) return false;
    this.#chunks.push(value);
    this.#size += value.length;
    return true;
  }

  #take(size: number): Uint8Array {
    const out = new Uint8Array(size);
    let offset = 0;
    while (offset < size) {
      const chunk = this.#chunks[0]!;
      const n = Math.min(chunk.length, size - offset);
      out.set(chunk.subarray(0, n), offset);
      offset += n;
      if (n === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(n);
    }
    this.#size -= size;
    return out;
  }

  /** The next line without its newline; null at the end of the stream. */
  async line(): Promise<string | null> {
    let scanned = 0; // chunks already searched
    let before = 0; // bytes in them
    for (;;) {
      for (; scanned < this.#chunks.length; scanned++) {
        const chunk = this.#chunks[scanned]!;
        const newline = chunk.indexOf(10);
        if (newline >= 0) {
          const line = this.#take(before + newline + 1);
          return this.#decoder.decode(line.subarray(0, line.length - 1));
        }
        before += chunk.length;
      }
      if (!await this.#more()) {
        return this.#size === 0
          ? null
          : this.#decoder.decode(this.#take(this.#size));
      }
    }
  }

  /** Exactly `size` bytes. */
  async bytes(size: number): Promise<Uint8Array> {
    while (this.#size < size) {
      if (!await this.#more()) {
        throw new Error(`stdin ended before ${size} bytes`);
      }
    }
    return this.#take(size);
  }
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
      "usage: worker.ts <pyodide package folder> [--make-snapshot | --snapshot]",
    );
  }
  const started = performance.now();
  const input = new Input(Deno.stdin.readable);
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
  if (mode === "--make-snapshot") options._makeSnapshot = true;
  if (mode === "--snapshot") {
    // The snapshot comes over stdin: this process may read no file of it.
    const head = JSON.parse(await input.line() ?? "null") as SnapshotHeader;
    if (head?.type !== "snapshot") {
      throw new Error("expected a snapshot line on stdin");
    }
    options._loadSnapshot = await input.bytes(head.size);
  }
  const pyodide: Pyodide & SnapshotMaker = await loadPyodide(options);
  const boot = JSON.parse(await input.line() ?? "null") as BootMessage;
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
    fromSnapshot: mode === "--snapshot",
  });

  const job = JSON.parse(await input.line() ?? "null") as JobMessage;
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
