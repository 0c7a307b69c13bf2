import { assert, fc } from "../deps.ts";
import { createMetrics } from "../../actors/metrics.ts";
import { ADMIN, bearer, testApp, USER } from "./_app.ts";
import { Contract } from "./_contract.ts";
import { contractTransport } from "./_prism.ts";
import { DOC_PATHS } from "../../http/openapi.ts";

const { app } = testApp({
  metrics: createMetrics({ defaultMetrics: false }),
  probes: [
    { name: "ok", required: true, check: () => Promise.resolve() },
    {
      name: "down",
      required: false,
      check: () => Promise.reject(new Error("down")),
    },
  ],
  bodyLimit: 4096,
  rateLimit: false,
});

/** The app's own OpenAPI document: every response must be one it declares. */
const contract = new Contract(
  await (await app.request("/openapi.json")).json(),
);

/** Every route the app serves, with its path parameters as names. */
const routes = app.routes
  .filter((r) => r.method !== "ALL")
  .map((r) => ({ method: r.method, path: r.path }));

const segment = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.uuid(),
  fc.constantFrom("0", "-1", "null", "..", "%", "%ZZ", "a/b", "😀"),
);

const query = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String)),
  { maxKeys: 5 },
);

const body = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constant(""),
);

const headers = fc.constantFrom(
  ADMIN,
  USER,
  bearer("trp_old1_revoked"),
  { Authorization: "Basic x" },
  {} as Record<string, string>,
);

const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE");

Deno.test("random bodies and query strings never produce a 5xx on any route", async () => {
  assert.ok(routes.length >= 5, "the app serves routes");
  // Through Prism when .ci/prism.sh runs this file, straight otherwise.
  await using transport = await contractTransport(app);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      fc.boolean(),
      method,
      fc.array(segment, { minLength: 3, maxLength: 3 }),
      query,
      body,
      headers,
      fc.constantFrom(
        "application/json",
        "text/plain",
        "",
        "application/x-www-form-urlencoded",
      ),
      async (
        route,
        sameMethod,
        otherMethod,
        params,
        q,
        payload,
        auth,
        type,
      ) => {
        let i = 0;
        const path = route.path.replace(
          /:\w+/g,
          () => encodeURIComponent(params[i++ % params.length]!),
        );
        const search = new URLSearchParams(q).toString();
        const m = sameMethod ? route.method : otherMethod;
        const init: RequestInit = {
          method: m,
          headers: { ...auth, ...(type ? { "Content-Type": type } : {}) },
        };
        if (m !== "GET" && m !== "HEAD") init.body = payload;
        const res = await transport.request(
          `${path}${search ? `?${search}` : ""}`,
          init,
        );
        const text = await res.text();
        // The document and its page describe the API; they are not in it.
        const described = !(DOC_PATHS as readonly string[]).includes(path);
        const problems = !described ? [] : contract.check(
          m,
          path,
          res.status,
          res.headers.get("Content-Type"),
          text,
        );
        if (problems.length > 0) throw new Error(problems.join("\n"));
        if (res.status >= 500) {
          // /readyz may report 503 when a required probe fails; ours pass.
          throw new Error(`${m} ${path}?${search} -> ${res.status}: ${text}`);
        }
        if (res.status >= 400) {
          const parsed = JSON.parse(text);
          assert.equal(typeof parsed.error.code, "string");
        }
      },
    ),
    { numRuns: 400 },
  );
});

const analyzeBody = fc.record({
  code: fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ unit: "binary", maxLength: 300 }),
    fc.constantFrom(
      "eval(x)",
      "const a = `${`${b}`}`;",
      "/* unterminated",
      "'''py",
      "function f() { if (a) { for (;;) { while (b) {} } } }",
    ),
    fc.integer(),
  ),
  language: fc.oneof(
    fc.constantFrom("typescript", "javascript", "python", "go", "TS"),
    fc.string({ maxLength: 40 }),
  ),
  files: fc.array(
    fc.record({
      path: fc.string({ maxLength: 30 }),
      content: fc.string({ maxLength: 200 }),
    }, { requiredKeys: [] }),
    { maxLength: 3 },
  ),
  filename: fc.string({ maxLength: 30 }),
}, { requiredKeys: [] });

Deno.test("random analysis requests get 200 or 400, never a 5xx", async () => {
  await using transport = await contractTransport(app);
  await fc.assert(
    fc.asyncProperty(analyzeBody, async (body) => {
      const res = await transport.request("/v1/analyze", {
        method: "POST",
        body: JSON.stringify(body),
        headers: { ...USER, "Content-Type": "application/json" },
      });
      const text = await res.text();
      if (res.status !== 200 && res.status !== 400) {
        throw new Error(`${JSON.stringify(body)} -> ${res.status}: ${text}`);
      }
    }),
    { numRuns: 300 },
  );
});
