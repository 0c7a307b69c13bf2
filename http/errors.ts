/**
 * HTTP errors: one class for errors routes throw on purpose, and the mapping
 * of everything else (validation, runtime, storage) to a status and the
 * `{ "error": { code, message, details? } }` body. Unknown errors become a
 * generic 500 that names the request id; a stack trace never leaves the server.
 *
 * @module
 */
import { HTTPException } from "hono/http-exception";
import { ZodError as ZodErrorClass } from "zod";
import type { ContentfulStatusCode, ZodError } from "./_npm_types.ts";
import {
  AskTimeoutError,
  InvalidMessageError,
  PayloadTooLargeError,
  SystemStoppedError,
} from "../runtime/errors.ts";
import {
  ConstraintError,
  DatabaseUnavailableError,
  DuplicateError,
  MissingReferenceError,
  NotFoundError,
  StateError,
  storageWriteErrorOf,
} from "../storage/errors.ts";
import type { ErrorBody } from "./schemas.ts";
import { omitUndefined } from "../runtime/optional.ts";

/**
 * An error with an HTTP status, a stable machine-readable code and a message
 * that is safe to show to the caller.
 *
 * @example
 * ```ts
 * import { ApiError } from "./errors.ts";
 * const error = new ApiError(404, "build_not_found", "no build with this id");
 * error.status; // 404
 * ```
 */
export class ApiError extends Error {
  /** The error's class name. */
  override name = "ApiError";
  /** An error answered as `status` with the stable machine-readable `code`. */
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, such as `Retry-After`. */
    readonly headers?: Record<string, string>,
    /** What went wrong underneath: logged on the server for 5xx, never sent. */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** Turns an error it recognizes into an {@linkcode ApiError}; returns `undefined` otherwise. */
export type ErrorMapper = (error: unknown) => ApiError | undefined;

/** One validation problem: where, and what. */
export interface Issue {
  path: string;
  message: string;
}

const TARGET_NAMES: Record<string, string> = {
  json: "body",
  form: "body",
  query: "query",
  param: "path",
  header: "header",
  cookie: "cookie",
};

/**
 * A 400 naming each failing field, from zod issues.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { validationError } from "./errors.ts";
 * const r = z.object({ code: z.string() }).safeParse({});
 * if (!r.success) console.log(validationError(r.error, "json").message); // body.code: ...
 * ```
 */
export function validationError(error: ZodError, target?: string): ApiError {
  const prefix = target ? TARGET_NAMES[target] ?? target : undefined;
  const issues: Issue[] = error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== undefined)
      .join("."),
    message: issue.message,
  }));
  const summary = issues.slice(0, 3).map((i) =>
    `${i.path || "(root)"}: ${i.message}`
  ).join("; ");
  return new ApiError(
    400,
    "invalid_request",
    summary || "invalid request",
    { issues },
  );
}

/** Errors of Hono's own (malformed JSON, wrong media type, ...). */
function fromHttpException(error: HTTPException): ApiError {
  const status = error.status as ContentfulStatusCode;
  if (status === 400 && /json/i.test(error.message)) {
    return new ApiError(400, "invalid_json", "request body is not valid JSON");
  }
  if (status === 415) {
    return new ApiError(
      415,
      "unsupported_media_type",
      "send the body as application/json",
    );
  }
  if (status === 413) {
    return new ApiError(413, "payload_too_large", "request body is too large");
  }
  const code = status < 500 ? "bad_request" : "internal";
  return new ApiError(
    status,
    code,
    status < 500 ? error.message || "bad request" : "internal server error",
  );
}

/** The runtime's typed errors, as a request sees them. */
export const runtimeErrorMapper: ErrorMapper = (
  error,
): ApiError | undefined => {
  if (error instanceof AskTimeoutError) {
    return new ApiError(
      503,
      "actor_timeout",
      "the service did not answer in time; try again",
      undefined,
      { "Retry-After": "1" },
      error,
    );
  }
  if (error instanceof SystemStoppedError) {
    return new ApiError(
      503,
      "shutting_down",
      "this node is shutting down; try again",
      undefined,
      { "Retry-After": "1" },
    );
  }
  if (error instanceof InvalidMessageError) {
    return new ApiError(
      400,
      "invalid_request",
      error.message,
      { issues: error.issues },
    );
  }
  if (error instanceof PayloadTooLargeError) {
    return new ApiError(413, "payload_too_large", error.message);
  }
  return undefined;
};

/**
 * Storage's typed errors: not found 404, duplicate 409, forbidden state
 * change 409, malformed value 400, rule broken 422, database down 503, a
 * write refused for want of space (or by the disk guard) 503
 * `storage_unavailable` naming the store and the cause. Driver messages are
 * not passed on otherwise; the codes and names are.
 */
export const storageErrorMapper: ErrorMapper = (
  error,
): ApiError | undefined => {
  const write = storageWriteErrorOf(error);
  if (write) {
    return new ApiError(
      503,
      "storage_unavailable",
      `${write.message}; nothing was written, try again later`,
      { store: write.store, reason: write.reason },
      { "Retry-After": "30" },
      error,
    );
  }
  if (error instanceof NotFoundError) {
    return new ApiError(404, "not_found", `${error.entity} not found`);
  }
  if (error instanceof DuplicateError) {
    return new ApiError(
      409,
      "conflict",
      `${error.table ?? "a row"} with this value already exists`,
      error.constraint ? { constraint: error.constraint } : undefined,
    );
  }
  if (error instanceof StateError) {
    return new ApiError(409, "invalid_state", error.message);
  }
  if (error instanceof ConstraintError) {
    const malformed = error.reason === "invalid_text" ||
      error.reason === "invalid_json";
    return new ApiError(
      malformed ? 400 : 422,
      malformed ? "invalid_request" : "constraint_violation",
      `a value breaks the rules of ${error.table ?? "the data"} (${
        error.constraint ?? error.reason
      })`,
      { reason: error.reason, constraint: error.constraint ?? null },
    );
  }
  if (error instanceof MissingReferenceError) {
    return new ApiError(
      422,
      "missing_reference",
      "a referenced item does not exist",
      error.constraint ? { constraint: error.constraint } : undefined,
    );
  }
  if (error instanceof DatabaseUnavailableError) {
    return new ApiError(
      503,
      "database_unavailable",
      "the database is unavailable; try again later",
      undefined,
      { "Retry-After": "5" },
      error,
    );
  }
  return undefined;
};

/**
 * Maps any thrown value to an {@linkcode ApiError}: ApiError as is, zod errors
 * to 400, Hono's HTTP exceptions to their status, then each mapper in turn;
 * anything else to a generic 500 that only names the request id.
 */
export function toApiError(
  error: unknown,
  requestId: string,
  mappers: readonly ErrorMapper[] = [runtimeErrorMapper, storageErrorMapper],
): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ZodErrorClass) return validationError(error);
  if (error instanceof HTTPException) return fromHttpException(error);
  for (const mapper of mappers) {
    const mapped = mapper(error);
    if (mapped) return mapped;
  }
  return new ApiError(
    500,
    "internal",
    `internal server error; quote request id ${requestId} when reporting it`,
  );
}

/** The JSON body of an error response. */
export function errorBody(error: ApiError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...omitUndefined({ details: error.details }),
      requestId,
    },
  };
}
