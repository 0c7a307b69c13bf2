/**
 * A metering proxy in front of Ollama: the eval node talks to it instead of
 * `OLLAMA_HOST`, it passes every request and response through unchanged, and
 * reads Ollama's own token counts (`prompt_eval_count`, `eval_count` of the
 * final message of `/api/chat` and `/api/generate`) on the way back. A chat
 * request is attributed to the model it names (`body.model`: each eval build
 * asks for its own) and to the task whose marker (its module's file name and
 * requirements) appears in the prompt, so tokens and model calls are counted
 * per model and task while many builds run at once on one node.
 *
 * @module
 */
import { omitUndefined } from "../runtime/optional.ts";

/** What the model spent on one task. */
export interface TaskUsage {
  /** Model calls (chat or generate requests). */
  calls: number;
  /** Ollama's `prompt_eval_count`, summed. */
  tokensIn: number;
  /** Ollama's `eval_count`, summed. */
  tokensOut: number;
  /** Time spent waiting for the model (request sent to the last byte), summed over calls. */
  modelMs: number;
}

/** A running proxy. */
export interface Meter extends AsyncDisposable {
  /** Where the node should send its Ollama calls. */
  readonly url: string;
  /** Counts attributed to task `key` and `model` so far. */
  usage(key: string, model: string): TaskUsage;
  /** Calls no task's marker matched (embeddings are not counted). */
  readonly unattributed: TaskUsage;
  /** Stops the proxy. */
  close(): Promise<void>;
}

/** Options of {@linkcode startMeter}. */
export interface MeterOptions {
  /** The real Ollama (OLLAMA_HOST). */
  readonly upstream: string;
  /** Task key -> a text only that task's prompts contain. */
  readonly markers: ReadonlyMap<string, string>;
}

const HOP_HEADERS = [
  "connection",
  "keep-alive",
  "transfer-encoding",
  "host",
  "content-length",
];

function countsOf(line: string): { in: number; out: number } | undefined {
  try {
    const message = JSON.parse(line);
    if (message?.done !== true) return undefined;
    return {
      in: Number(message.prompt_eval_count ?? 0) || 0,
      out: Number(message.eval_count ?? 0) || 0,
    };
  } catch {
    return undefined;
  }
}

/**
 * Starts the proxy on a free loopback port.
 *
 * @example
 * ```ts ignore
 * await using meter = await startMeter({ upstream: "http://127.0.0.1:11434", markers });
 * // OLLAMA_HOST = meter.url
 * ```
 */
export function startMeter(options: MeterOptions): Promise<Meter> {
  const upstream = options.upstream.replace(/\/+$/, "");
  const totals = new Map<string, TaskUsage>();
  const unattributed: TaskUsage = {
    calls: 0,
    tokensIn: 0,
    tokensOut: 0,
    modelMs: 0,
  };
  const slot = (task: string | undefined, model: string): TaskUsage => {
    if (task === undefined) return unattributed;
    const key = `${model}\u0000${task}`;
    let usage = totals.get(key);
    if (!usage) {
      totals.set(
        key,
        usage = { calls: 0, tokensIn: 0, tokensOut: 0, modelMs: 0 },
      );
    }
    return usage;
  };
  // The prompt opens with "Requirements:\n<the task's text>"; retrieved
  // context later in it may quote other tasks, so the opening wins.
  const attribute = (prompt: string): string | undefined => {
    for (const [key, marker] of options.markers) {
      if (prompt.includes(`Requirements:\n${marker}`)) return key;
    }
    let best: { key: string; at: number } | undefined;
    for (const [key, marker] of options.markers) {
      const at = prompt.indexOf(marker);
      if (at !== -1 && (!best || at < best.at)) best = { key, at };
    }
    return best?.key;
  };

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const body = req.method === "GET" || req.method === "HEAD"
      ? undefined
      : await req.text();
    const headers = new Headers(req.headers);
    for (const h of HOP_HEADERS) headers.delete(h);
    const metered = url.pathname === "/api/chat" ||
      url.pathname === "/api/generate";
    let prompt = "";
    let model = "";
    if (metered && body) {
      try {
        const parsed = JSON.parse(body);
        model = typeof parsed.model === "string" ? parsed.model : "";
        prompt = Array.isArray(parsed.messages)
          ? parsed.messages.map((m: { content?: unknown }) =>
            String(m?.content ?? "")
          ).join("\n")
          : String(parsed.prompt ?? "");
      } catch {
        prompt = body;
      }
    }
    const sent = performance.now();
    let upstreamResponse: Response;
    try {
      upstreamResponse = await fetch(
        `${upstream}${url.pathname}${url.search}`,
        {
          method: req.method,
          headers,
          ...omitUndefined({ body }),
        },
      );
    } catch (error) {
      // What Ollama being down looks like to the client: the connection fails.
      return new Response(
        JSON.stringify({
          error: `eval meter: Ollama at ${upstream} unreachable: ${error}`,
        }),
        { status: 502, headers: { "content-type": "application/json" } },
      );
    }
    if (!metered || !upstreamResponse.body) return upstreamResponse;
    const usage = slot(attribute(prompt), model);
    usage.calls++;
    const decoder = new TextDecoder();
    let pending = "";
    const take = (line: string) => {
      const counts = countsOf(line);
      if (!counts) return;
      usage.tokensIn += counts.in;
      usage.tokensOut += counts.out;
    };
    const passThrough = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        pending += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = pending.indexOf("\n")) !== -1) {
          take(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
        }
      },
      flush() {
        if (pending.trim()) take(pending);
        usage.modelMs += performance.now() - sent;
      },
    });
    const out = new Headers(upstreamResponse.headers);
    for (const h of HOP_HEADERS) out.delete(h);
    return new Response(upstreamResponse.body.pipeThrough(passThrough), {
      status: upstreamResponse.status,
      headers: out,
    });
  }

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
    onError: () => new Response(null, { status: 502 }),
  }, handle);
  const close = async () => {
    await server.shutdown();
  };
  return Promise.resolve({
    url: `http://127.0.0.1:${server.addr.port}`,
    usage: (key, model) => ({ ...slot(key, model) }),
    unattributed,
    close,
    [Symbol.asyncDispose]: close,
  });
}
