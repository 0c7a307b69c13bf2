import { assert } from "../deps.ts";
import type { ApiApp } from "../../http/context.ts";
import { ADMIN, json, testApp, USER } from "./_app.ts";

type Doc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, Record<string, unknown>> }>
  >;
};

/**
 * Test-only routes: a JSON value that changes on POST, an event stream that
 * never ends, and a binary body.
 */
function fixtureRoutes() {
  let counter = 0;
  return (app: ApiApp) => {
    app.get("/v1/counter", (c) => c.json({ counter }));
    app.post("/v1/counter", (c) => {
      counter += 1;
      return c.json({ counter });
    });
    app.get("/v1/stream", () =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(": hello\n\n"));
            // Never closed: buffering it to hash it would hang the request.
          },
        }),
        { headers: { "Content-Type": "text/event-stream" } },
      ));
    app.get("/v1/blob", (c) =>
      c.body(new Uint8Array([80, 75, 3, 4]), 200, {
        "Content-Type": "application/zip",
      }));
    app.get("/v1/tagged", (c) => {
      c.header("ETag", '"v7"');
      return c.json({ version: 7 });
    });
  };
}

function app() {
  return testApp({ routes: [fixtureRoutes()] }).app;
}

Deno.test("a JSON GET carries an ETag; a matching If-None-Match gets 304 with no body", async () => {
  const a = app();
  const first = await a.request("/v1/me", { headers: ADMIN });
  assert.equal(first.status, 200);
  const tag = first.headers.get("ETag");
  assert.match(tag ?? "", /^"[^"]+"$/);
  const body = await first.json();
  assert.equal(body.id, "u-ada");

  const again = await a.request("/v1/me", {
    headers: { ...ADMIN, "If-None-Match": tag!, "X-Request-Id": "req-304" },
  });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), "");
  assert.equal(again.headers.get("ETag"), tag);
  assert.equal(again.headers.get("X-Request-Id"), "req-304");

  // A list of tags and a weak form of the tag match too.
  const listed = await a.request("/v1/me", {
    headers: { ...ADMIN, "If-None-Match": `"other", W/${tag}` },
  });
  assert.equal(listed.status, 304);
  await listed.body?.cancel();
});

Deno.test("another caller's body has another ETag, so their If-None-Match with the first tag gets 200", async () => {
  const a = app();
  const ada = await a.request("/v1/me", { headers: ADMIN });
  const adaTag = ada.headers.get("ETag")!;
  await ada.body?.cancel();
  const bob = await a.request("/v1/me", {
    headers: { ...USER, "If-None-Match": adaTag },
  });
  assert.equal(bob.status, 200);
  assert.notEqual(bob.headers.get("ETag"), adaTag);
  assert.equal((await bob.json()).id, "u-bob");
});

Deno.test("a changed body gets a new ETag and the old one no longer answers 304", async () => {
  const a = app();
  const before = await a.request("/v1/counter", { headers: ADMIN });
  const oldTag = before.headers.get("ETag")!;
  assert.deepEqual(await before.json(), { counter: 0 });
  const same = await a.request("/v1/counter", {
    headers: { ...ADMIN, "If-None-Match": oldTag },
  });
  assert.equal(same.status, 304);
  await same.body?.cancel();

  const post = await a.request("/v1/counter", json({}, ADMIN));
  assert.equal(post.status, 200);
  assert.equal(post.headers.get("ETag"), null, "no ETag on a POST");
  await post.body?.cancel();

  const after = await a.request("/v1/counter", {
    headers: { ...ADMIN, "If-None-Match": oldTag },
  });
  assert.equal(after.status, 200);
  assert.notEqual(after.headers.get("ETag"), oldTag);
  assert.deepEqual(await after.json(), { counter: 1 });
});

Deno.test("If-None-Match: * answers 304; HEAD gets the ETag and 304 too", async () => {
  const a = app();
  const star = await a.request("/v1/counter", {
    headers: { ...ADMIN, "If-None-Match": "*" },
  });
  assert.equal(star.status, 304);
  await star.body?.cancel();
  const get = await a.request("/v1/counter", { headers: ADMIN });
  const tag = get.headers.get("ETag")!;
  await get.body?.cancel();
  const head = await a.request("/v1/counter", {
    method: "HEAD",
    headers: ADMIN,
  });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("ETag"), tag);
  const headAgain = await a.request("/v1/counter", {
    method: "HEAD",
    headers: { ...ADMIN, "If-None-Match": tag },
  });
  assert.equal(headAgain.status, 304);
});

Deno.test("errors, streams and binary bodies get no ETag", async () => {
  const a = app();
  const denied = await a.request("/v1/me", {
    headers: { "If-None-Match": "*" },
  });
  assert.equal(denied.status, 401, "auth still answers before a 304");
  assert.equal(denied.headers.get("ETag"), null);
  await denied.body?.cancel();

  const stream = await a.request("/v1/stream", { headers: ADMIN });
  assert.equal(stream.status, 200);
  assert.equal(stream.headers.get("ETag"), null);
  const reader = stream.body!.getReader();
  const { value } = await reader.read();
  assert.equal(new TextDecoder().decode(value), ": hello\n\n");
  await reader.cancel();

  const blob = await a.request("/v1/blob", {
    headers: { ...ADMIN, "If-None-Match": "*" },
  });
  assert.equal(blob.status, 200);
  assert.equal(blob.headers.get("ETag"), null);
  assert.equal((await blob.arrayBuffer()).byteLength, 4);
});

Deno.test("a handler's own ETag is kept and compared", async () => {
  const a = app();
  const first = await a.request("/v1/tagged", { headers: ADMIN });
  assert.equal(first.headers.get("ETag"), '"v7"');
  await first.body?.cancel();
  const again = await a.request("/v1/tagged", {
    headers: { ...ADMIN, "If-None-Match": '"v7"' },
  });
  assert.equal(again.status, 304);
  await again.body?.cancel();
});

Deno.test("the OpenAPI document declares ETag and 304 on every GET whose 200 is JSON, and only there", async () => {
  const a = app();
  const doc = await (await a.request("/openapi.json")).json() as Doc;
  let conditional = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const ok = op.responses["200"] as
        | { content?: Record<string, unknown>; headers?: object }
        | undefined;
      const jsonOk = method === "get" &&
        Object.keys(ok?.content ?? {}).includes("application/json");
      assert.equal(
        "304" in op.responses,
        jsonOk,
        `${method} ${path}: 304 declared iff a JSON GET`,
      );
      if (jsonOk) {
        conditional++;
        assert.ok("ETag" in (ok?.headers ?? {}), `${path}: ETag header`);
      }
    }
  }
  assert.ok(conditional >= 2, `${conditional} conditional GETs`);
});
