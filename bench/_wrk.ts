/**
 * What the wrk load scripts share: serving an app beside a bare Hono
 * hello-world, running Debian's `wrk` against a URL and reading its summary,
 * and printing the table of results (`bench/report.ts` parses it, so keep
 * its format).
 *
 * @module
 */
import { Hono } from "hono";

/** An app and a bare Hono hello-world, each served on a loopback port. */
export interface WrkTargets {
  /** `http://127.0.0.1:PORT` of the app. */
  app: string;
  /** `http://127.0.0.1:PORT` of the hello-world (answers `GET /`). */
  hello: string;
  /** Stops both servers. */
  shutdown(): Promise<void>;
}

/**
 * Serves `fetch` and a bare Hono hello-world, the baseline, the same way.
 *
 * @example
 * ```ts ignore
 * // Needs Debian's wrk and loads live servers for seconds: not run as a doc test.
 * const targets = serveWithHello(app.fetch);
 * try {
 *   await wrk("GET /livez", `${targets.app}/livez`, options);
 * } finally {
 *   await targets.shutdown();
 * }
 * ```
 */
export function serveWithHello(fetch: Deno.ServeHandler): WrkTargets {
  const hello = new Hono().get("/", (c) => c.text("Hello, world"));
  const quiet = { hostname: "127.0.0.1", port: 0, onListen() {} };
  const appServer = Deno.serve(quiet, fetch);
  const helloServer = Deno.serve(quiet, hello.fetch);
  const base = (s: Deno.HttpServer<Deno.NetAddr>) =>
    `http://127.0.0.1:${s.addr.port}`;
  return {
    app: base(appServer),
    hello: base(helloServer),
    async shutdown() {
      await appServer.shutdown();
      await helloServer.shutdown();
    },
  };
}

/** One wrk run, read from its `--latency` summary ("?" where absent). */
export interface WrkResult {
  name: string;
  rps: number;
  p50: string;
  p99: string;
  errors: string;
}

/** How long and how hard wrk loads the URL. */
export interface WrkOptions {
  seconds: number;
  connections: number;
  /** `Name: value` request headers. */
  headers?: string[];
  /** A wrk Lua script (`-s`). */
  script?: string;
  /**
   * Seconds of the same load run first and not measured, so the figures are
   * of compiled code rather than of V8 warming up. Default 0.
   */
  warmupSeconds?: number;
}

/**
 * Loads `url` with wrk (at most 2 threads) and reads its summary.
 *
 * @example
 * ```ts ignore
 * // Needs Debian's wrk and a server on port 8000: not run as a doc test.
 * const r = await wrk("GET /livez", "http://127.0.0.1:8000/livez", {
 *   seconds: 5,
 *   connections: 100,
 * });
 * console.log(r.rps, r.p99);
 * ```
 */
export async function wrk(
  name: string,
  url: string,
  options: WrkOptions,
): Promise<WrkResult> {
  const c = options.connections;
  const run = async (seconds: number) => {
    const args = [
      `-t${Math.min(2, c)}`,
      `-c${c}`,
      `-d${seconds}s`,
      "--latency",
      ...(options.headers ?? []).flatMap((h) => ["-H", h]),
      ...(options.script ? ["-s", options.script] : []),
      url,
    ];
    const out = await new Deno.Command("wrk", {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`wrk failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    return new TextDecoder().decode(out.stdout);
  };
  if (options.warmupSeconds) await run(options.warmupSeconds);
  return parseWrk(name, await run(options.seconds));
}

/** Reads wrk's `--latency` summary text. */
export function parseWrk(name: string, text: string): WrkResult {
  const pick = (re: RegExp) => re.exec(text)?.[1] ?? "?";
  const non2xx = pick(/Non-2xx or 3xx responses: (\d+)/);
  const socket = pick(/Socket errors: ([^\n]+)/);
  return {
    name,
    rps: Number(pick(/Requests\/sec:\s+([\d.]+)/)),
    p50: pick(/\s50%\s+(\S+)/),
    p99: pick(/\s99%\s+(\S+)/),
    errors: [
      non2xx === "?" ? "" : `non-2xx ${non2xx}`,
      socket === "?" ? "" : socket,
    ].filter(Boolean).join("; ") || "none",
  };
}

/**
 * Prints the Markdown table of `results`, each against the first
 * (the hello-world baseline) with `digits` decimals.
 *
 * @example
 * ```ts
 * const hello = { name: "hello", rps: 40_000, p50: "1ms", p99: "3ms", errors: "none" };
 * const livez = { name: "GET /livez", rps: 30_000, p50: "2ms", p99: "5ms", errors: "none" };
 * printWrkTable([hello, livez], 2); // GET /livez shows 0.75 of the hello-world
 * ```
 */
export function printWrkTable(results: WrkResult[], digits: number): void {
  const baseline = results[0]!.rps;
  console.log("| route | req/s | p50 | p99 | vs hello-world | errors |");
  console.log("| --- | ---: | ---: | ---: | ---: | --- |");
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${
        (r.rps / baseline).toFixed(digits)
      } | ${r.errors} |`,
    );
  }
}
