/**
 * Sends a test's requests either straight to the app (`app.request`) or,
 * when `.ci/prism.sh` runs the test, over real HTTP through Prism
 * (`@stoplight/prism-cli proxy`), a validating proxy that checks each
 * response against the OpenAPI document. Prism reports what it found in an
 * `sl-violations` header; a violation located in the response (an
 * undeclared status, a body off its schema, a wrong content type) fails the
 * request. Request violations are expected: the property tests send bad
 * requests on purpose.
 *
 * Environment (set by `.ci/prism.sh`): `TROUPE_PRISM_URL` is where Prism
 * listens, `TROUPE_PRISM_UPSTREAM_PORT` the loopback port Prism forwards to,
 * where the app is served for the duration of one test.
 */
import type { ApiApp } from "../../http/context.ts";

/** One violation as Prism reports it in `sl-violations`. */
export interface PrismViolation {
  /** Where: `["request", ...]` or `["response", "body", ...]`. */
  location: string[];
  /** `Error` or `Warning`. */
  severity: string;
  /** Prism's code for the rule (a validator keyword or a status). */
  code?: string | number;
  /** What is wrong. */
  message: string;
}

/** How a test sends its requests. */
export interface Transport extends AsyncDisposable {
  /** Whether requests go through Prism. */
  readonly viaPrism: boolean;
  /** Sends one request; through Prism, a response violation throws. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Response violations seen so far (through Prism only). */
  readonly violations: string[];
  /** Requests sent straight to the app because Prism cannot take them. */
  readonly bypassed: number;
}

/** How long one request through Prism may take before the test fails. */
const REQUEST_TIMEOUT_MS = 20_000;

/** Where Prism listens, when the test runs behind it. */
export const PRISM_URL = Deno.env.get("TROUPE_PRISM_URL") ?? "";

/** The app straight (no Prism configured) or served behind Prism. */
export function contractTransport(app: ApiApp): Promise<Transport> {
  if (!PRISM_URL) {
    return Promise.resolve({
      viaPrism: false,
      violations: [],
      bypassed: 0,
      request: async (path, init) => await app.request(path, init),
      [Symbol.asyncDispose]: () => Promise.resolve(),
    });
  }
  const port = Number(Deno.env.get("TROUPE_PRISM_UPSTREAM_PORT") ?? "0");
  if (!port) throw new Error("TROUPE_PRISM_UPSTREAM_PORT is not set");
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen: () => {} },
    app.fetch,
  );
  const violations: string[] = [];
  const bypassed = { count: 0 };
  return Promise.resolve({
    viaPrism: true,
    violations,
    get bypassed() {
      return bypassed.count;
    },
    async request(path, init) {
      const method = init?.method ?? "GET";
      if (!prismForwardsBody(init)) {
        // Such requests go straight to the app (the test's own contract
        // check still sees their responses).
        bypassed.count++;
        return await app.request(path, init);
      }
      let res: Response;
      try {
        res = await fetch(`${PRISM_URL}${path}`, {
          ...init,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        const body = typeof init?.body === "string"
          ? ` with body ${JSON.stringify(init.body.slice(0, 300))}`
          : "";
        throw new Error(`Prism: ${method} ${path}${body} got no answer`, {
          cause: error,
        });
      }
      if (!res.headers.has("x-request-id")) {
        // Every answer of the app carries a request id; this one came from
        // the HTTP layer below it. Prism 5.16 forwards some query strings
        // decoded (a raw `'` or `(`), which the server refuses as a bad
        // request line before the app sees it: a proxy limitation, so the
        // request goes straight to the app instead.
        await res.body?.cancel();
        bypassed.count++;
        return await app.request(path, init);
      }
      const found = responseViolations(res.headers.get("sl-violations"));
      if (found.length > 0) {
        await res.body?.cancel();
        const lines = found.map((v) =>
          `${method} ${path} -> ${res.status}: ${
            v.location.join(".")
          } ${v.message}`
        );
        violations.push(...lines);
        throw new Error(
          `Prism: the response breaks the document\n${lines.join("\n")}`,
        );
      }
      return res;
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  });
}

/**
 * Whether Prism 5.16 forwards the body as sent. It parses a JSON body and
 * serialises it again: a body that does not parse never gets an answer, a
 * top-level `0`, `false` or `null` is dropped while its `Content-Length`
 * stays (the app then waits for bytes that never come), and a top-level
 * string loses its quotes. Objects and arrays arrive with the same meaning.
 */
export function prismForwardsBody(init: RequestInit | undefined): boolean {
  const type = new Headers(init?.headers).get("Content-Type") ?? "";
  if (!type.toLowerCase().includes("json")) return true;
  if (typeof init?.body !== "string" || init.body === "") return true;
  try {
    const value: unknown = JSON.parse(init.body);
    return typeof value === "object" && value !== null;
  } catch {
    return false;
  }
}

/** The errors located in the response, from an `sl-violations` header value. */
export function responseViolations(header: string | null): PrismViolation[] {
  if (!header) return [];
  const all = JSON.parse(header) as PrismViolation[];
  return all.filter((v) =>
    v.location[0] === "response" && v.severity === "Error"
  );
}
