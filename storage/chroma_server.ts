/**
 * The embedded Chroma server: Chroma 1.0.0 from the npm package
 * `chromadb-js-bindings-linux-x64-gnu` (1.0.5, the newest that loads on glibc
 * 2.36), run in a child Deno process on a free loopback port and stored in
 * `DATA_DIR/chroma`.
 *
 * Why a child process: the bindings' `cli()` runs the server on the calling
 * JavaScript thread and never returns, so in-process it would freeze
 * everything else. In the child, the server runs in a worker while the main
 * thread watches stdin: when Troupe exits (even when killed) the pipe closes
 * and the child exits too, so no orphan keeps the port or the files.
 *
 * This module is also the child's entry point (`import.meta.main`).
 *
 * @module
 */
import { createRequire } from "node:module";
import { ChromaClient } from "chromadb";
import { stripAnsi } from "../runtime/ansi.ts";
import { sleep } from "../runtime/retry.ts";

/** Options of {@linkcode startEmbeddedChroma}. */
export interface EmbeddedChromaOptions {
  /** DATA_DIR; the server keeps its files in `<dataDir>/chroma`. */
  dataDir: string;
  /** Port to listen on; default: a free one. */
  port?: number;
  /** How long to wait for the first heartbeat. Default 30 s. */
  startTimeoutMs?: number;
}

/** A running embedded Chroma server. */
export interface EmbeddedChroma {
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string;
  readonly port: number;
  /** Where its files are. */
  readonly path: string;
  /** The child's process id. */
  readonly pid: number;
  /** Resolves when the server exits, for whatever reason. */
  readonly exited: Promise<Deno.CommandStatus>;
  /** The last lines it printed (for error messages). */
  output(): string;
  /** SIGTERM, then waits for the exit. Safe to call twice. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The embedded server did not come up. */
export class ChromaStartError extends Error {
  override name = "ChromaStartError";
  constructor(
    readonly path: string,
    readonly detail: string,
    readonly output: string,
  ) {
    super(
      `the embedded Chroma server (npm chromadb-js-bindings-linux-x64-gnu, data in ${path}) failed to start: ${detail}` +
        (output ? `\n--- its output ---\n${output}` : "") +
        "\nSet CHROMA_URL to a running Chroma server (for example `chroma run --path ./chroma --port 8000`) to use that instead.",
    );
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Keeps the last `limit` characters of a byte stream. */
function tail(stream: ReadableStream<Uint8Array>, limit = 4_000) {
  const decoder = new TextDecoder();
  let text = "";
  const done = (async () => {
    for await (const chunk of stream) {
      text = (text + decoder.decode(chunk, { stream: true })).slice(-limit);
    }
  })().catch(() => {});
  return {
    text: () =>
      stripAnsi(text).split("\n").filter((l) =>
        l.trim() !== "" && !/^[\s(#]+$/.test(l)
      ).join("\n"),
    done,
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/api/v2/heartbeat`, {
      signal: AbortSignal.timeout(1_000),
    });
    await r.body?.cancel();
    return r.ok;
  } catch {
    return false;
  }
}

async function startOnce(
  path: string,
  port: number,
  startTimeoutMs: number,
): Promise<EmbeddedChroma> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", import.meta.url, path, String(port)],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
  }).spawn();
  const out = tail(child.stdout);
  const err = tail(child.stderr);
  const output = () => [out.text(), err.text()].filter(Boolean).join("\n");
  const exited = child.status.then(async (status) => {
    await Promise.all([out.done, err.done]);
    return status;
  });
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
    await exited;
    // Closing our end of stdin after the exit keeps the child from seeing EOF first.
    await child.stdin.close().catch(() => {});
  };
  let exitedEarly: Deno.CommandStatus | undefined;
  exited.then((s) => exitedEarly = s);
  const deadline = performance.now() + startTimeoutMs;
  while (!(await answers(url))) {
    if (exitedEarly) {
      await stop();
      throw new ChromaStartError(
        path,
        `the server process exited with code ${exitedEarly.code}`,
        output(),
      );
    }
    if (performance.now() > deadline) {
      await stop();
      throw new ChromaStartError(
        path,
        `no heartbeat from ${url} within ${startTimeoutMs} ms`,
        output(),
      );
    }
    await sleep(50);
  }
  return {
    url,
    port,
    path,
    pid: child.pid,
    exited,
    output,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Starts the embedded Chroma server and waits until it answers its heartbeat.
 * A port taken between picking and binding is retried with another one.
 *
 * @example
 * ```ts ignore
 * import { startEmbeddedChroma, chromaClient } from "./chroma_server.ts";
 * await using chroma = await startEmbeddedChroma({ dataDir: "./data" });
 * const client = chromaClient(chroma.url);
 * console.log(await client.heartbeat());
 * ```
 */
export async function startEmbeddedChroma(
  options: EmbeddedChromaOptions,
): Promise<EmbeddedChroma> {
  const path = `${options.dataDir.replace(/\/+$/, "")}/chroma`;
  await Deno.mkdir(path, { recursive: true });
  const timeout = options.startTimeoutMs ?? 30_000;
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? freePort();
    try {
      return await startOnce(path, port, timeout);
    } catch (error) {
      last = error;
      if (options.port !== undefined) break;
    }
  }
  throw last;
}

/**
 * A Chroma client for a server URL (CHROMA_URL or the embedded server's).
 *
 * @example
 * ```ts
 * import { chromaClient } from "./chroma_server.ts";
 * const client = chromaClient("http://127.0.0.1:8000");
 * console.assert(client !== undefined);
 * ```
 */
export function chromaClient(url: string): ChromaClient {
  const u = new URL(url);
  const ssl = u.protocol === "https:";
  return new ChromaClient({
    host: u.hostname,
    port: u.port ? Number(u.port) : ssl ? 443 : 80,
    ssl,
  });
}

// The child: the server in a worker, this thread watching the parent.
// deno-lint-ignore no-explicit-any
const WorkerScope = (globalThis as any).WorkerGlobalScope;
const inWorker = WorkerScope !== undefined && globalThis instanceof WorkerScope;

if (inWorker) {
  const scope = globalThis as unknown as {
    onmessage: ((event: MessageEvent) => void) | null;
    postMessage(message: unknown): void;
  };
  scope.onmessage = (event: MessageEvent<{ path: string; port: string }>) => {
    const { path, port } = event.data;
    const bindings = createRequire(import.meta.url)(
      "chromadb-js-bindings-linux-x64-gnu",
    ) as { cli(args: string[]): void };
    // Blocks this worker for the server's lifetime.
    bindings.cli([
      "chroma",
      "run",
      "--path",
      path,
      "--host",
      "127.0.0.1",
      "--port",
      port,
    ]);
    // Only reached when the server could not start (or stopped by itself).
    scope.postMessage("exited");
  };
} else if (import.meta.main) {
  const [path, port] = Deno.args;
  if (!path || !port) {
    console.error("usage: chroma_server.ts <path> <port>");
    Deno.exit(2);
  }
  const worker = new Worker(import.meta.url, { type: "module" });
  worker.onerror = (event) => {
    console.error(`chroma worker failed: ${event.message}`);
    Deno.exit(1);
  };
  worker.onmessage = () => Deno.exit(1);
  worker.postMessage({ path, port });
  Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
  Deno.addSignalListener("SIGINT", () => Deno.exit(0));
  for await (const _ of Deno.stdin.readable) {
    // The parent writes nothing; EOF means it is gone.
  }
  Deno.exit(0);
}
