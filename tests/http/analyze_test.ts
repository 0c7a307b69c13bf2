import { assert } from "../deps.ts";
import { ADMIN, json, testApp, USER } from "./_app.ts";

Deno.test("POST /v1/analyze scores a snippet and reports findings with lines", async () => {
  const { app } = testApp();
  const code = [
    "export function run(input: string) {",
    "  return eval(input);",
    "}",
    "",
  ].join("\n");
  const res = await app.request(
    "/v1/analyze",
    json({ code, language: "typescript" }, USER),
  );
  assert.equal(res.status, 200);
  const body = await res.json();
  for (const key of ["security", "quality", "maintainability"]) {
    assert.ok(body[key] >= 0 && body[key] <= 100, `${key} = ${body[key]}`);
  }
  assert.ok(body.security < 100, "eval costs security points");
  const evalFinding = body.findings.find((f: { rule: string }) =>
    /eval/.test(f.rule)
  );
  assert.ok(evalFinding, JSON.stringify(body.findings));
  assert.equal(evalFinding.line, 2);
  assert.equal(evalFinding.path, "snippet.ts");
  assert.equal(body.metrics.files, 1);
});

Deno.test("POST /v1/analyze takes several files and names them in findings", async () => {
  const { app } = testApp();
  const res = await app.request(
    "/v1/analyze",
    json({
      files: [
        {
          path: "src/ok.ts",
          content: "export const add = (a: number, b: number) => a + b;\n",
        },
        {
          path: "src/bad.js",
          content: "const f = new Function('return 1');\neval('1');\n",
        },
      ],
    }, ADMIN),
  );
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.metrics.files, 2);
  assert.ok(
    body.findings.some((f: { path: string }) => f.path === "src/bad.js"),
  );
});

Deno.test("clean code scores better than code with problems", async () => {
  const { app } = testApp();
  const score = async (code: string) =>
    (await (await app.request("/v1/analyze", json({ code }, USER))).json())
      .security;
  const clean = await score(
    "export const add = (a: number, b: number) => a + b;\n",
  );
  const risky = await score("export const run = (s: string) => eval(s);\n");
  assert.ok(clean > risky, `${clean} > ${risky}`);
});

Deno.test("POST /v1/analyze answers 400 naming the field for bad bodies", async () => {
  const { app } = testApp();
  const cases: [unknown, string][] = [
    [{}, "body"],
    [{ code: "" }, "body.code"],
    [{ code: 42 }, "body.code"],
    [{ code: "x", files: [{ path: "a.ts", content: "x" }] }, "body"],
    [{ files: [] }, "body.files"],
    [{ files: [{ path: "", content: "x" }] }, "body.files.0.path"],
    [{ code: "x", language: "not a language!" }, "body.language"],
  ];
  for (const [body, path] of cases) {
    const res = await app.request("/v1/analyze", json(body, USER));
    assert.equal(res.status, 400, JSON.stringify(body));
    const { error } = await res.json();
    assert.equal(error.code, "invalid_request");
    const paths = error.details.issues.map((i: { path: string }) => i.path);
    assert.ok(paths.includes(path), `${JSON.stringify(body)}: ${paths}`);
  }
});

Deno.test("POST /v1/analyze needs an API key", async () => {
  const { app } = testApp();
  const res = await app.request("/v1/analyze", json({ code: "let a = 1;" }));
  assert.equal(res.status, 401);
  await res.body?.cancel();
});

Deno.test("the analyser is an injectable dependency", async () => {
  const seen: unknown[] = [];
  const { app } = testApp({
    analyze: (files, options) => {
      seen.push({ files, options });
      return {
        security: 1,
        quality: 2,
        maintainability: 3,
        findings: [],
        metrics: {
          files: files.length,
          lines: 0,
          codeLines: 0,
          commentLines: 0,
          functions: 0,
          maxComplexity: 0,
          averageComplexity: 0,
          maxFunctionLines: 0,
          maxNesting: 0,
          duplicatedLines: 0,
          exportedSymbols: 0,
          documentedExports: 0,
          longLines: 0,
        },
      };
    },
  });
  const res = await app.request(
    "/v1/analyze",
    json({ code: "print(1)", language: "Python", filename: "main.py" }, USER),
  );
  assert.equal(res.status, 200);
  assert.equal((await res.json()).maintainability, 3);
  assert.deepEqual(seen, [{
    files: [{ path: "main.py", content: "print(1)" }],
    options: { language: "python" },
  }]);
});
