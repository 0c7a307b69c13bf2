/**
 * Troupe's access to Ollama: streamed chat generation, embeddings and a health
 * check through `npm:ollama`, with a timeout per call, retries with
 * exponential backoff on transient failures (network errors, 5xx) and errors
 * that say what to do (`ollama serve`, `ollama pull <model>`).
 *
 * Also parses fenced code blocks out of model output
 * ({@linkcode extractCodeBlocks}); deciding what to do with malformed output is
 * the workflow's job.
 *
 * @module
 */
import { Ollama } from "ollama";

/** One chat message. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** What one model call cost, for metrics (`recordLlmRequest`). */
export interface LlmObservation {
  model: string;
  operation: "chat" | "embed" | "health";
  durationSeconds: number;
  promptTokens?: number;
  completionTokens?: number;
  /** `ok`, or the error class name. */
  outcome: string;
}

/** Options of {@linkcode createModelClient}. */
export interface ModelClientOptions {
  /** Ollama's base URL (OLLAMA_HOST). */
  host: string;
  /** Chat model (OLLAMA_MODEL). */
  model: string;
  /** Embedding model (OLLAMA_EMBED_MODEL). */
  embedModel: string;
  /** Width of the embedding model's vectors (EMBED_DIMENSIONS). */
  dimensions: number;
  /** Limit of one call, retries not included (OLLAMA_TIMEOUT_MS). Default 120 s. */
  timeoutMs?: number;
  /** Retries after the first attempt on transient failures. Default 2. */
  retries?: number;
  /** First backoff delay; doubled on each retry. Default 500 ms. */
  backoffMs?: number;
  /** Largest backoff delay. Default 10 s. */
  maxBackoffMs?: number;
  /** Texts per `/api/embed` request. Default 64. */
  embedBatchSize?: number;
  /** Sampling options passed to Ollama (temperature, num_ctx, ...). */
  modelOptions?: Record<string, number | string | boolean>;
  /** The fetch to use. Default: the global one. */
  fetch?: typeof fetch;
  /** Called once per finished or failed call. */
  observe?: (observation: LlmObservation) => void;
}

/** Options of one {@linkcode ModelClient.generate} call. */
export interface GenerateOptions {
  /** Receives each streamed piece of text, in order. */
  onToken?: (token: string) => void;
  /** Cancels the call (the caller's cancellation, not a timeout). */
  signal?: AbortSignal;
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number;
}

/** The outcome of a health check; never throws. */
export interface ModelHealth {
  ok: boolean;
  host: string;
  /** Models installed on the server. */
  models: string[];
  /** Configured models that are not installed. */
  missing: string[];
  /** Why the check failed, with what to do. */
  error?: string;
}

/** A configured Ollama client. */
export interface ModelClient {
  readonly host: string;
  readonly model: string;
  readonly embedModel: string;
  readonly dimensions: number;
  /**
   * Streams a chat completion; resolves with the whole text. Tokens reach
   * `onToken` as they arrive.
   */
  generate(messages: ChatMessage[], options?: GenerateOptions): Promise<string>;
  /** Embeds texts with the embedding model; one vector per text, in order. */
  embed(texts: readonly string[]): Promise<number[][]>;
  /** Whether Ollama answers and has both models. */
  health(): Promise<ModelHealth>;
}

/** Base class of the model client's errors. */
export class ModelError extends Error {
  override name = "ModelError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Ollama cannot be reached, keeps failing, or does not have the model. The
 * message names OLLAMA_HOST's value and how to start Ollama / pull the model.
 */
export class ModelUnavailableError extends ModelError {
  override name = "ModelUnavailableError";
  constructor(
    readonly host: string,
    readonly model: string,
    readonly reason: "unreachable" | "missing_model" | "server_error",
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      reason === "missing_model"
        ? `Ollama at ${host} (OLLAMA_HOST) does not have the model "${model}" (${detail}). ` +
          `Pull it with \`ollama pull ${model}\`.`
        : `Ollama at ${host} (OLLAMA_HOST) is ${
          reason === "unreachable" ? "not reachable" : "failing"
        }: ${detail}. Start Ollama with \`ollama serve\` (or set OLLAMA_HOST to a running server) ` +
          `and pull the model with \`ollama pull ${model}\`.`,
      options,
    );
  }
}

/** A call took longer than its timeout and was aborted. */
export class ModelTimeoutError extends ModelError {
  override name = "ModelTimeoutError";
  constructor(
    readonly host: string,
    readonly model: string,
    readonly timeoutMs: number,
  ) {
    super(
      `Ollama at ${host} (OLLAMA_HOST) did not finish a "${model}" call within ${timeoutMs} ms ` +
        "(OLLAMA_TIMEOUT_MS); the call was aborted",
    );
  }
}

/**
 * Ollama answered something that is not its protocol: malformed JSON or
 * NDJSON, a stream without its final message, embeddings of the wrong width,
 * or a refused request (4xx other than a missing model).
 */
export class ModelResponseError extends ModelError {
  override name = "ModelResponseError";
  constructor(
    readonly host: string,
    readonly model: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Ollama at ${host} answered badly for "${model}": ${detail}`,
      options,
    );
  }
}

interface ResponseErrorLike {
  name: string;
  status_code: number;
  error: string;
}

function isResponseError(e: unknown): e is ResponseErrorLike {
  return e instanceof Error && e.name === "ResponseError" &&
    typeof (e as Partial<ResponseErrorLike>).status_code === "number";
}

/** Why a stream validator gave up; carried through the body stream. */
class MalformedBody extends Error {
  override name = "MalformedBody";
}

/** Lets the bytes through unchanged and errors the stream on a line that is not JSON. */
function ndjsonValidator(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let buffer = "";
  const check = (line: string) => {
    if (line.trim() === "") return;
    try {
      JSON.parse(line);
    } catch {
      throw new MalformedBody(
        `malformed NDJSON line in the stream: ${
          JSON.stringify(line.slice(0, 120))
        }`,
      );
    }
  };
  return new TransformStream({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true });
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) check(line);
      controller.enqueue(chunk);
    },
    flush() {
      buffer += decoder.decode();
      check(buffer);
    },
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error
      ? `: ${error.cause.message}`
      : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** Failure classes inside one attempt. */
type Attempt =
  | { kind: "transient"; error: ModelError }
  | { kind: "final"; error: unknown };

/**
 * Creates an Ollama client.
 *
 * @example
 * ```ts ignore
 * import { createModelClient } from "./llm.ts";
 * const model = createModelClient({
 *   host: "http://127.0.0.1:11434",
 *   model: "qwen2.5-coder:7b",
 *   embedModel: "nomic-embed-text",
 *   dimensions: 768,
 * });
 * const text = await model.generate(
 *   [{ role: "user", content: "Write add(a, b) in TypeScript" }],
 *   { onToken: (t) => console.log(t) },
 * );
 * ```
 */
export function createModelClient(options: ModelClientOptions): ModelClient {
  const {
    host,
    model,
    embedModel,
    dimensions,
    timeoutMs = 120_000,
    retries = 2,
    backoffMs = 500,
    maxBackoffMs = 10_000,
    embedBatchSize = 64,
    observe,
  } = options;
  const baseFetch = options.fetch ?? fetch;

  /** An Ollama client whose every request obeys `signal`; streamed bodies are checked line by line. */
  function clientFor(signal: AbortSignal, validateStream: boolean): Ollama {
    const callFetch: typeof fetch = async (input, init) => {
      const merged = init?.signal
        ? AbortSignal.any([init.signal, signal])
        : signal;
      const response = await baseFetch(input, { ...init, signal: merged });
      if (!validateStream || !response.ok || !response.body) return response;
      return new Response(response.body.pipeThrough(ndjsonValidator()), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    };
    return new Ollama({ host, fetch: callFetch });
  }

  /** Translates what one attempt threw. */
  function classify(
    error: unknown,
    modelName: string,
    timedOut: boolean,
    callTimeout: number,
    callerSignal: AbortSignal | undefined,
  ): Attempt {
    if (callerSignal?.aborted) {
      return { kind: "final", error: callerSignal.reason ?? error };
    }
    if (timedOut) {
      return {
        kind: "final",
        error: new ModelTimeoutError(host, modelName, callTimeout),
      };
    }
    if (error instanceof ModelError) return { kind: "final", error };
    if (error instanceof MalformedBody) {
      return {
        kind: "final",
        error: new ModelResponseError(host, modelName, error.message),
      };
    }
    if (isResponseError(error)) {
      const status = error.status_code;
      if (status === 404) {
        return {
          kind: "final",
          error: new ModelUnavailableError(
            host,
            modelName,
            "missing_model",
            `HTTP 404: ${error.error}`,
            { cause: error },
          ),
        };
      }
      if (status >= 500 || status === 429) {
        return {
          kind: "transient",
          error: new ModelUnavailableError(
            host,
            modelName,
            "server_error",
            `HTTP ${status}: ${error.error}`,
            { cause: error },
          ),
        };
      }
      return {
        kind: "final",
        error: new ModelResponseError(
          host,
          modelName,
          `HTTP ${status}: ${error.error}`,
          { cause: error },
        ),
      };
    }
    if (
      error instanceof Error && /Did not receive done/.test(error.message)
    ) {
      return {
        kind: "final",
        error: new ModelResponseError(
          host,
          modelName,
          'the stream ended without its final "done" message (truncated or malformed NDJSON)',
          { cause: error },
        ),
      };
    }
    if (error instanceof SyntaxError) {
      return {
        kind: "final",
        error: new ModelResponseError(
          host,
          modelName,
          `malformed JSON: ${error.message}`,
          { cause: error },
        ),
      };
    }
    if (
      error instanceof Error && !(error instanceof TypeError) &&
      error.name === "Error"
    ) {
      // An `{"error": ...}` line inside a stream.
      return {
        kind: "final",
        error: new ModelResponseError(host, modelName, error.message, {
          cause: error,
        }),
      };
    }
    // fetch's TypeError (connection refused, reset, body cut off) and the like.
    return {
      kind: "transient",
      error: new ModelUnavailableError(
        host,
        modelName,
        "unreachable",
        describe(error),
        { cause: error },
      ),
    };
  }

  /**
   * Runs `attempt` with a fresh timeout each time, retrying transient
   * failures with exponential backoff while `retryable()` allows it.
   */
  async function withRetries<T>(
    modelName: string,
    operation: LlmObservation["operation"],
    callerSignal: AbortSignal | undefined,
    callTimeout: number,
    attempt: (signal: AbortSignal) => Promise<T>,
    retryable: () => boolean = () => true,
  ): Promise<T> {
    const started = performance.now();
    let lastError: unknown;
    for (let n = 0; n <= retries; n++) {
      if (n > 0) {
        const delay = Math.min(maxBackoffMs, backoffMs * 2 ** (n - 1));
        await sleep(delay, callerSignal);
      }
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new ModelTimeoutError(host, modelName, callTimeout));
      }, callTimeout);
      const onCallerAbort = () => controller.abort(callerSignal?.reason);
      callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
      try {
        if (callerSignal?.aborted) throw callerSignal.reason;
        const result = await attempt(controller.signal);
        observe?.({
          model: modelName,
          operation,
          durationSeconds: (performance.now() - started) / 1000,
          outcome: "ok",
          ...(typeof result === "object" && result !== null &&
              "usage" in result
            ? (result as { usage: Partial<LlmObservation> }).usage
            : {}),
        });
        return result;
      } catch (error) {
        const outcome = classify(
          error,
          modelName,
          timedOut,
          callTimeout,
          callerSignal,
        );
        lastError = outcome.error;
        if (outcome.kind === "final" || !retryable()) break;
      } finally {
        clearTimeout(timer);
        // Releases a response body the client library left unread.
        controller.abort();
        callerSignal?.removeEventListener("abort", onCallerAbort);
      }
    }
    observe?.({
      model: modelName,
      operation,
      durationSeconds: (performance.now() - started) / 1000,
      outcome: lastError instanceof Error ? lastError.name : "error",
    });
    throw lastError;
  }

  async function generate(
    messages: ChatMessage[],
    opts: GenerateOptions = {},
  ): Promise<string> {
    let emitted = 0;
    const result = await withRetries(
      model,
      "chat",
      opts.signal,
      opts.timeoutMs ?? timeoutMs,
      async (signal) => {
        const stream = await clientFor(signal, true).chat({
          model,
          messages,
          stream: true,
          ...(options.modelOptions ? { options: options.modelOptions } : {}),
        });
        let text = "";
        let done = false;
        let usage: Partial<LlmObservation> = {};
        for await (const part of stream) {
          const piece = part.message?.content ?? "";
          if (piece !== "") {
            text += piece;
            emitted++;
            opts.onToken?.(piece);
          }
          if (part.done) {
            done = true;
            usage = {
              ...(part.prompt_eval_count !== undefined
                ? { promptTokens: part.prompt_eval_count }
                : {}),
              ...(part.eval_count !== undefined
                ? { completionTokens: part.eval_count }
                : {}),
            };
          }
        }
        if (!done) {
          throw new ModelResponseError(
            host,
            model,
            `the stream ended without its final "done" message after ${text.length} characters (truncated or malformed NDJSON)`,
          );
        }
        return { text, usage };
      },
      // Tokens already shown cannot be taken back, so a broken stream is not replayed.
      () => emitted === 0,
    );
    return result.text;
  }

  async function embed(texts: readonly string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += embedBatchSize) {
      const batch = texts.slice(i, i + embedBatchSize);
      const vectors = await withRetries(
        embedModel,
        "embed",
        undefined,
        timeoutMs,
        async (signal) => {
          const response = await clientFor(signal, false).embed({
            model: embedModel,
            input: [...batch],
          });
          const embeddings = response?.embeddings;
          if (
            !Array.isArray(embeddings) || embeddings.length !== batch.length
          ) {
            throw new ModelResponseError(
              host,
              embedModel,
              `expected ${batch.length} embeddings, got ${
                Array.isArray(embeddings) ? embeddings.length : "none"
              }`,
            );
          }
          for (const v of embeddings) {
            if (!Array.isArray(v) || v.length !== dimensions) {
              throw new ModelResponseError(
                host,
                embedModel,
                `embeddings have ${
                  Array.isArray(v) ? v.length : "no"
                } dimensions, expected ${dimensions} (EMBED_DIMENSIONS); ` +
                  "set EMBED_DIMENSIONS to the model's width or pick the model the collections were built with",
              );
            }
          }
          return embeddings;
        },
      );
      out.push(...vectors);
    }
    return out;
  }

  async function health(): Promise<ModelHealth> {
    try {
      const list = await withRetries(
        model,
        "health",
        undefined,
        Math.min(timeoutMs, 5_000),
        (signal) => clientFor(signal, false).list(),
        () => false,
      );
      const installed = list.models.map((m) => m.name);
      const has = (name: string) => {
        const full = name.includes(":") ? name : `${name}:latest`;
        return installed.includes(name) || installed.includes(full);
      };
      const missing = [...new Set([model, embedModel])].filter((m) => !has(m));
      return {
        ok: missing.length === 0,
        host,
        models: installed,
        missing,
        ...(missing.length > 0
          ? {
            error: `Ollama at ${host} lacks ${
              missing.map((m) => `"${m}"`).join(", ")
            }; pull with ${
              missing.map((m) => `\`ollama pull ${m}\``).join(" and ")
            }`,
          }
          : {}),
      };
    } catch (error) {
      return {
        ok: false,
        host,
        models: [],
        missing: [],
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }

  return { host, model, embedModel, dimensions, generate, embed, health };
}

/** One fenced code block found in model output. */
export interface CodeBlock {
  /** The info string's language, lower-cased; `typescript`/`javascript` become `ts`/`js`; "" when absent. */
  lang: string;
  /** File name from `file=`/`path=`/`filename=` in the info string, or a `// file: x` line before or at the top of the block. */
  path?: string;
  /** Same as `path` (kept for callers that read `filename`). */
  filename?: string;
  /** The block's content, without the fences and without a leading file-name comment. */
  code: string;
  /** False when the output ended before the closing fence. */
  closed: boolean;
}

const LANG_ALIASES: Record<string, string> = {
  typescript: "ts",
  javascript: "js",
  "typescript-react": "tsx",
  "javascript-react": "jsx",
  markdown: "md",
  shell: "sh",
  bash: "sh",
  python: "py",
};

const OPEN_FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`]*)$/;
const FILE_COMMENT =
  /^\s*(?:\/\/|#|--|<!--|\/\*)?\s*(?:file(?:name)?|path)\s*:\s*`?([^\s`*]+?)`?\s*(?:-->|\*\/)?\s*$/i;
const PATH_TOKEN = /^[\w@.+-][\w@.+\/-]*\.[A-Za-z0-9]+$/;

/** A lone path on a line: `**src/mod.ts**`, `### src/mod.ts`, `` `src/mod.ts`: ``. */
function lonePath(line: string): string | undefined {
  const m = line.trim().replace(/^#{1,6}\s+/, "").replace(/:$/, "")
    .replace(/^(\*\*|__|`)(.*)\1$/, "$2").replace(/^`(.*)`$/, "$1").trim();
  return PATH_TOKEN.test(m) ? m : undefined;
}

function pathFromInfo(rest: string[]): string | undefined {
  for (const token of rest) {
    const m = token.match(/^(?:file|filename|path|title)=["']?([^"']+)["']?$/i);
    if (m) return m[1];
  }
  const first = rest[0];
  return first !== undefined && PATH_TOKEN.test(first) ? first : undefined;
}

/**
 * Finds the fenced code blocks in model output, with the file each one is
 * meant for when the output says so: an info string such as
 * `ts file=src/mod.ts` (also `path=`, `filename=`, or a bare `ts src/mod.ts`),
 * a `// file: src/mod.ts` (or `**src/mod.ts**`) line just before the fence,
 * or a `// file: src/mod.ts` first line inside the block.
 *
 * @example
 * ```ts
 * import { extractCodeBlocks } from "./llm.ts";
 * const fence = "`".repeat(3);
 * const [block] = extractCodeBlocks(
 *   `${fence}ts file=mod.ts\nexport const x = 1;\n${fence}`,
 * );
 * console.assert(block?.path === "mod.ts" && block.code === "export const x = 1;");
 * ```
 */
export function extractCodeBlocks(text: string): CodeBlock[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const blocks: CodeBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const open = lines[i]?.match(OPEN_FENCE);
    if (!open) {
      i++;
      continue;
    }
    const fence = open[1] ?? "```";
    const info = (open[2] ?? "").trim().split(/\s+/).filter(Boolean);
    const rawLang = (info[0] ?? "").toLowerCase().replace(/^\{?\.?/, "")
      .replace(/[,}]$/, "");
    const infoHasPath = rawLang.includes("=") || PATH_TOKEN.test(rawLang) &&
        !LANG_ALIASES[rawLang] && rawLang.includes("/");
    const lang = infoHasPath ? "" : LANG_ALIASES[rawLang] ?? rawLang;
    let path = pathFromInfo(infoHasPath ? info : info.slice(1));
    if (path === undefined) {
      // The nearest non-blank line before the fence.
      let j = i - 1;
      while (j >= 0 && lines[j]?.trim() === "") j--;
      if (j >= 0 && j >= i - 2) {
        const before = lines[j] ?? "";
        path = before.match(FILE_COMMENT)?.[1] ?? lonePath(before);
      }
    }
    const body: string[] = [];
    let closed = false;
    i++;
    while (i < lines.length) {
      const line = lines[i] ?? "";
      const trimmed = line.trim();
      if (
        trimmed.startsWith(fence[0]!.repeat(fence.length)) &&
        /^(`+|~+)$/.test(trimmed) && trimmed[0] === fence[0]
      ) {
        closed = true;
        i++;
        break;
      }
      body.push(line);
      i++;
    }
    if (path === undefined && body.length > 0) {
      const first = body[0]?.match(FILE_COMMENT);
      if (first) {
        path = first[1];
        body.shift();
      }
    }
    const block: CodeBlock = { lang, code: body.join("\n"), closed };
    if (path !== undefined) {
      block.path = path;
      block.filename = path;
    }
    blocks.push(block);
  }
  return blocks;
}
