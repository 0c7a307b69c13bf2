import { assert } from "../deps.ts";
import { DOC_PATHS, undocumentedRoutes } from "../../http/openapi.ts";
import { testApp } from "./_app.ts";

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<
    string,
    Record<string, { responses?: object; security?: unknown[] }>
  >;
  components: { securitySchemes?: Record<string, unknown> };
};

async function documentOf(
  app: ReturnType<typeof testApp>["app"],
): Promise<Doc> {
  const res = await app.request("/openapi.json");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("Content-Type") ?? "", /application\/json/);
  return await res.json();
}

/** Hono's `/v1/builds/:id` as OpenAPI's `/v1/builds/{id}`. */
const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

Deno.test("the OpenAPI document lists every route the app serves", async () => {
  const { app } = testApp();
  const doc = await documentOf(app);
  assert.equal(doc.openapi, "3.1.0");
  const served = new Set(
    app.routes
      .filter((r) => r.method !== "ALL") // middleware
      .filter((r) => !(DOC_PATHS as readonly string[]).includes(r.path))
      .map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.path)}`),
  );
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`)
    ),
  );
  assert.ok(served.size >= 4, [...served].join(", "));
  assert.deepEqual([...served].sort(), [...documented].sort());
});

Deno.test("every operation documents its responses; /v1 ones need the bearer scheme", async () => {
  const { app } = testApp();
  const doc = await documentOf(app);
  assert.ok(doc.components.securitySchemes?.bearerAuth);
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      assert.ok(
        op.responses && Object.keys(op.responses).length > 0,
        `${method} ${path} has no responses`,
      );
      if (path.startsWith("/v1/")) {
        assert.deepEqual(
          op.security,
          [{ bearerAuth: [] }],
          `${method} ${path}`,
        );
        assert.ok("401" in op.responses!, `${method} ${path} lacks 401`);
      }
    }
  }
});

Deno.test("/docs is a self-contained page that renders /openapi.json", async () => {
  const { app } = testApp();
  const res = await app.request("/docs");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("Content-Type") ?? "", /text\/html/);
  const html = await res.text();
  assert.match(html, /fetch\("\/openapi\.json"\)/);
  assert.ok(!/<script[^>]+src=/i.test(html), "no external scripts");
  assert.ok(!/<link[^>]+href=["']https?:/i.test(html), "no external styles");
  assert.ok(!/https?:\/\//.test(html), "no absolute URLs at all (no CDN)");
});

Deno.test("undocumentedRoutes names a route added without createRoute", () => {
  const { app } = testApp({
    routes: [(a) => a.get("/v1/hidden/:id", (c) => c.text("hi"))],
  });
  assert.deepEqual(undocumentedRoutes(app), ["get /v1/hidden/{id}"]);
  assert.deepEqual(undocumentedRoutes(testApp().app), []);
});

/** Just enough DOM for the docs page's script. */
class FakeElement {
  children: (FakeElement | string)[] = [];
  attributes: Record<string, string> = {};
  #text = "";
  constructor(readonly tag: string) {}
  setAttribute(name: string, value: string) {
    this.attributes[name] = value;
  }
  append(...kids: (FakeElement | string)[]) {
    this.children.push(...kids);
  }
  set textContent(value: string) {
    this.children = [];
    this.#text = value;
  }
  get textContent(): string {
    return this.#text +
      this.children.map((c) => typeof c === "string" ? c : c.textContent).join(
        "",
      );
  }
  findAll(tag: string): FakeElement[] {
    return this.children.flatMap((c) =>
      typeof c === "string"
        ? []
        : [...(c.tag === tag ? [c] : []), ...c.findAll(tag)]
    );
  }
}

Deno.test("the docs page script renders one entry per operation", async () => {
  const { app } = testApp();
  const html = await (await app.request("/docs")).text();
  const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1];
  assert.ok(script);
  const byId: Record<string, FakeElement> = {
    ops: new FakeElement("div"),
    title: new FakeElement("h1"),
    desc: new FakeElement("p"),
  };
  const document = {
    createElement: (tag: string) => new FakeElement(tag),
    getElementById: (id: string) => byId[id],
  };
  const fetch = (path: string) => app.request(path);
  const run = new Function(
    "document",
    "fetch",
    `return ${script.trim().replace(/;$/, "")}`,
  );
  await run(document, fetch);
  const doc = await documentOf(app);
  const operations = Object.values(doc.paths).flatMap((p) => Object.keys(p));
  const entries = byId.ops!.findAll("details");
  assert.equal(entries.length, operations.length);
  assert.match(byId.title!.textContent, /^Troupe API /);
  assert.ok(
    entries.some((e) => e.textContent.includes("/v1/analyze")),
    "the analyze route is listed",
  );
});
