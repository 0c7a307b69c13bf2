/**
 * A whole node on its embedded defaults with the fake Ollama, and Debian's
 * chromium driven by puppeteer-core, for the console's browser test and
 * benchmark.
 */
import puppeteer, { type Browser } from "puppeteer-core";
import { parseConfig } from "../../config.ts";
import { type Platform, startPlatform } from "../../platform.ts";
import { isPlanRequest, PLAN_REPLY } from "../actors/_scripts.ts";
import { type FakeOllama, startFakeOllama } from "../fakes/ollama.ts";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether the browser is installed. */
export function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

/** Source with a finding (eval) and tests that pass. */
export const CALC_REPLY = [
  "Here is the module.",
  "```ts file=calc.ts",
  "/** Adds two numbers. */",
  "export function add(a: number, b: number): number {",
  "  return a + b;",
  "}",
  "",
  "/** Evaluates an arithmetic expression. */",
  "export function evaluate(expression: string): unknown {",
  "  return eval(expression);",
  "}",
  "```",
  "```ts file=calc_test.ts",
  'import { add } from "./calc.ts";',
  "",
  'Deno.test("add adds", () => {',
  '  if (add(2, 3) !== 5) throw new Error("expected 5");',
  "});",
  "```",
  "```md file=README.md",
  "# calc",
  "",
  "Adds numbers.",
  "```",
].join("\n");

/** A running node, its fake model and the first admin's key. */
export interface Node extends AsyncDisposable {
  readonly platform: Platform;
  readonly ollama: FakeOllama;
  readonly adminKey: string;
  readonly url: string;
}

/** Starts a node in a fresh data directory; the model answers with {@linkcode CALC_REPLY}. */
export async function startNode(
  chunkDelayMs = 2,
  env: Record<string, string> = {},
): Promise<Node> {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-web-" });
  const ollama = await startFakeOllama();
  ollama.respond((request) => {
    if (request.endpoint !== "chat") return undefined;
    if (isPlanRequest(request)) return { content: PLAN_REPLY };
    return { content: CALC_REPLY, chunkDelayMs };
  });
  const lines: string[] = [];
  const platform = await startPlatform(
    parseConfig({
      PORT: "0",
      DATA_DIR: dataDir,
      OLLAMA_HOST: ollama.url,
      LOG_LEVEL: "error",
      RATE_LIMIT_PER_MINUTE: "100000",
      ...env,
    }),
    { announce: (line) => lines.push(line) },
  );
  const adminKey = lines.join("\n").match(/trp_[A-Za-z0-9_-]+/)?.[0];
  if (!adminKey) throw new Error(`no admin key printed: ${lines.join("\n")}`);
  return {
    platform,
    ollama,
    adminKey,
    url: platform.url,
    async [Symbol.asyncDispose]() {
      await platform.close();
      await ollama[Symbol.asyncDispose]();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}

/** Headless chromium. */
export async function launchBrowser(): Promise<Browser> {
  return await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}

/** A TCP relay in front of the node whose connections a test can cut. */
export interface Relay extends Disposable {
  /** The node's URL through the relay (same host, so the same cookies). */
  readonly url: string;
  /** Closes every open connection (an event stream drops); keeps listening. */
  cut(): void;
}

/**
 * Relays `127.0.0.1:<port>` to the node at `target`, so a test can drop the
 * browser's connections the way a flaky network or a restarted proxy does.
 */
export function startRelay(target: string): Relay {
  const to = new URL(target);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const close = (c: Deno.Conn) => {
    open.delete(c);
    try {
      c.close();
    } catch { /* already closed */ }
  };
  (async () => {
    for await (const conn of listener) {
      const upstream = await Deno.connect({
        hostname: "127.0.0.1",
        port: Number(to.port),
      });
      open.add(conn);
      open.add(upstream);
      Promise.allSettled([
        conn.readable.pipeTo(upstream.writable),
        upstream.readable.pipeTo(conn.writable),
      ]).then(() => {
        close(conn);
        close(upstream);
      });
    }
  })().catch(() => {});
  return {
    url: `http://${to.hostname}:${listener.addr.port}`,
    cut() {
      for (const c of [...open]) close(c);
    },
    [Symbol.dispose]() {
      listener.close();
      for (const c of [...open]) close(c);
    },
  };
}
