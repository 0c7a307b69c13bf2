/**
 * The console's way into the API: every page reads and writes through the
 * same `/v1` routes (and their validation, quotas and audit) as any other
 * client, with the signed-in person's key as the bearer token.
 *
 * @module
 */

/** Serves an API request; the Hono app's `fetch` fits. */
export type ApiFetch = (
  request: Request,
  env?: unknown,
) => Response | Promise<Response>;

/** An API error as the console shows it. */
export interface ApiFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Field paths (e.g. `body.project`) with their messages. */
  readonly issues: readonly { path: string; message: string }[];
}

/** The outcome of one call. */
export type ApiResult<T> =
  | { readonly ok: true; readonly status: number; readonly data: T }
  | { readonly ok: false; readonly error: ApiFailure };

/** Calls the API as one person. */
export interface ApiClient {
  call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ApiResult<T>>;
  /** The raw response (streams, downloads); `init.headers` are added to the bearer. */
  raw(path: string, init?: RequestInit): Promise<Response>;
}

const ORIGIN = "http://console.internal";

async function failureOf(res: Response): Promise<ApiFailure> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: Record<string, unknown> } | undefined)
    ?.error;
  const details = error?.details as { issues?: unknown } | undefined;
  const issues = Array.isArray(details?.issues)
    ? details.issues.flatMap((i) =>
      i && typeof i === "object" && typeof i.message === "string"
        ? [{ path: String(i.path ?? ""), message: i.message as string }]
        : []
    )
    : [];
  return {
    status: res.status,
    code: typeof error?.code === "string" ? error.code : "error",
    message: typeof error?.message === "string"
      ? error.message
      : `the API answered ${res.status}`,
    issues,
  };
}

/**
 * A client for one API key.
 *
 * @example
 * ```ts ignore
 * import { apiClient } from "./api.ts";
 * const api = apiClient(app.fetch, "trp_...");
 * const me = await api.call("GET", "/v1/me");
 * ```
 */
export function apiClient(
  fetch: ApiFetch,
  apiKey: string,
  forwardedFor?: string,
): ApiClient {
  const headers = (extra?: HeadersInit) => {
    const h = new Headers(extra);
    h.set("Authorization", `Bearer ${apiKey}`);
    if (forwardedFor) h.set("X-Forwarded-For", forwardedFor);
    return h;
  };
  return {
    async call<T>(method: string, path: string, body?: unknown) {
      const h = headers(
        body === undefined ? undefined : { "Content-Type": "application/json" },
      );
      const res = await fetch(
        new Request(`${ORIGIN}${path}`, {
          method,
          headers: h,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
      if (!res.ok) {
        return { ok: false as const, error: await failureOf(res) };
      }
      const data = res.status === 204 ? undefined : await res.json();
      return { ok: true as const, status: res.status, data: data as T };
    },
    async raw(path, init = {}) {
      return await fetch(
        new Request(`${ORIGIN}${path}`, {
          ...init,
          headers: headers(init.headers),
        }),
      );
    },
  };
}

/** An API failure from a response that was not ok. */
export { failureOf };
