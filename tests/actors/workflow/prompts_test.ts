import { assert } from "../../deps.ts";
import {
  generationPrompt,
  parseGeneration,
  parsePlan,
  type PromptInput,
} from "../../../actors/workflow/prompts.ts";
import { FAILING_CODE, GOOD_CODE, MALFORMED } from "../_scripts.ts";

const INPUT: PromptInput = {
  requirements: "A typed stack.",
  language: "typescript",
  analysis: null,
  buildPlan: null,
  files: [],
  testReport: null,
  attempts: 0,
};

Deno.test("parseGeneration sorts files into source, test and doc", () => {
  const parsed = parseGeneration(GOOD_CODE, "typescript");
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.map((f) => [f.path, f.kind]), [
    ["stack.ts", "source"],
    ["stack_test.ts", "test"],
    ["README.md", "doc"],
  ]);
});

Deno.test("parseGeneration explains what is missing", () => {
  const none = parseGeneration(MALFORMED, "typescript");
  assert.equal(none.ok, false);
  assert.match(!none.ok ? none.problem : "", /no fenced code blocks/);

  const onlySource = parseGeneration(
    "```ts file=a.ts\nexport const a = 1;\n```\n```ts\nconst x = 2;\n```",
    "typescript",
  );
  assert.equal(onlySource.ok, false);
  assert.equal(!onlySource.ok && onlySource.code, "no_tests");
  assert.match(
    !onlySource.ok ? onlySource.problem : "",
    /source but no test file/,
  );
});

Deno.test("parseGeneration refuses file names that leave the workspace", () => {
  for (const name of ["../evil.ts", "/etc/x_test.ts", "a\\b.ts"]) {
    const parsed = parseGeneration(
      "```ts file=" + name + "\nx\n```\n```ts file=a_test.ts\ny\n```",
      "typescript",
    );
    assert.equal(parsed.ok, false, name);
    assert.equal(!parsed.ok && parsed.code, "unsafe_path", name);
    assert.match(!parsed.ok ? parsed.problem : "", /absolute|leaves|backslash/);
  }
});

Deno.test("parsePlan reads the JSON object and rejects bad shapes", () => {
  const ok = parsePlan(
    'Plan:\n{"phases":[{"name":"core","tasks":["a","b"]}],"estimateMinutes":7}',
  );
  assert.ok(ok.ok);
  assert.deepEqual(ok.value, {
    phases: [{ name: "core", tasks: ["a", "b"] }],
    estimateMinutes: 7,
  });
  assert.equal(parsePlan("no json here").ok, false);
  assert.equal(parsePlan('{"phases": []}').ok, false);
  assert.equal(parsePlan("{not json}").ok, false);
  const noEstimate = parsePlan('{"phases":[{"name":"x","tasks":[]}]}');
  assert.equal(!noEstimate.ok && noEstimate.code, "schema_mismatch");
});

Deno.test("a retry prompt carries the previous files and the failures", () => {
  const files = parseGeneration(FAILING_CODE, "typescript");
  assert.ok(files.ok);
  const messages = generationPrompt({
    ...INPUT,
    files: files.value,
    attempts: 1,
    testReport: {
      status: "failed",
      passed: 1,
      failed: 1,
      ignored: 0,
      durationMs: 10,
      failures: [{ name: "pop returns the last pushed item", message: "boom" }],
      output: "",
      outputTruncated: false,
      testFiles: ["stack_test.ts"],
      allowedBuiltins: [],
      exitCode: 1,
      signal: null,
    },
  });
  assert.equal(messages.length, 4);
  assert.equal(messages[2]?.role, "assistant");
  assert.match(messages[2]?.content ?? "", /file=stack\.ts/);
  assert.doesNotMatch(messages[2]?.content ?? "", /README/);
  assert.match(
    messages[3]?.content ?? "",
    /pop returns the last pushed item: boom/,
  );
  assert.equal(generationPrompt(INPUT).length, 2);
});

Deno.test("a retry prompt after refused imports names them and the sandbox's reason", () => {
  const files = parseGeneration(GOOD_CODE, "typescript");
  assert.ok(files.ok);
  const messages = generationPrompt({
    ...INPUT,
    files: files.value,
    attempts: 1,
    testReport: {
      status: "refused",
      passed: 0,
      failed: 0,
      ignored: 0,
      durationMs: 10,
      failures: [],
      output: "",
      outputTruncated: false,
      testFiles: ["stack_test.ts"],
      reason: "imports outside the workspace are not allowed",
      refusedModules: [{ specifier: "npm:lodash", reason: "npm: is refused" }],
      allowedBuiltins: ["node:assert"],
      exitCode: null,
      signal: null,
    },
  });
  const last = messages.at(-1)?.content ?? "";
  assert.match(last, /refused \(0 passed, 0 failed\): imports outside/);
  assert.match(last, /npm:lodash: npm: is refused/);
  assert.match(last, /node:assert/);
});

Deno.test("a Python build's prompt asks for Python files, test_*.py names and pytest/unittest tests", () => {
  const python = { ...INPUT, language: "python" };
  const [system] = generationPrompt(python);
  const text = system?.content ?? "";
  assert.match(text, /senior Python engineer/);
  assert.match(text, /```python file=mod\.py/);
  assert.match(text, /test_\*\.py/);
  assert.match(text, /test_mod\.py/);
  assert.match(text, /pytest/);
  assert.match(text, /unittest/);
  assert.doesNotMatch(text, /Deno\.test|_test\.ts/);
  // TypeScript keeps its own conventions.
  const ts = generationPrompt(INPUT)[0]?.content ?? "";
  assert.match(ts, /Deno\.test/);
  assert.doesNotMatch(ts, /pytest/);
});

Deno.test("a Python retry prompt shows the files as python blocks and the import rules after a refusal", () => {
  const F = "```";
  const files = parseGeneration(
    `${F}python file=stats.py\nimport numpy\n${F}\n${F}python file=test_stats.py\nfrom stats import mean\n\ndef test_mean():\n    assert mean([1]) == 1\n${F}`,
    "python",
  );
  assert.ok(files.ok);
  const messages = generationPrompt({
    ...INPUT,
    language: "python",
    files: files.value,
    attempts: 1,
    testReport: {
      status: "refused",
      passed: 0,
      failed: 0,
      ignored: 0,
      durationMs: 10,
      failures: [],
      output: "",
      outputTruncated: false,
      testFiles: ["test_stats.py"],
      reason: 'refused import "numpy"',
      refusedModules: [{
        specifier: "numpy",
        reason: "not in the standard library or the workspace",
      }],
      allowedBuiltins: [],
      exitCode: null,
      signal: null,
    },
  });
  assert.match(messages[2]?.content ?? "", /```python file=stats\.py/);
  assert.match(messages[2]?.content ?? "", /```python file=test_stats\.py/);
  const last = messages.at(-1)?.content ?? "";
  assert.match(last, /numpy: not in the standard library/);
  assert.match(last, /standard library/);
  assert.doesNotMatch(last, /node:|Deno/);
});
