import { assert } from "../deps.ts";
import { createMetrics, recordBuildFinished } from "../../actors/metrics.ts";
import { ADMIN, testApp } from "./_app.ts";
import { promtoolCheck } from "./_promtool.ts";

Deno.test("GET /metrics serves the registry in the Prometheus text format", async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  recordBuildFinished(metrics, { status: "succeeded", durationSeconds: 12 });
  const { app } = testApp({ metrics });
  const res = await app.request("/metrics");
  assert.equal(res.status, 200);
  assert.match(
    res.headers.get("Content-Type") ?? "",
    /^text\/plain; version=0\.0\.4/,
  );
  const text = await res.text();
  assert.match(text, /^troupe_builds_total\{status="succeeded"\} 1$/m);
});

Deno.test("requests are counted by route pattern, not raw path", async () => {
  const { app, metrics } = testApp();
  for (const path of ["/v1/me", "/v1/me", "/nope/1", "/nope/2"]) {
    await (await app.request(path, { headers: ADMIN })).body?.cancel();
  }
  await (await app.request("/v1/me")).body?.cancel();
  await (await app.request("/livez", { method: "BREW" })).body?.cancel();
  const text = await metrics.registry.metrics();
  const count = (labels: string) =>
    new RegExp(`^troupe_http_requests_total\\{${labels}\\} (\\d+)$`, "m")
      .exec(text)?.[1];
  assert.equal(count('method="GET",route="/v1/me",status="200"'), "2");
  assert.equal(count('method="GET",route="/v1/me",status="401"'), "1");
  assert.equal(count('method="GET",route="unmatched",status="404"'), "2");
  // A wrong method on a known path: 405 (with Allow), still unmatched.
  assert.equal(count('method="OTHER",route="unmatched",status="405"'), "1");
  assert.ok(!text.includes("/nope/1"), "raw paths never become labels");
});

const promtool = await promtoolCheck.available();
if (!promtool) {
  console.warn(
    "promtool is not on PATH: the /metrics promtool test is ignored. " +
      "Install it with `apt-get install -y prometheus` (the lead's CI does).",
  );
}

Deno.test({
  name: "the /metrics text passes promtool check metrics",
  ignore: !promtool,
  async fn() {
    const { app } = testApp({ metrics: createMetrics() });
    for (const path of ["/v1/me", "/livez", "/readyz", "/x"]) {
      await (await app.request(path, { headers: ADMIN })).body?.cancel();
    }
    const text = await (await app.request("/metrics")).text();
    const result = await promtoolCheck(text);
    assert.equal(result.code, 0, result.output);
    assert.equal(result.output.trim(), "", result.output);
  },
});
