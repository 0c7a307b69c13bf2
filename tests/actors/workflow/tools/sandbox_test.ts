import { assert } from "../../../deps.ts";
import { createWorkspace } from "../../../../actors/workflow/tools/workspace.ts";
import {
  runTests,
  UnsupportedLanguageError,
} from "../../../../actors/workflow/tools/sandbox.ts";
import { FAST, sandboxed } from "./_sandbox_support.ts";

/** A suite whose only test does `body`; the test must fail inside the sandbox. */
async function assertDeniedInside(body: string, denial: RegExp): Promise<void> {
  const report = await sandboxed({
    "escape_test.ts": `Deno.test("escape", async () => { ${body} });\n`,
  });
  assert.equal(report.status, "failed", report.output);
  assert.equal(report.failed, 1);
  assert.equal(report.passed, 0);
  assert.match(report.failures[0]?.message ?? "", denial);
}

Deno.test("a passing suite reports passed with counts", async () => {
  const report = await sandboxed({
    "math.ts": "export const add = (a: number, b: number): number => a + b;\n",
    "math_test.ts": `import { add } from "./math.ts";
import assert from "node:assert/strict";
Deno.test("adds", () => { assert.equal(add(1, 2), 3); });
Deno.test("adds negatives", () => { assert.equal(add(-1, -2), -3); });
Deno.test({ name: "later", ignore: true, fn() {} });
`,
  });
  assert.equal(report.status, "passed", report.output);
  assert.equal(report.passed, 2);
  assert.equal(report.failed, 0);
  assert.equal(report.ignored, 1);
  assert.deepEqual(report.testFiles, ["math_test.ts"]);
  assert.equal(report.exitCode, 0);
});

Deno.test("a failing suite reports each failure's name and message", async () => {
  const report = await sandboxed({
    "math.ts": "export const add = (a: number, b: number): number => a - b;\n",
    "math_test.ts": `import { add } from "./math.ts";
Deno.test("adds", () => {
  const got = add(1, 2);
  if (got !== 3) throw new Error("expected 3, got " + got);
});
Deno.test("passes", () => {});
`,
  });
  assert.equal(report.status, "failed");
  assert.equal(report.passed, 1);
  assert.equal(report.failed, 1);
  assert.equal(report.failures[0]?.name, "adds");
  assert.equal(report.failures[0]?.file, "math_test.ts");
  assert.match(report.failures[0]?.message ?? "", /expected 3, got -1/);
});

Deno.test("type errors fail the run when checking is on", async () => {
  const report = await sandboxed({
    "bad_test.ts": `const n: number = "not a number";
Deno.test("never runs", () => { console.log(n); });
`,
  }, { ...FAST, check: true, timeoutMs: 60_000 });
  assert.equal(report.status, "failed");
  assert.equal(report.failures[0]?.name, "type check");
  assert.match(report.failures[0]?.message ?? "", /TS2322/);
});

Deno.test("an error at module top level is reported as a failure", async () => {
  const report = await sandboxed({
    "top_test.ts": `throw new Error("broken at load");\n`,
  });
  assert.equal(report.status, "failed");
  assert.match(report.failures[0]?.message ?? "", /broken at load/);
});

Deno.test("reading /etc/passwd through the Deno API fails NotCapable", async () => {
  await assertDeniedInside(
    `await Deno.readTextFile("/etc/passwd");`,
    /NotCapable: Requires read access to "\/etc\/passwd"/,
  );
});

Deno.test("reading /etc/passwd through node:fs is refused by the graph check", async () => {
  const report = await sandboxed({
    "fs_test.ts": `import { readFileSync } from "node:fs";
Deno.test("read", () => { readFileSync("/etc/passwd", "utf8"); });
`,
  });
  assert.equal(report.status, "refused");
  assert.equal(report.passed + report.failed, 0);
  assert.deepEqual(report.refusedModules?.map((m) => m.specifier), [
    "node:fs",
  ]);
  assert.ok(report.allowedBuiltins.includes("node:assert/strict"));
});

Deno.test("a static text import of /etc/passwd is refused by the graph check", async () => {
  const report = await sandboxed({
    "import_test.ts": `import passwd from "/etc/passwd" with { type: "text" };
Deno.test("leak", () => { console.log(passwd); });
`,
  });
  assert.equal(report.status, "refused");
  assert.ok(
    report.refusedModules?.some((m) =>
      m.specifier === "file:///etc/passwd" && /outside/.test(m.reason)
    ),
  );
  assert.doesNotMatch(report.output, /root:/);
});

Deno.test("a literal dynamic import outside the workspace is refused", async () => {
  const report = await sandboxed({
    "dyn_test.ts": `Deno.test("leak", async () => {
  const m = await import("/etc/hostname", { with: { type: "text" } });
  console.log(m.default);
});
`,
  });
  assert.equal(report.status, "refused");
  assert.ok(
    report.refusedModules?.some((m) => m.specifier === "file:///etc/hostname"),
  );
});

Deno.test("a computed dynamic import outside the workspace fails inside", async () => {
  await assertDeniedInside(
    `const p = ["", "etc", "passwd"].join("/");
     await import(p, { with: { type: "text" } });`,
    /Requires read access/,
  );
});

Deno.test("remote, npm, jsr and data imports are refused", async () => {
  const report = await sandboxed({
    "remote_test.ts": `import "https://example.com/x.ts";
import "npm:left-pad";
import "jsr:@std/fs";
import "data:text/javascript,export default 1";
Deno.test("x", () => {});
`,
  });
  assert.equal(report.status, "refused");
  const specifiers = report.refusedModules?.map((m) => m.specifier) ?? [];
  for (
    const s of [
      "https://example.com/x.ts",
      "npm:left-pad",
      "jsr:@std/fs",
      "data:text/javascript,export default 1",
    ]
  ) {
    assert.ok(specifiers.includes(s), `${s} not refused: ${specifiers}`);
  }
});

Deno.test("a symlink leading out of the workspace is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sandbox-test-" });
  try {
    await Deno.symlink("/etc/passwd", `${dir}/data.txt`);
    await Deno.writeTextFile(
      `${dir}/link_test.ts`,
      `Deno.test("leak", () => { console.log(Deno.readTextFileSync("./data.txt")); });\n`,
    );
    const report = await runTests(dir, FAST);
    assert.equal(report.status, "refused");
    assert.equal(report.refusedModules?.[0]?.specifier, "data.txt");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fetch fails NotCapable", async () => {
  await assertDeniedInside(
    `await fetch("http://127.0.0.1:8080/");`,
    /NotCapable: Requires net access/,
  );
});

Deno.test("reading the environment fails NotCapable", async () => {
  await assertDeniedInside(
    `Deno.env.get("HOME");`,
    /NotCapable: Requires env access/,
  );
});

Deno.test("starting a subprocess fails NotCapable", async () => {
  await assertDeniedInside(
    `await new Deno.Command("sh", { args: ["-c", "cat /etc/passwd"] }).output();`,
    /NotCapable: Requires run access/,
  );
});

Deno.test("writing outside the workspace fails NotCapable", async () => {
  await assertDeniedInside(
    `await Deno.writeTextFile("/tmp/sandbox-escape.txt", "x");`,
    /NotCapable: Requires write access/,
  );
});

Deno.test("writing inside the workspace fails too: it is read-only", async () => {
  await assertDeniedInside(
    `await Deno.writeTextFile("./generated.txt", "x");`,
    /NotCapable: Requires write access/,
  );
});

Deno.test("an endless loop is killed by the timeout", async () => {
  const report = await sandboxed({
    "loop_test.ts":
      `Deno.test("spin", () => { while (true) { /* spin */ } });\n`,
  }, { ...FAST, timeoutMs: 1500 });
  assert.equal(report.status, "timeout");
  assert.match(report.reason ?? "", /1500 ms/);
  assert.equal(report.signal, "SIGKILL");
  assert.equal(report.failed, 1);
  assert.equal(report.failures[0]?.name, "spin");
  assert.match(report.failures[0]?.message ?? "", /timeout/);
});

Deno.test("a heap bomb crashes against the heap cap", async () => {
  const report = await sandboxed({
    "bomb_test.ts": `Deno.test("grow", () => {
  const keep: unknown[] = [];
  while (true) keep.push({ n: Math.random(), s: [1, 2, 3] });
});
`,
  });
  assert.equal(report.status, "crashed");
  assert.match(report.reason ?? "", /out of memory/);
  assert.equal(report.failures[0]?.name, "grow");
});

Deno.test("memory outside the heap is killed by the resident-memory watchdog", async () => {
  const report = await sandboxed({
    "buffers_test.ts": `Deno.test("buffers", () => {
  const keep: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) keep.push(new Uint8Array(64 * 1024 * 1024).fill(1));
  console.log(keep.length);
});
`,
  }, { ...FAST, rssLimitMb: 400 });
  assert.equal(report.status, "crashed");
  assert.match(report.reason ?? "", /resident memory/);
});

Deno.test("long output is truncated, keeping head and tail", async () => {
  const report = await sandboxed({
    "noisy_test.ts": `Deno.test("noisy", () => {
  for (let i = 0; i < 5000; i++) console.log("line " + i);
});
`,
  }, { ...FAST, maxOutputChars: 2000 });
  assert.equal(report.status, "passed");
  assert.ok(report.outputTruncated);
  assert.ok(report.output.length < 2200);
  assert.match(report.output, /line 0\n/);
  assert.match(report.output, /ok \| 1 passed/);
});

Deno.test("a workspace without tests fails with a hint", async () => {
  const report = await sandboxed({ "main.ts": "export const x = 1;\n" });
  assert.equal(report.status, "failed");
  assert.match(report.failures[0]?.message ?? "", /_test\.ts/);
});

Deno.test("languages other than TypeScript and JavaScript are refused", async () => {
  const error = await runTests(".", { language: "python" }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(error instanceof UnsupportedLanguageError);
  assert.equal(error.language, "python");
  assert.match(error.message, /runs TypeScript and JavaScript/);
});

Deno.test("an aborted run kills the child and rejects with the reason", async () => {
  const controller = new AbortController();
  const pending = sandboxed({
    "loop_test.ts":
      `Deno.test("spin", () => { while (true) { /* spin */ } });\n`,
  }, { ...FAST, signal: controller.signal, timeoutMs: 60_000 });
  setTimeout(() => controller.abort(new Error("build cancelled")), 500);
  const error = await pending.then(() => null, (e: unknown) => e);
  assert.ok(error instanceof Error);
  assert.equal(error.message, "build cancelled");
});

Deno.test("an escape hidden in a helper module is refused too", async () => {
  const report = await sandboxed({
    "lib/util.ts":
      `export { default as secret } from "/etc/passwd" with { type: "text" };\n`,
    "util_test.ts": `import { secret } from "./lib/util.ts";
Deno.test("leak", () => { console.log(secret); });
`,
  });
  assert.equal(report.status, "refused");
  assert.equal(report.refusedModules?.[0]?.specifier, "file:///etc/passwd");
});

Deno.test("only the chosen test files run and the workspace is left unchanged", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sandbox-test-" });
  try {
    await Deno.writeTextFile(`${dir}/a_test.ts`, `Deno.test("a", () => {});\n`);
    await Deno.writeTextFile(
      `${dir}/b_test.ts`,
      `Deno.test("b", () => { throw new Error("b ran"); });\n`,
    );
    const report = await runTests(dir, { ...FAST, testFiles: ["a_test.ts"] });
    assert.equal(report.status, "passed", report.output);
    assert.equal(report.passed, 1);
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names.sort(), ["a_test.ts", "b_test.ts"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a chosen test file outside the workspace is refused", async () => {
  const report = await sandboxed({ "a_test.ts": "" }, {
    ...FAST,
    testFiles: ["../a_test.ts"],
  });
  assert.equal(report.status, "refused");
  assert.equal(report.refusedModules?.[0]?.specifier, "../a_test.ts");
});

Deno.test("a test cannot grant itself more permissions", async () => {
  const report = await sandboxed({
    "escalate_test.ts": `Deno.test({
  name: "escalate",
  permissions: { read: true, net: true },
  fn: () => Deno.readTextFileSync("/etc/passwd"),
});
Deno.test("request", async () => {
  const status = await Deno.permissions.request({ name: "read", path: "/etc/passwd" });
  if (status.state !== "granted") throw new Error("permission " + status.state);
  Deno.readTextFileSync("/etc/passwd");
});
Deno.test("worker", async () => {
  const url =
    "data:text/javascript,postMessage(Deno.readTextFileSync('/etc/passwd'))";
  const worker = new Worker(url, { type: "module" });
  try {
    await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error("worker: " + e.message));
      };
    });
  } finally {
    worker.terminate();
  }
});
Deno.test("worker from a file outside", async () => {
  const worker = new Worker("file:///etc/passwd", { type: "module" });
  try {
    await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error("worker: " + e.message));
      };
    });
  } finally {
    worker.terminate();
  }
});
`,
  });
  assert.equal(report.status, "failed", report.output);
  assert.equal(report.passed, 0);
  assert.equal(report.failed, 4);
  assert.doesNotMatch(report.output, /root:x:0/);
  for (const failure of report.failures) {
    assert.match(failure.message, /escalate|denied|NotCapable|Requires/i);
  }
});

Deno.test("a build workspace's files run in the sandbox", async () => {
  const root = await Deno.makeTempDir({ prefix: "sandbox-test-" });
  try {
    const ws = await createWorkspace(root, "b_42");
    await ws.writeFile(
      "src/slug.ts",
      `export const slug = (s: string): string => s.toLowerCase().replaceAll(" ", "-");\n`,
    );
    await ws.writeFile(
      "tests/slug_test.ts",
      `import { slug } from "../src/slug.ts";
import { strictEqual } from "node:assert";
Deno.test("slugs", () => strictEqual(slug("Hello World"), "hello-world"));
`,
    );
    const report = await runTests(ws.dir, {
      ...FAST,
      check: true,
      timeoutMs: 60_000,
    });
    assert.equal(report.status, "passed", report.output);
    assert.deepEqual(report.testFiles, ["tests/slug_test.ts"]);
    assert.deepEqual(await ws.list(), ["src/slug.ts", "tests/slug_test.ts"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("special files such as FIFOs are refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sandbox-test-" });
  try {
    const made = await new Deno.Command("mkfifo", { args: [`${dir}/pipe`] })
      .output();
    assert.ok(made.success);
    await Deno.writeTextFile(`${dir}/a_test.ts`, `Deno.test("a", () => {});\n`);
    const report = await runTests(dir, FAST);
    assert.equal(report.status, "refused");
    assert.equal(report.refusedModules?.[0]?.specifier, "pipe");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
