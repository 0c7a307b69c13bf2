/**
 * Python: tests run in the Pyodide sandbox, in files named `test_*.py` or
 * `*_test.py`, written with `unittest` or pytest-style `test_*` functions
 * and plain `assert` (a small in-repo `pytest` module provides `raises`,
 * `approx`, `mark.parametrize` and simple fixtures).
 *
 * @module
 */
import { baseName, type LanguageSpec } from "./model.ts";

const TEST_FILE = /^(?:test_[^/]*|[^/]*_test)\.py$/;

const LOOKS_LIKE_TEST =
  /^\s*(?:import\s+(?:unittest|pytest)\b|from\s+(?:unittest|pytest)\b)|^\s*(?:async\s+)?def\s+test_\w*\s*\(|^\s*class\s+\w*Test\w*\s*\(\s*(?:unittest\.)?TestCase\s*\)/m;
const LOOKS_LIKE_CODE =
  /^\s*(?:def|class|import|from|async\s+def|@\w+)\b|^\s*\w+\s*=.*$/m;

/** Workspace modules imported by `import x` / `from x import y` (`x` -> `x.py`, `a.b` -> `a/b.py`). */
function relativeImports(code: string): string[] {
  const names: string[] = [];
  for (
    const m of code.matchAll(
      /^\s*(?:from\s+(\.?[\w.]+)\s+import\b|import\s+([\w.]+(?:\s*,\s*[\w.]+)*))/gm,
    )
  ) {
    const list = m[1] !== undefined ? [m[1]] : (m[2] ?? "").split(",");
    for (const raw of list) {
      const name = raw.trim().replace(/^\.+/, "");
      if (name === "" || STDLIB_HINTS.has(name.split(".")[0]!)) continue;
      names.push(`${name.replaceAll(".", "/")}.py`);
    }
  }
  return names;
}

/** Modules tests import that are never the workspace's own (the ones prompts name). */
const STDLIB_HINTS = new Set([
  "unittest",
  "pytest",
  "typing",
  "dataclasses",
  "collections",
  "math",
  "re",
  "json",
  "os",
  "sys",
  "functools",
  "itertools",
  "datetime",
  "decimal",
  "fractions",
  "string",
  "random",
  "abc",
  "enum",
  "__future__",
]);

const IMPORTS =
  "only the standard library, the module's own files and pytest (raises, approx, mark.parametrize, simple fixtures); no third-party packages (numpy, requests), no network, no file system outside the project, no asyncio tests";

/** Python, tested in the Pyodide (WebAssembly) sandbox. */
export const python: LanguageSpec<"python"> = Object.freeze({
  id: "python",
  label: "Python",
  aliases: ["py", "python3"],
  extensions: ["py", "pyi"],
  sandbox: "pyodide",
  fence: "python",
  fenceTags: ["python", "py", "python3", "py3"],
  isTestFile: (path: string) => TEST_FILE.test(baseName(path)),
  isTestSupport: (path: string) => baseName(path) === "conftest.py",
  testFileFor: (base: string) => {
    const slash = base.lastIndexOf("/");
    return `${base.slice(0, slash + 1)}test_${base.slice(slash + 1)}.py`;
  },
  testNaming: "files named test_*.py (or *_test.py)",
  conventions:
    "Tests are pytest-style test_* functions with plain assert, or unittest.TestCase classes; " +
    `they import the module by name (from mod import f) and use ${IMPORTS}. ` +
    'No if __name__ == "__main__": block is needed.',
  importPolicy: IMPORTS,
  looksLikeTest: (code: string) => LOOKS_LIKE_TEST.test(code),
  looksLikeCode: (code: string) => LOOKS_LIKE_CODE.test(code),
  relativeImports,
});
