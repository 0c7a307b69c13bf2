import { assert } from "../../deps.ts";
import {
  isTestCode,
  isTestFile,
  javascript,
  languageNamed,
  languageOfFence,
  languageOfPath,
  LANGUAGES,
  languageSchema,
  python,
  SUPPORTED_LANGUAGES,
  typescript,
} from "../../../actors/languages/mod.ts";
import { analyserFor, toolsFor } from "../../../actors/languages/tools.ts";
import { languageFor } from "../../../actors/workflow/tools/analysis/mod.ts";
import { parseGeneration } from "../../../actors/workflow/prompts.ts";

Deno.test("one test-file rule per language, by file name", () => {
  const cases: [string, boolean][] = [
    ["foo_test.ts", true],
    ["foo.test.ts", true],
    ["foo.spec.ts", true],
    ["foo_spec.tsx", true],
    ["test.ts", true],
    ["src/deep/foo.spec.mts", true],
    ["foo.ts", false],
    ["latest.ts", false],
    ["contest.ts", false],
    ["foo_test.js", true],
    ["foo.spec.mjs", true],
    ["test_foo.py", true],
    ["foo_test.py", true],
    ["pkg/tests/test_foo.py", true],
    ["foo.py", false],
    ["tests.py", false],
    ["conftest.py", false],
    ["testing.py", false],
    ["test_foo.txt", false],
    ["foo_test.go", false],
  ];
  for (const [path, expected] of cases) {
    assert.equal(isTestFile(path), expected, path);
  }
  // Each language owns its own names only.
  assert.equal(typescript.isTestFile("foo.spec.ts"), true);
  assert.equal(typescript.isTestFile("foo_test.js"), false);
  assert.equal(javascript.isTestFile("foo_test.js"), true);
  assert.equal(python.isTestFile("test_foo.py"), true);
  assert.equal(python.isTestFile("foo_test.ts"), false);
});

Deno.test("test code covers test files, conftest.py and test folders", () => {
  assert.equal(isTestCode("conftest.py"), true);
  assert.equal(isTestCode("tests/helpers.ts"), true);
  assert.equal(isTestCode("test/util.py"), true);
  assert.equal(isTestCode("foo.spec.ts"), true);
  assert.equal(isTestCode("src/contest.py"), false);
  assert.equal(isTestCode("src/attest.ts"), false);
});

Deno.test("each language names its tests the way its runner finds them", () => {
  for (const language of LANGUAGES) {
    for (const base of ["mod", "stack", "src/deep/stack"]) {
      const name = language.testFileFor(base);
      assert.ok(language.isTestFile(name), `${language.id}: ${name}`);
      assert.equal(languageOfPath(name), language);
    }
  }
  assert.equal(python.testFileFor("src/stack"), "src/test_stack.py");
  assert.equal(typescript.testFileFor("stack"), "stack_test.ts");
});

Deno.test("names, aliases, extensions and fence tags find one language", () => {
  assert.deepEqual([...SUPPORTED_LANGUAGES], [
    "typescript",
    "javascript",
    "python",
  ]);
  assert.equal(languageNamed(" Python ")?.id, "python");
  assert.equal(languageNamed("py")?.id, "python");
  assert.equal(languageNamed("tsx")?.id, "typescript");
  assert.equal(languageNamed("node")?.id, "javascript");
  assert.equal(languageNamed("cobol"), undefined);
  assert.equal(languageOfPath("a/b.pyi")?.id, "python");
  assert.equal(languageOfPath("x.cjs")?.id, "javascript");
  assert.equal(languageOfPath("README.md"), undefined);
  assert.equal(languageOfFence("python3")?.id, "python");
  assert.equal(languageOfFence("typescript")?.id, "typescript");
  assert.equal(languageOfFence("bash"), undefined);
  // No extension or alias belongs to two languages.
  const exts = LANGUAGES.flatMap((l) => l.extensions);
  assert.equal(new Set(exts).size, exts.length);
  const names = LANGUAGES.flatMap((l) => [l.id, ...l.aliases]);
  assert.equal(new Set(names).size, names.length);
});

Deno.test("the schema gives ids and names what is supported", () => {
  assert.equal(languageSchema.parse("PY"), "python");
  assert.equal(languageSchema.parse("typescript"), "typescript");
  const bad = languageSchema.safeParse("cobol");
  assert.equal(bad.success, false);
  assert.match(
    bad.error?.issues[0]?.message ?? "",
    /"cobol".*typescript, javascript, python/,
  );
});

Deno.test("every language has a sandbox runner and an analyser, found by name or path", () => {
  for (const language of LANGUAGES) {
    const tools = toolsFor(language.id);
    assert.ok(tools, language.id);
    assert.equal(typeof tools.runTests, "function");
    assert.equal(analyserFor(language.id)?.id, language.id);
    for (const alias of language.aliases) {
      assert.equal(toolsFor(alias), tools, alias);
    }
    const ext = language.extensions[0];
    assert.equal(languageFor(`x.${ext}`, "typescript")?.id, language.id);
  }
  assert.equal(toolsFor("go"), undefined);
});

Deno.test("the answer parser uses the same rule: foo.spec.ts and foo_test.py are tests", () => {
  const F = "```";
  const ts = parseGeneration(
    `${F}ts file=foo.ts\nexport const a = 1;\n${F}\n${F}ts file=foo.spec.ts\nimport { a } from "./foo.ts";\nDeno.test("a", () => {});\n${F}`,
    "typescript",
  );
  assert.ok(ts.ok);
  assert.deepEqual(ts.value.map((f) => f.kind), ["source", "test"]);
  const py = parseGeneration(
    `${F}python file=foo.py\nA = 1\n${F}\n${F}python file=foo_test.py\nfrom foo import A\n\ndef test_a():\n    assert A == 1\n${F}`,
    "python",
  );
  assert.ok(py.ok);
  assert.deepEqual(py.value.map((f) => f.kind), ["source", "test"]);
});
