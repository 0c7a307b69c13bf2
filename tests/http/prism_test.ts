import { assert } from "../deps.ts";
import type { ApiApp } from "../../http/context.ts";
import { ADMIN, testApp } from "./_app.ts";
import {
  contractTransport,
  PRISM_URL,
  prismForwardsBody,
  responseViolations,
} from "./_prism.ts";

Deno.test("only errors located in the response count as violations", () => {
  assert.deepEqual(responseViolations(null), []);
  const header = JSON.stringify([
    { location: ["request"], severity: "Error", message: "bad request" },
    {
      location: ["response", "body"],
      severity: "Warning",
      message: "a warning",
    },
    {
      location: ["response", "body", "items"],
      severity: "Error",
      code: "type",
      message: "must be array",
    },
  ]);
  const found = responseViolations(header);
  assert.equal(found.length, 1);
  assert.equal(found[0]!.message, "must be array");
});

/** A documented path answered off its schema: Prism must catch it. */
function brokenMemories(app: ApiApp) {
  app.get("/v1/memories", (c) => c.json({ items: "not a list" }));
}

Deno.test({
  name: "through Prism, a response off the document fails the request",
  ignore: !PRISM_URL,
  async fn() {
    const { app } = testApp({ routes: [brokenMemories] });
    await using transport = await contractTransport(app);
    assert.ok(transport.viaPrism);
    const ok = await transport.request("/v1/me", { headers: ADMIN });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    await assert.rejects(
      () => transport.request("/v1/memories", { headers: ADMIN }),
      /the response breaks the document/,
    );
    assert.ok(transport.violations.length > 0);
  },
});

Deno.test("JSON bodies Prism would mangle or hang on are recognised", () => {
  const json = { "Content-Type": "application/json" };
  for (const body of ["0", "false", "null", '"x"', '""', "-0", "1", " ", "{"]) {
    assert.equal(prismForwardsBody({ headers: json, body }), false, body);
  }
  for (const body of ["{}", "[]", '{"a":-0}', "[null]", ' {"a":1} ']) {
    assert.equal(prismForwardsBody({ headers: json, body }), true, body);
  }
  assert.ok(
    prismForwardsBody({ headers: { "Content-Type": "text/plain" }, body: "0" }),
  );
  assert.ok(prismForwardsBody({ headers: json }));
});

Deno.test({
  name: "through Prism, every kind of JSON body gets an answer",
  ignore: !PRISM_URL,
  async fn() {
    const { app } = testApp();
    await using transport = await contractTransport(app);
    // Top-level falsy bodies once left the app waiting for bytes Prism never sent.
    for (const body of ["0", "false", "null", '"x"', "{}", "[]", "-0", "{"]) {
      const res = await transport.request("/v1/memories", {
        method: "POST",
        headers: { ...ADMIN, "Content-Type": "application/json" },
        body,
      });
      assert.ok(
        res.status >= 400 && res.status < 500,
        `${body}: ${res.status}`,
      );
      await res.body?.cancel();
    }
  },
});
