/**
 * Troupe's access to Ollama: streamed chat generation, embeddings and a health
 * check through `npm:ollama`, with a timeout per call, retries with
 * exponential backoff on transient failures (network errors, 5xx) and errors
 * that say what to do (`ollama serve`, `ollama pull <model>`).
 *
 * Reading the answers is the workflow's job (actors/workflow/answers/).
 *
 * @module
 */
import { Ollama } from "ollama";
import { exponentialDelay, retry } from "../../runtime/retry.ts";
import { omitUndefined } from "../../runtime/optional.ts";

/** One chat message. */
export interface ChatMessage {
  /** Who says it: the instructions, the user, or the model. */
  role: "system" | "user" | "assistant";
  /** The message's text. */
  content: string;
}

/** What one model call cost, for metrics (`recordLlmRequest`). */
export interface LlmObservation {
  /** The model called. */
  model: string;
  /** What was asked of it. */
  operation: "chat" | "embed" | "health";
  /** Wall-clock time of the call, in seconds. */
  durationSeconds: number;
  /** Tokens of the prompt, when the server reports them. */
  promptTokens?: number;
  /** Tokens generated, when the server reports them. */
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
  /** How long Ollama keeps the model loaded after a call (OLLAMA_KEEP_ALIVE: "5m", "-1", "0"). */
  keepAlive?: string | number;
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
  /**
   * Ollama's `format`: `"json"` or a JSON schema the answer is held to
   * (constrained decoding, Ollama >= 0.5).
   */
  format?: string | Record<string, unknown>;
  /** The chat model of this call instead of the client's (a build's own model). */
  model?: string;
}

/** The outcome of a health check; never throws. */
export interface ModelHealth {
  /** True when the server answers and every configured model is installed. */
  ok: boolean;
  /** The server checked (OLLAMA_HOST). */
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
  /** The Ollama server's URL (OLLAMA_HOST). */
  readonly host: string;
  /** The chat model used when a call names none (OLLAMA_MODEL). */
  readonly model: string;
  /** The embedding model (OLLAMA_EMBED_MODEL). */
  readonly embedModel: string;
  /** Length of the embedding vectors. */
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
  /**
   * The names of the models installed on the server (`/api/tags`). Throws
   * {@linkcode ModelUnavailableError} when Ollama cannot be reached.
   */
  listModels(): Promise<string[]>;
}

/** Base class of the model client's errors. */
export class ModelError extends Error {
  /** The error's class name. */
  override name = "ModelError";
  /**
   * An error with `message`, optionally wrapping the client's error as `cause`.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Ollama cannot be reached, keeps failing, or does not have the model. The
 * message names OLLAMA_HOST's value and how to start Ollama / pull the model.
 */
export class ModelUnavailableError extends ModelError {
  /** The error's class name. */
  override name = "ModelUnavailableError";
  /** Names the server, the model, what is wrong, and how to fix it. */
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
  /** The error's class name. */
  override name = "ModelTimeoutError";
  /** Names the server, the model and the timeout that ran out. */
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

/** One attempt's classified failure, on its way through the retry helper. */
class FailedAttempt extends Error {
  constructor(readonly attempt: Attempt) {
    super("model call attempt failed");
  }
}

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
    const once = async (): Promise<T> => {
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
        throw new FailedAttempt(
          classify(error, modelName, timedOut, callTimeout, callerSignal),
        );
      } finally {
        clearTimeout(timer);
        // Releases a response body the client library left unread.
        controller.abort();
        callerSignal?.removeEventListener("abort", onCallerAbort);
      }
    };
    try {
      return await retry(once, {
        retries,
        delay: (n) =>
          exponentialDelay(n, { initialMs: backoffMs, maxMs: maxBackoffMs }),
        shouldRetry: (failed) =>
          failed instanceof FailedAttempt &&
          failed.attempt.kind !== "final" && retryable(),
        signal: callerSignal,
      });
    } catch (failed) {
      // Anything else is the caller's abort during a backoff wait.
      if (!(failed instanceof FailedAttempt)) throw failed;
      const lastError = failed.attempt.error;
      observe?.({
        model: modelName,
        operation,
        durationSeconds: (performance.now() - started) / 1000,
        outcome: lastError instanceof Error ? lastError.name : "error",
      });
      throw lastError;
    }
  }

  async function generate(
    messages: ChatMessage[],
    opts: GenerateOptions = {},
  ): Promise<string> {
    let emitted = 0;
    const callModel = opts.model ?? model;
    const result = await withRetries(
      callModel,
      "chat",
      opts.signal,
      opts.timeoutMs ?? timeoutMs,
      async (signal) => {
        const stream = await clientFor(signal, true).chat({
          model: callModel,
          messages,
          stream: true,
          ...omitUndefined({
            format: opts.format,
            keep_alive: options.keepAlive,
          }),
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
            callModel,
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

  async function listModels(): Promise<string[]> {
    const list = await withRetries(
      model,
      "health",
      undefined,
      Math.min(timeoutMs, 5_000),
      (signal) => clientFor(signal, false).list(),
      () => false,
    );
    return list.models.map((m) => m.name);
  }

  async function health(): Promise<ModelHealth> {
    try {
      const installed = await listModels();
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

  return {
    host,
    model,
    embedModel,
    dimensions,
    generate,
    embed,
    health,
    listModels,
  };
}
