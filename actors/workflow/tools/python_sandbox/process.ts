/**
 * One Python sandbox process: `deno run` of `worker.ts` with no permission but
 * reading Pyodide's package folder (the start-up snapshot, if any, comes over
 * stdin), a V8 heap cap, a WebAssembly memory cap
 * and (while a job runs) a wall-clock timeout and a resident-memory watchdog.
 * It loads Pyodide as soon as it is spawned and runs one job.
 *
 * @module
 */

import {
  type JobMessage,
  type SnapshotHeader,
  type WorkerEvent,
  WorkerEventSchema,
} from "./protocol.ts";

/** How to start a sandbox process. */
export interface ProcessSpec {
  /** The deno binary. */
  denoPath: string;
  /** Pyodide's package folder (the only thing the child may read). */
  pyodideDir: string;
  /** V8 old-space cap in MiB. */
  memoryMb: number;
  /** Most WebAssembly memory (Python's heap) in MiB. */
  wasmMemoryMb: number;
  /** Resident-memory cap in MiB while a job runs. */
  rssLimitMb: number;
  /** The start-up snapshot to restore (`snapshot.ts`), sent over stdin; null to boot Python cold. */
  snapshotPath: string | null;
  /** DENO_DIR of the child (its transpile cache). */
  denoDir: string;
  /** The boot line (runner sources), JSON without the newline. */
  bootLine: string;
}

/** The sandbox process's entry point. */
export const WORKER_URL: URL = new URL("./worker.ts", import.meta.url);

/**
 * The `deno run` of `worker.ts` under the sandbox's permissions and limits,
 * with `mode` (`--snapshot`, `--make-snapshot`) after the Pyodide folder.
 */
export function workerCommand(
  spec: ProcessSpec,
  mode: string[],
): Deno.Command {
  if (spec.pyodideDir.includes(",")) {
    throw new Error(`pyodide folder ${spec.pyodideDir} contains a comma`);
  }
  return new Deno.Command(spec.denoPath, {
    args: [
      "run",
      "--no-prompt",
      "--no-config",
      "--no-lock",
      "--no-remote",
      "--no-npm",
      `--allow-read=${spec.pyodideDir}`,
      `--v8-flags=--max-old-space-size=${spec.memoryMb},--wasm-max-mem-pages=${
        spec.wasmMemoryMb * 16
      }`,
      WORKER_URL.href,
      spec.pyodideDir,
      ...mode,
    ],
    env: {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      NO_COLOR: "1",
      DENO_NO_UPDATE_CHECK: "1",
      DENO_DIR: spec.denoDir,
    },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
}

/** What happened to one job. */
export interface ProcessOutcome {
  events: WorkerEvent[];
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  rssExceeded: boolean;
  aborted: boolean;
  /** The child's stderr (Deno's own errors), capped. */
  stderr: string;
}

const MAX_STDERR = 8000;

/** A spawned sandbox process, used for one job then gone. */
export class SandboxProcess {
  /** Resolves once Pyodide is loaded; rejects if the process dies first. */
  readonly ready: Promise<void>;
  /** Resolves once the process has exited and its output is read. */
  readonly closed: Promise<void>;
  readonly #child: Deno.ChildProcess;
  readonly #events: WorkerEvent[] = [];
  readonly #status: Promise<Deno.CommandStatus>;
  readonly #pumped: Promise<void>;
  #stderr = "";
  #fromSnapshot = false;
  #exited = false;
  #used = false;

  /** Starts the Deno subprocess that loads Pyodide, as `spec` says. */
  constructor(readonly spec: ProcessSpec) {
    this.#child = workerCommand(
      spec,
      spec.snapshotPath === null ? [] : ["--snapshot"],
    ).spawn();
    this.#status = this.#child.status.then((status) => {
      this.#exited = true;
      return status;
    });
    let markReady: () => void = () => {};
    let failReady: (error: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    // Callers that never await `ready` must not see an unhandled rejection.
    this.ready.catch(() => {});
    const stderrDone = this.#collectStderr();
    this.#pumped = this.#pump(markReady).then(async () => {
      await stderrDone;
      const status = await this.#status;
      failReady(
        new Error(
          `the Python sandbox process exited before it was ready (exit ${status.code}${
            status.signal ? `, ${status.signal}` : ""
          }): ${this.#stderr.trim().slice(0, 1000) || "no error output"}`,
        ),
      );
    });
    this.closed = Promise.all([this.#pumped, this.#status]).then(() => {});
    if (spec.snapshotPath !== null) this.#sendSnapshot(spec.snapshotPath);
    this.#send(spec.bootLine);
  }

  /** Whether the child restored the start-up snapshot (known once {@linkcode ready}). */
  get fromSnapshot(): boolean {
    return this.#fromSnapshot;
  }

  /** Process id of the child. */
  get pid(): number {
    return this.#child.pid;
  }

  /**
   * Sends `job` and waits for the child to finish it (or be killed). The
   * timeout counts from the moment the job is sent.
   */
  async run(
    job: JobMessage,
    limits: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<ProcessOutcome> {
    if (this.#used) throw new Error("a sandbox process runs one job only");
    this.#used = true;
    let timedOut = false;
    let rssExceeded = false;
    let aborted = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.kill();
    }, limits.timeoutMs);
    const onAbort = () => {
      aborted = true;
      this.kill();
    };
    limits.signal?.addEventListener("abort", onAbort, { once: true });
    if (limits.signal?.aborted) onAbort();
    const limitKb = this.spec.rssLimitMb * 1024;
    const watchdog = setInterval(() => {
      const rss = readRssKb(this.#child.pid);
      if (rss !== null && rss > limitKb) {
        rssExceeded = true;
        this.kill();
      }
    }, 50);
    try {
      this.#send(JSON.stringify(job));
      await this.#closeStdin();
      await this.#pumped;
      const status = await this.#status;
      return {
        events: this.#events.filter((e) => e.type !== "ready"),
        code: status.signal === null ? status.code : null,
        signal: status.signal,
        timedOut,
        rssExceeded,
        aborted,
        stderr: this.#stderr,
      };
    } finally {
      clearTimeout(timer);
      clearInterval(watchdog);
      limits.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Kills the child (SIGKILL) if it is still running. */
  kill(): void {
    if (this.#exited) return;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  /** Kills the child and waits until it and its pipes are gone. */
  async dispose(): Promise<void> {
    this.kill();
    await this.#closeStdin();
    await this.#pumped;
    await this.#status;
  }

  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #sendChain: Promise<void> = Promise.resolve();

  #send(line: string): void {
    this.#writer ??= this.#child.stdin.getWriter();
    const writer = this.#writer;
    const bytes = new TextEncoder().encode(line + "\n");
    this.#sendChain = this.#sendChain
      .then(() => writer.write(bytes))
      .catch(() => {}); // the child died; its exit says why
  }

  /** The snapshot's header line and bytes, read here: the child may not read the file. */
  #sendSnapshot(path: string): void {
    this.#writer ??= this.#child.stdin.getWriter();
    const writer = this.#writer;
    this.#sendChain = this.#sendChain.then(async () => {
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(path);
      } catch (error) {
        this.#appendStderr(`cannot read the start-up snapshot: ${error}\n`);
        this.kill();
        return;
      }
      const header: SnapshotHeader = { type: "snapshot", size: bytes.length };
      await writer.write(
        new TextEncoder().encode(JSON.stringify(header) + "\n"),
      );
      await writer.write(bytes);
    }).catch(() => {}); // the child died; its exit says why
  }

  async #closeStdin(): Promise<void> {
    await this.#sendChain;
    if (this.#writer === null) return;
    const writer = this.#writer;
    this.#writer = null;
    await writer.close().catch(() => {});
  }

  async #pump(markReady: () => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    const handle = (line: string) => {
      if (line.trim() === "") return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = null;
      }
      const event = WorkerEventSchema.safeParse(parsed);
      if (!event.success) {
        this.#appendStderr(
          `unexpected line on stdout: ${line.slice(0, 200)}\n`,
        );
        return;
      }
      this.#events.push(event.data);
      if (event.data.type === "ready") {
        this.#fromSnapshot = event.data.fromSnapshot;
        markReady();
      }
    };
    for await (const chunk of this.#child.stdout) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        handle(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
    }
    handle(buffer + decoder.decode());
  }

  async #collectStderr(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of this.#child.stderr) {
      this.#appendStderr(decoder.decode(chunk, { stream: true }));
    }
  }

  #appendStderr(text: string): void {
    if (this.#stderr.length < MAX_STDERR) {
      this.#stderr = (this.#stderr + text).slice(0, MAX_STDERR);
    }
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
