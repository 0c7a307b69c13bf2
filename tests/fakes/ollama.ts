/**
 * A fake Ollama server for tests: it speaks Ollama's real HTTP API
 * (`/api/tags`, `/api/chat`, `/api/generate`, `/api/embed`) on loopback, so
 * `npm:ollama` and Troupe's model client are exercised end to end.
 *
 * Replies are scripted: a queue of {@linkcode FakeReply}s (text, delay, HTTP
 * status, malformed body, dropped connection) consumed by the matching
 * endpoint, then a fallback function, then a default answer. Embeddings are
 * deterministic (see {@linkcode fakeEmbedding}) so that similar texts are near
 * each other. `down()` closes the port (connection refused) until `up()`.
 *
 * @example
 * ```ts ignore
 * const ollama = await startFakeOllama();
 * ollama.script({ content: "export const x = 1;", chunkDelayMs: 5 });
 * // ... point the code under test at ollama.url ...
 * await ollama.close();
 * ```
 *
 * @module
 */
import { answerAs, type Persona } from "./ollama_personas.ts";

export type { Persona } from "./ollama_personas.ts";

/** The endpoints the fake answers. */
export type FakeEndpoint = "tags" | "chat" | "generate" | "embed";

/** One scripted answer. */
export interface FakeReply {
  /** Which endpoint consumes it; default: the next chat or generate call. */
  endpoint?: FakeEndpoint;
  /** The assistant's text (chat) or response (generate). */
  content?: string;
  /** Exact stream chunks; default: `content` split after each whitespace run. */
  chunks?: string[];
  /** Wait this long before sending the response headers. */
  delayMs?: number;
  /** Wait this long between streamed chunks. */
  chunkDelayMs?: number;
  /** Answer with this HTTP status and `{ "error": error }`. */
  status?: number;
  /** Error text for `status`. */
  error?: string;
  /** Send a body that is not valid (ND)JSON after the first chunk. */
  malformed?: boolean;
  /** Drop the connection after sending this many chunks (0: right after the headers). */
  dropAfterChunks?: number;
  /** Stream without the final `done: true` message (a truncated stream). */
  omitDone?: boolean;
  /** Embeddings to return instead of the computed ones (embed only). */
  embeddings?: number[][];
}

/** A request the fake received. */
export interface LoggedRequest {
  readonly endpoint: FakeEndpoint | "unknown";
  readonly method: string;
  readonly path: string;
  /** The model the request asked for (`body.model`); undefined for `/api/tags`. */
  readonly model: string | undefined;
  // deno-lint-ignore no-explicit-any
  readonly body: any;
}

/** Options of {@linkcode startFakeOllama}. */
export interface FakeOllamaOptions {
  /** Models the server "has"; others answer 404 like a real Ollama. */
  models?: string[];
  /** Embedding width. Default 768 (nomic-embed-text). */
  dimensions?: number;
  /**
   * Embedding width per model name (`"all-minilm": 384`), overriding
   * `dimensions` for those models, so two embedding models give different
   * vectors (e.g. before and after a re-embed).
   */
  modelDimensions?: Record<string, number>;
  /** Text of chat/generate answers when nothing is scripted. */
  defaultContent?: string;
  /** Answer chat requests like a real coder model (see ./ollama_personas.ts) when nothing is scripted. */
  persona?: Persona;
}

/** A running fake. */
export interface FakeOllama {
  /** Base URL, e.g. `http://127.0.0.1:40123`: what OLLAMA_HOST would hold. */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: LoggedRequest[];
  /** Queues replies; each is used once by the next matching request. */
  script(...replies: FakeReply[]): void;
  /** Answers requests that no queued reply matches; `undefined` falls back to the default. */
  respond(fn: (request: LoggedRequest) => FakeReply | undefined): void;
  /** Answers unscripted chat requests like a real model with these habits. */
  persona(persona: Persona): void;
  /** Replaces the installed model list. */
  setModels(models: string[]): void;
  /** Stops listening (clients get "connection refused") until {@linkcode up}. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): void;
  /** Stops the server and waits for open responses to finish. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A deterministic embedding: character trigrams of the lower-cased text are
 * hashed (FNV-1a) into `dimensions` buckets, then the vector is L2-normalised.
 * Texts that share many trigrams get a small cosine distance.
 *
 * @example
 * ```ts
 * import { fakeEmbedding } from "./ollama.ts";
 * const v = fakeEmbedding("hello world", 8);
 * console.assert(v.length === 8);
 * ```
 */
export function fakeEmbedding(text: string, dimensions = 768): number[] {
  const v = new Float64Array(dimensions);
  const s = ` ${text.toLowerCase().replace(/\s+/g, " ").trim()} `;
  for (let i = 0; i + 3 <= s.length; i++) {
    let h = 0x811c9dc5;
    for (let j = i; j < i + 3; j++) {
      h ^= s.charCodeAt(j);
      h = Math.imul(h, 0x01000193);
    }
    const bucket = (h >>> 0) % dimensions;
    v[bucket] = (v[bucket] ?? 0) + 1;
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  if (norm === 0) {
    v[0] = 1;
    norm = 1;
  }
  const scale = 1 / Math.sqrt(norm);
  return Array.from(v, (x) => x * scale);
}

const encoder = new TextEncoder();

function endpointOf(path: string): FakeEndpoint | "unknown" {
  switch (path) {
    case "/api/tags":
      return "tags";
    case "/api/chat":
      return "chat";
    case "/api/generate":
      return "generate";
    case "/api/embed":
      return "embed";
    default:
      return "unknown";
  }
}

function baseName(model: string): string {
  return model.includes(":") ? model : `${model}:latest`;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

function splitTokens(content: string): string[] {
  return content.match(/\S+\s*|\s+/g) ?? [];
}

/**
 * Starts a fake Ollama on a free loopback port.
 *
 * @example
 * ```ts ignore
 * await using ollama = await startFakeOllama({ models: ["qwen2.5-coder:7b"] });
 * ollama.script({ content: "hello", chunkDelayMs: 5 });
 * ```
 */
export function startFakeOllama(
  options: FakeOllamaOptions = {},
): Promise<FakeOllama> {
  const dimensions = options.dimensions ?? 768;
  const widths = new Map(
    Object.entries(options.modelDimensions ?? {}).map((
      [name, width],
    ) => [baseName(name), width]),
  );
  const defaultContent = options.defaultContent ?? "ok";
  let models = (options.models ?? ["qwen2.5-coder:7b", "nomic-embed-text"])
    .map(baseName);
  const queue: FakeReply[] = [];
  const requests: LoggedRequest[] = [];
  const initial = options.persona;
  let fallback: ((r: LoggedRequest) => FakeReply | undefined) | undefined =
    initial ? (r) => answerAs(initial, r) : undefined;
  let port = 0;
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  // Aborted on close/down so slow replies stop waiting.
  let lifetime = new AbortController();

  function take(endpoint: FakeEndpoint | "unknown"): FakeReply | undefined {
    const i = queue.findIndex((r) =>
      r.endpoint === undefined
        ? endpoint === "chat" || endpoint === "generate"
        : r.endpoint === endpoint
    );
    if (i === -1) return undefined;
    return queue.splice(i, 1)[0];
  }

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const endpoint = endpointOf(url.pathname);
    const text = req.method === "POST" ? await req.text() : "";
    // deno-lint-ignore no-explicit-any
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // logged as text
    }
    const logged: LoggedRequest = {
      endpoint,
      method: req.method,
      path: url.pathname,
      model: typeof body?.model === "string" ? body.model : undefined,
      body,
    };
    requests.push(logged);
    if (endpoint === "unknown") return json({ error: "not found" }, 404);
    const reply = take(endpoint) ?? fallback?.(logged) ?? {};
    const signal = lifetime.signal;
    await sleep(reply.delayMs ?? 0, signal);
    if (reply.status !== undefined && reply.status >= 400) {
      return json(
        { error: reply.error ?? `status ${reply.status}` },
        reply.status,
      );
    }
    if (endpoint === "tags") {
      return json({
        models: models.map((name) => ({
          name,
          model: name,
          modified_at: "2026-01-01T00:00:00Z",
          size: 1_000_000,
          digest: "0".repeat(64),
          details: {
            parent_model: "",
            format: "gguf",
            family: "fake",
            families: ["fake"],
            parameter_size: "1B",
            quantization_level: "Q4_K_M",
          },
        })),
      });
    }
    if (typeof body !== "object" || body === null) {
      return json({ error: "invalid request body" }, 400);
    }
    const model = String(body.model ?? "");
    if (!models.includes(baseName(model))) {
      return json(
        { error: `model "${model}" not found, try pulling it first` },
        404,
      );
    }
    if (endpoint === "embed") return embed(model, body, reply);
    return chatOrGenerate(endpoint, model, body, reply, signal);
  }

  // deno-lint-ignore no-explicit-any
  function embed(model: string, body: any, reply: FakeReply): Response {
    if (reply.malformed) {
      return new Response('{"model": "x", "embeddings": [[0.1,', {
        headers: { "content-type": "application/json" },
      });
    }
    const input: string[] = Array.isArray(body.input)
      ? body.input.map(String)
      : [String(body.input ?? "")];
    const embeddings = reply.embeddings ??
      input.map((t) =>
        fakeEmbedding(t, widths.get(baseName(model)) ?? dimensions)
      );
    return json({
      model,
      embeddings,
      total_duration: 1000,
      load_duration: 100,
      prompt_eval_count: input.reduce((n, t) => n + t.length, 0),
    });
  }

  function chatOrGenerate(
    endpoint: "chat" | "generate",
    model: string,
    // deno-lint-ignore no-explicit-any
    body: any,
    reply: FakeReply,
    signal: AbortSignal,
  ): Response {
    const content = reply.content ?? defaultContent;
    const chunks = reply.chunks ?? splitTokens(content);
    const createdAt = new Date().toISOString();
    const promptChars = JSON.stringify(body.messages ?? body.prompt ?? "")
      .length;
    const piece = (tok: string) =>
      endpoint === "chat"
        ? {
          model,
          created_at: createdAt,
          message: { role: "assistant", content: tok },
          done: false,
        }
        : { model, created_at: createdAt, response: tok, done: false };
    const final = {
      ...piece(""),
      done: true,
      done_reason: "stop",
      total_duration: 1_000_000,
      load_duration: 100_000,
      prompt_eval_count: Math.ceil(promptChars / 4),
      prompt_eval_duration: 100_000,
      eval_count: chunks.length,
      eval_duration: 800_000,
      ...(endpoint === "generate" ? { context: [1, 2, 3] } : {}),
    };
    if (body.stream === false) {
      if (reply.malformed) {
        return new Response('{"model": "' + model + '", "message": {', {
          headers: { "content-type": "application/json" },
        });
      }
      if (reply.dropAfterChunks !== undefined) {
        return new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(encoder.encode('{"model":'));
              c.error(new Error("fake ollama dropped the connection"));
            },
          }),
          { headers: { "content-type": "application/json" } },
        );
      }
      return json(
        endpoint === "chat"
          ? { ...final, message: { role: "assistant", content } }
          : { ...final, response: content },
      );
    }
    const stream = new ReadableStream<Uint8Array>({
      async start(c) {
        const line = (o: unknown) =>
          c.enqueue(encoder.encode(JSON.stringify(o) + "\n"));
        for (let i = 0; i < chunks.length; i++) {
          if (reply.dropAfterChunks === i) {
            // Lets the chunks already sent leave before the connection breaks.
            if (i > 0) await sleep(30, signal);
            c.error(new Error("fake ollama dropped the connection"));
            return;
          }
          if (i > 0) await sleep(reply.chunkDelayMs ?? 0, signal);
          if (signal.aborted) break;
          line(piece(chunks[i] ?? ""));
          if (reply.malformed && i === 0) {
            c.enqueue(encoder.encode('{"model": "' + model + '", "mess\n'));
          }
        }
        if (reply.dropAfterChunks !== undefined) {
          c.error(new Error("fake ollama dropped the connection"));
          return;
        }
        if (!reply.omitDone) line(final);
        c.close();
      },
    });
    return new Response(stream, {
      headers: { "content-type": "application/x-ndjson" },
    });
  }

  function listen(): Deno.HttpServer<Deno.NetAddr> {
    const s = Deno.serve({
      hostname: "127.0.0.1",
      port,
      onListen: () => {},
      // A dropped stream is the scripted behaviour, not a fault of the fake.
      onError: () => new Response(null, { status: 500 }),
    }, handle);
    port = s.addr.port;
    return s;
  }

  server = listen();
  const url = `http://127.0.0.1:${port}`;

  async function stop(): Promise<void> {
    lifetime.abort();
    const s = server;
    server = undefined;
    if (s) {
      await s.shutdown();
      await s.finished;
    }
  }

  const fake: FakeOllama = {
    url,
    requests,
    script(...replies) {
      queue.push(...replies);
    },
    respond(fn) {
      fallback = fn;
    },
    persona(persona) {
      fallback = (r) => answerAs(persona, r);
    },
    setModels(list) {
      models = list.map(baseName);
    },
    down: stop,
    up() {
      if (server) return;
      lifetime = new AbortController();
      server = listen();
    },
    close: stop,
    [Symbol.asyncDispose]: stop,
  };
  return Promise.resolve(fake);
}
