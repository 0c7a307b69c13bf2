import { assert } from "../deps.ts";
import { z } from "zod";
import {
  ConstraintError,
  DatabaseUnavailableError,
  DuplicateError,
  MissingReferenceError,
  NotFoundError,
  StateError,
} from "../../storage/errors.ts";
import { AskTimeoutError } from "../../runtime/errors.ts";
import { ApiError } from "../../http/errors.ts";
import { ADMIN, json, probeRoutes, testApp } from "./_app.ts";

const SECRET = "password=hunter2 at /srv/troupe/db.ts:42";

const errors: Record<string, () => unknown> = {
  plain: () => new Error(SECRET),
  type: () => new TypeError(`cannot read properties of undefined ${SECRET}`),
  api: () => new ApiError(409, "already_cancelled", "build already cancelled"),
  not_found: () => new NotFoundError("build", "b-1"),
  duplicate: () =>
    new DuplicateError(
      "users",
      "users_email_key",
      "Key (email)=(a@b.c) exists",
    ),
  state: () => new StateError("build", "b-1", "already finished"),
  constraint: () =>
    new ConstraintError("check", "users", "users_role_check", SECRET),
  bad_uuid: () =>
    new ConstraintError("invalid_text", "builds", undefined, SECRET),
  missing_ref: () => new MissingReferenceError("builds", "fk_user", SECRET),
  db_down: () => new DatabaseUnavailableError("db.internal:5432", SECRET),
  zod: () => z.object({ project: z.string() }).safeParse({}).error,
  ask_timeout: () => new AskTimeoutError("session", "u1", "create", 5000),
};

function app() {
  return testApp({ routes: [probeRoutes(errors)] });
}

Deno.test("every response carries a request id, errors included", async () => {
  const { app: a } = app();
  const requests: [string, RequestInit][] = [
    ["/livez", {}],
    ["/v1/me", {}],
    ["/v1/me", { headers: ADMIN }],
    ["/no/such/route", {}],
    ["/v1/echo", json("{not json", ADMIN)],
    ["/v1/throw/plain", { headers: ADMIN }],
  ];
  const seen = new Set<string>();
  for (const [path, init] of requests) {
    const res = await a.request(path, init);
    const id = res.headers.get("X-Request-Id");
    assert.ok(id && id.length >= 8, `${path} has no request id`);
    seen.add(id);
    const body = await res.text();
    if (res.status >= 400) {
      assert.equal(JSON.parse(body).error.requestId, id);
    }
  }
  assert.equal(seen.size, requests.length, "ids are unique per request");
});

Deno.test("a sane incoming X-Request-Id is kept, a malformed one replaced", async () => {
  const { app: a, logger } = app();
  const kept = await a.request("/livez", {
    headers: { "X-Request-Id": "edge-1234.abc" },
  });
  assert.equal(kept.headers.get("X-Request-Id"), "edge-1234.abc");
  const replaced = await a.request("/livez", {
    headers: { "X-Request-Id": "bad id\u0001<script>" },
  });
  assert.notEqual(replaced.headers.get("X-Request-Id"), "bad id<script>");
  assert.match(replaced.headers.get("X-Request-Id")!, /^[0-9a-f-]{36}$/);
  assert.equal(logger.lines[0]?.fields.requestId, "edge-1234.abc");
});

Deno.test("each request is logged once with id, route pattern, status and user", async () => {
  const { app: a, logger } = app();
  await (await a.request("/v1/me", { headers: ADMIN })).body?.cancel();
  await (await a.request("/nowhere?token=secret")).body?.cancel();
  assert.equal(logger.lines.length, 2);
  const [me, missing] = logger.lines;
  assert.equal(me?.fields.route, "/v1/me");
  assert.equal(me?.fields.status, 200);
  assert.equal(me?.fields.userId, "u-ada");
  assert.equal(missing?.fields.route, "unmatched");
  assert.equal(missing?.fields.status, 404);
  assert.ok(!JSON.stringify(logger.lines).includes("secret"));
});

Deno.test("a body over the limit gets 413, with or without Content-Length", async () => {
  const { app: a } = testApp({
    bodyLimit: 64,
    routes: [probeRoutes(errors)],
  });
  const big = JSON.stringify({ name: "x".repeat(100), count: 1 });
  const withLength = await a.request(
    "/v1/echo",
    json(big, { ...ADMIN, "Content-Length": String(big.length) }),
  );
  assert.equal(withLength.status, 413);
  assert.equal((await withLength.json()).error.code, "payload_too_large");

  const stream = new Blob([big]).stream();
  const chunked = await a.request("/v1/echo", {
    method: "POST",
    body: stream,
    headers: { ...ADMIN, "Content-Type": "application/json" },
  });
  assert.equal(chunked.status, 413);
  assert.equal((await chunked.json()).error.code, "payload_too_large");

  const small = await a.request(
    "/v1/echo",
    json({ name: "a", count: 1 }, ADMIN),
  );
  assert.equal(small.status, 200);
  assert.deepEqual(await small.json(), { name: "a", count: 1 });
});

Deno.test("malformed JSON is a 400 invalid_json", async () => {
  const { app: a } = app();
  for (const body of ["{not json", "", '{"name": "a",', "\u0000"]) {
    const res = await a.request("/v1/echo", json(body, ADMIN));
    assert.equal(res.status, 400, `body ${JSON.stringify(body)}`);
    assert.equal((await res.json()).error.code, "invalid_json");
  }
});

Deno.test("a body failing its schema is a 400 naming each field", async () => {
  const { app: a } = app();
  const res = await a.request(
    "/v1/echo",
    json({ name: "", count: "three" }, ADMIN),
  );
  assert.equal(res.status, 400);
  const { error } = await res.json();
  assert.equal(error.code, "invalid_request");
  const paths = error.details.issues.map((i: { path: string }) => i.path);
  assert.deepEqual(paths.sort(), ["body.count", "body.name"]);
  assert.match(error.message, /body\.name/);
});

Deno.test("a JSON route refuses another media type with 415", async () => {
  const { app: a } = app();
  const res = await a.request("/v1/echo", {
    method: "POST",
    body: "name=a",
    headers: { ...ADMIN, "Content-Type": "text/plain" },
  });
  assert.equal(res.status, 415);
  assert.equal((await res.json()).error.code, "unsupported_media_type");
});

Deno.test("an unknown route is a JSON 404", async () => {
  const { app: a } = app();
  const res = await a.request("/nothing/here", { method: "DELETE" });
  assert.equal(res.status, 404);
  assert.match(res.headers.get("Content-Type") ?? "", /application\/json/);
  const { error } = await res.json();
  assert.equal(error.code, "not_found");
  assert.match(error.message, /DELETE \/nothing\/here/);
});

Deno.test("unexpected errors are a generic 500: no message, no stack, the request id", async () => {
  const { app: a, logger } = app();
  for (const name of ["plain", "type"]) {
    const res = await a.request(`/v1/throw/${name}`, { headers: ADMIN });
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.ok(!text.includes("hunter2"), text);
    assert.ok(!/\bat .*\.ts:\d+/.test(text), "no stack frames");
    assert.ok(!text.includes("Error:"), text);
    const { error } = JSON.parse(text);
    assert.equal(error.code, "internal");
    assert.equal(error.requestId, res.headers.get("X-Request-Id"));
    assert.ok(error.message.includes(error.requestId));
  }
  const logged = logger.lines.filter((l) => l.message === "unhandled error");
  assert.equal(logged.length, 2, "the server log keeps the details");
  assert.match(String(logged[0]?.fields.stack), /hunter2/);
});

Deno.test("typed errors map to their statuses without leaking driver text", async () => {
  const { app: a } = app();
  const expected: Record<string, [number, string]> = {
    api: [409, "already_cancelled"],
    not_found: [404, "not_found"],
    duplicate: [409, "conflict"],
    state: [409, "invalid_state"],
    constraint: [422, "constraint_violation"],
    bad_uuid: [400, "invalid_request"],
    missing_ref: [422, "missing_reference"],
    db_down: [503, "database_unavailable"],
    zod: [400, "invalid_request"],
    ask_timeout: [503, "actor_timeout"],
  };
  for (const [name, [status, code]] of Object.entries(expected)) {
    const res = await a.request(`/v1/throw/${name}`, { headers: ADMIN });
    const text = await res.text();
    assert.equal(res.status, status, `${name}: ${text}`);
    assert.equal(JSON.parse(text).error.code, code, name);
    assert.ok(!text.includes("hunter2"), `${name} leaks: ${text}`);
    assert.ok(!text.includes("db.internal"), `${name} leaks: ${text}`);
  }
});

Deno.test("extra error mappers run before the built-in ones", async () => {
  class QuotaExceeded extends Error {}
  const { app: a } = testApp({
    routes: [probeRoutes({ quota: () => new QuotaExceeded("over") })],
    errorMappers: [
      (e) =>
        e instanceof QuotaExceeded
          ? new ApiError(429, "quota_exceeded", "daily quota used up")
          : undefined,
    ],
  });
  const res = await a.request("/v1/throw/quota", { headers: ADMIN });
  assert.equal(res.status, 429);
  assert.equal((await res.json()).error.code, "quota_exceeded");
});

Deno.test("a wrong method on a known path is 405 with Allow; an unknown path stays 404", async () => {
  const { app } = testApp();
  const res = await app.request("/livez", { method: "DELETE" });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("Allow"), "GET, HEAD");
  const body = await res.json();
  assert.equal(body.error.code, "method_not_allowed");
  const missing = await app.request("/nope", { method: "DELETE" });
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("/openapi.json is compressed on request and answers 304 to a matching If-None-Match", async () => {
  const { app } = testApp();
  const plain = await app.request("/openapi.json");
  const tag = plain.headers.get("ETag");
  assert.ok(tag, "an ETag is sent");
  const size = (await plain.arrayBuffer()).byteLength;
  const zipped = await app.request("/openapi.json", {
    headers: { "Accept-Encoding": "gzip" },
  });
  assert.equal(zipped.headers.get("Content-Encoding"), "gzip");
  const zippedSize = (await zipped.arrayBuffer()).byteLength;
  assert.ok(zippedSize < size / 2, `${zippedSize} vs ${size} bytes`);
  const again = await app.request("/openapi.json", {
    headers: { "If-None-Match": tag },
  });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), "");
});

Deno.test("CORS is off by default; listed origins get a preflight answer before auth", async () => {
  const preflight = {
    method: "OPTIONS",
    headers: {
      Origin: "https://console.example",
      "Access-Control-Request-Method": "GET",
      "Access-Control-Request-Headers": "Authorization",
    },
  };
  const off = await testApp().app.request("/v1/me", preflight);
  assert.equal(off.headers.get("Access-Control-Allow-Origin"), null);
  await off.body?.cancel();
  const { app } = testApp({ corsOrigins: ["https://console.example"] });
  const on = await app.request("/v1/me", preflight);
  assert.equal(on.status, 204);
  assert.equal(
    on.headers.get("Access-Control-Allow-Origin"),
    "https://console.example",
  );
  assert.match(
    on.headers.get("Access-Control-Allow-Headers") ?? "",
    /Authorization/i,
  );
  const other = await app.request("/v1/me", {
    ...preflight,
    headers: { ...preflight.headers, Origin: "https://evil.example" },
  });
  assert.equal(other.headers.get("Access-Control-Allow-Origin"), null);
  await other.body?.cancel();
});

Deno.test("HEAD sends the Content-Length of the GET and no body", async () => {
  const { app } = testApp();
  const get = await app.request("/livez");
  const length = (await get.arrayBuffer()).byteLength;
  const head = await app.request("/livez", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("Content-Length"), String(length));
  assert.equal(await head.text(), "");
});
