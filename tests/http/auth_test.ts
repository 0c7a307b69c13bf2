import { assert } from "../deps.ts";
import { requireRole } from "../../http/middleware/auth.ts";
import type { ApiApp } from "../../http/context.ts";
import { ADMIN, bearer, testApp, USER } from "./_app.ts";

async function errorOf(res: Response) {
  return { status: res.status, code: (await res.json()).error.code };
}

Deno.test("a request without a key is 401 missing_api_key with a Bearer challenge", async () => {
  const { app } = testApp();
  const res = await app.request("/v1/me");
  assert.equal(res.headers.get("WWW-Authenticate"), 'Bearer realm="troupe"');
  assert.deepEqual(await errorOf(res), {
    status: 401,
    code: "missing_api_key",
  });
});

Deno.test("a malformed Authorization header is 401 missing_api_key", async () => {
  const { app } = testApp();
  for (const header of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer  ", "token"]) {
    const res = await app.request("/v1/me", {
      headers: { Authorization: header },
    });
    assert.deepEqual(await errorOf(res), {
      status: 401,
      code: "missing_api_key",
    }, header);
  }
});

Deno.test("invalid, revoked and expired keys get distinct 401 codes", async () => {
  const { app } = testApp();
  const cases: [string, string][] = [
    ["trp_nope_wrong", "invalid_api_key"],
    ["trp_old1_revoked", "revoked_api_key"],
    ["trp_exp1_expired", "expired_api_key"],
  ];
  for (const [token, code] of cases) {
    const res = await app.request("/v1/me", { headers: bearer(token) });
    assert.deepEqual(await errorOf(res), { status: 401, code }, token);
  }
});

Deno.test("a disabled user is 403 user_disabled", async () => {
  const { app } = testApp();
  const res = await app.request("/v1/me", {
    headers: bearer("trp_dis1_disabled"),
  });
  assert.deepEqual(await errorOf(res), { status: 403, code: "user_disabled" });
});

Deno.test("GET /v1/me shows the caller and the key, never the secret", async () => {
  const { app } = testApp();
  const res = await app.request("/v1/me", { headers: USER });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.ok(!text.includes("secret"));
  assert.deepEqual(JSON.parse(text), {
    id: "u-bob",
    name: "Bob",
    email: null,
    role: "user",
    key: {
      id: "k-bob",
      prefix: "trp_bob1",
      expiresAt: "2030-01-01T00:00:00.000Z",
    },
  });
});

Deno.test("the scheme name is case-insensitive", async () => {
  const { app } = testApp();
  const res = await app.request("/v1/me", {
    headers: { Authorization: "bearer trp_ada1_secret" },
  });
  assert.equal(res.status, 200);
  await res.body?.cancel();
});

Deno.test("public routes need no key", async () => {
  const { app } = testApp();
  for (const path of ["/livez", "/readyz", "/metrics", "/openapi.json"]) {
    const res = await app.request(path);
    assert.equal(res.status, 200, path);
    await res.body?.cancel();
  }
});

Deno.test("requireRole('admin') lets admins through and answers 403 to users", async () => {
  const adminRoutes = (app: ApiApp) => {
    app.use("/v1/admin/*", requireRole("admin"));
    app.get("/v1/admin/ping", (c) => c.json({ pong: true }));
  };
  const { app } = testApp({ routes: [adminRoutes] });
  const ok = await app.request("/v1/admin/ping", { headers: ADMIN });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  const denied = await app.request("/v1/admin/ping", { headers: USER });
  assert.deepEqual(await errorOf(denied), {
    status: 403,
    code: "insufficient_role",
  });
  const anonymous = await app.request("/v1/admin/ping");
  assert.deepEqual(await errorOf(anonymous), {
    status: 401,
    code: "missing_api_key",
  });
});

Deno.test("when keys cannot be checked the answer is 503, not 500 or 401", async () => {
  const { app } = testApp({
    authenticate: () => Promise.reject(new Error("connection refused")),
  });
  const res = await app.request("/v1/me", { headers: ADMIN });
  assert.equal(res.headers.get("Retry-After"), "5");
  assert.deepEqual(await errorOf(res), {
    status: 503,
    code: "auth_unavailable",
  });
});

Deno.test("why keys could not be checked goes to the server log only", async () => {
  const { app, logger } = testApp({
    authenticate: () => Promise.reject(new Error("pool exhausted at db:5432")),
  });
  const res = await app.request("/v1/me", { headers: ADMIN });
  assert.ok(!(await res.text()).includes("db:5432"));
  const logged = logger.lines.find((l) => l.fields.code === "auth_unavailable");
  assert.equal(logged?.level, "error");
  assert.match(String(logged?.fields.message), /pool exhausted/);
});

Deno.test("?access_token= works only for streams, and only when enabled", async () => {
  const sse = { Accept: "text/event-stream" };
  const url = "/v1/me?access_token=trp_bob1_secret";
  const off = testApp().app;
  assert.equal(
    (await errorOf(await off.request(url, { headers: sse }))).code,
    "missing_api_key",
  );

  const { app } = testApp({ queryTokenForStreams: true });
  const stream = await app.request(url, { headers: sse });
  assert.equal(stream.status, 200);
  await stream.body?.cancel();
  const ws = await app.request(url, { headers: { Upgrade: "websocket" } });
  assert.equal(ws.status, 200);
  await ws.body?.cancel();
  const plain = await app.request(url);
  assert.equal(
    (await errorOf(plain)).code,
    "missing_api_key",
    "not for plain requests",
  );
  const post = await app.request(url, { method: "POST", headers: sse });
  assert.equal(post.status, 401, "not for writes");
  await post.body?.cancel();
});
