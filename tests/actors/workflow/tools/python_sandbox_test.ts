import { assert } from "../../../deps.ts";
import {
  LazyPythonPool,
  PythonSandboxPool,
  runPythonTests,
  type RunPythonTestsOptions,
  SandboxFileError,
} from "../../../../actors/workflow/tools/python_sandbox/mod.ts";
import { usableSnapshotDir } from "../../../../actors/workflow/tools/python_sandbox/snapshot.ts";
import type { TestReport } from "../../../../actors/workflow/tools/sandbox.ts";
import { TEST_SNAPSHOT_DIR } from "../../../_python_snapshot.ts";

// One pool shared by the steps: each process still runs one job only.
// Generous timeouts: a loaded 2-core machine stretches runs; only the
// endless-loop step relies on its timeout firing.
const SHARED = { sanitizeOps: false, sanitizeResources: false } as const;

const CALC = "def add(a, b):\n    return a + b\n";

Deno.test("python sandbox", SHARED, async (t) => {
  const pool = new PythonSandboxPool({
    size: 2,
    startTimeoutMs: 120_000,
    snapshotDir: TEST_SNAPSHOT_DIR,
  });
  const run = (
    files: Record<string, string>,
    options: RunPythonTestsOptions = {},
  ): Promise<TestReport> =>
    runPythonTests(files, { pool, timeoutMs: 30_000, ...options });
  const step = (name: string, fn: () => Promise<void>) =>
    t.step({ name, fn, ...SHARED });

  try {
    await step("a pytest-style suite passes with counts", async () => {
      const report = await run({
        "calc.py": CALC,
        "tests/test_calc.py": `import pytest
from calc import add

@pytest.fixture
def base():
    yield 10

def test_add(base):
    assert add(base, 1) == 11

@pytest.mark.parametrize("a,b,expected", [(1, 2, 3), (2, 2, 4), pytest.param(0, 0, 0, id="zeros")])
def test_table(a, b, expected):
    assert add(a, b) == expected

def test_raises_and_approx():
    with pytest.raises(ZeroDivisionError, match="division"):
        1 / 0
    assert add(0.1, 0.2) == pytest.approx(0.3)
    assert [add(0.1, 0.2)] == pytest.approx([0.3])

@pytest.mark.skip(reason="later")
def test_later():
    raise AssertionError("skipped tests do not run")

def test_skip_inside():
    pytest.skip("not today")

class TestGroup:
    def test_in_class(self):
        assert add(2, 3) == 5
`,
      });
      assert.equal(report.status, "passed", JSON.stringify(report, null, 1));
      assert.equal(report.passed, 6);
      assert.equal(report.ignored, 2);
      assert.equal(report.failed, 0);
      assert.deepEqual(report.testFiles, ["tests/test_calc.py"]);
      assert.equal(report.exitCode, 0);
    });

    await step("a unittest suite passes, *_test.py is discovered", async () => {
      const report = await run({
        "calc.py": CALC,
        "calc_test.py": `import unittest
from calc import add

class AddTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.base = 5

    def test_add(self):
        self.assertEqual(add(self.base, 1), 6)

    def test_sub(self):
        for n in range(3):
            with self.subTest(n=n):
                self.assertEqual(add(n, 0), n)

    @unittest.skip("later")
    def test_later(self):
        self.fail("skipped")
`,
      });
      assert.equal(report.status, "passed", JSON.stringify(report, null, 1));
      assert.equal(report.passed, 2);
      assert.equal(report.ignored, 1);
      assert.deepEqual(report.testFiles, ["calc_test.py"]);
    });

    await step(
      "failures carry name, file, the assert's values and the traceback line",
      async () => {
        const report = await run({
          "calc.py": "def add(a, b):\n    return a - b\n",
          "test_calc.py": `import unittest
import pytest
from calc import add

def test_add():
    assert add(1, 2) == 3

def test_passes():
    assert True

def test_raises_wrong():
    with pytest.raises(ValueError, match="bad"):
        raise ValueError("good")

class AddTest(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(2, 2), 4)
`,
        });
        assert.equal(report.status, "failed");
        assert.equal(report.passed, 1);
        assert.equal(report.failed, 3);
        assert.match(report.reason ?? "", /3 tests failed/);
        const byName = new Map(report.failures.map((f) => [f.name, f]));
        const plain = byName.get("test_add");
        assert.equal(plain?.file, "test_calc.py");
        assert.match(
          plain?.message ?? "",
          /File "test_calc.py", line 6, in test_add/,
        );
        assert.match(plain?.message ?? "", /assert add\(1, 2\) == 3/);
        assert.match(plain?.message ?? "", /AssertionError: assert -1 == 3/);
        assert.match(
          byName.get("test_raises_wrong")?.message ?? "",
          /Regex pattern did not match/,
        );
        assert.match(
          byName.get("AddTest::test_add")?.message ?? "",
          /AssertionError: 0 != 4/,
        );
      },
    );

    await step(
      "a test module that does not import is a collection error",
      async () => {
        const report = await run({
          "test_broken.py": "def test_x(:\n    pass\n",
          "test_ok.py": "def test_ok():\n    assert 1 + 1 == 2\n",
        });
        assert.equal(report.status, "failed");
        assert.equal(report.passed, 1);
        const failure = report.failures.find((f) =>
          f.file === "test_broken.py"
        );
        assert.match(failure?.name ?? "", /collection error/);
        assert.match(failure?.message ?? "", /SyntaxError/);
      },
    );

    await step("zero tests is a failure", async () => {
      const report = await run({ "calc.py": CALC, "test_calc.py": "x = 1\n" });
      assert.equal(report.status, "failed");
      assert.match(report.reason ?? "", /no tests found/);
      assert.equal(report.failed, 1);
    });

    await step(
      "non-stdlib imports and Pyodide's bridges are refused by name before anything runs",
      async () => {
        const report = await run({
          "calc.py": "import numpy as np\n",
          "test_calc.py": `import requests
import js
from pyodide.ffi import create_proxy
import pyodide_js, _pyodide
import ctypes
from calc import np

def test_x():
    pass
`,
        });
        assert.equal(report.status, "refused", JSON.stringify(report, null, 1));
        assert.deepEqual(
          report.refusedModules?.map((m) => m.specifier).sort(),
          [
            "_pyodide",
            "ctypes",
            "js",
            "numpy",
            "pyodide",
            "pyodide_js",
            "requests",
          ],
        );
        assert.match(report.reason ?? "", /numpy/);
        assert.match(report.reason ?? "", /requests/);
        assert.match(
          report.refusedModules?.find((m) => m.specifier === "js")?.reason ??
            "",
          /JavaScript/,
        );
        assert.equal(report.passed, 0);
      },
    );

    await step(
      "escapes at run time are refused or contained, each with its reason",
      async () => {
        const report = await run({
          "test_escapes.py": `import importlib
import os
import sys

try:
    import numpy
except ImportError:
    numpy = None

def test_optional_import_falls_back():
    assert numpy is None

def test_dynamic_import():
    importlib.import_module("num" + "py")

def test_js_hidden_import():
    assert "js" not in sys.modules and "pyodide_js" not in sys.modules
    __import__("j" + "s")

def test_pyodide_ffi():
    __import__("pyodide" + ".ffi")

def test_ctypes():
    importlib.import_module("c" + "types")

def test_read_etc_passwd():
    open("/etc/passwd").read()

def test_listing_is_pyodide_own():
    entries = set(os.listdir("/"))
    assert not entries & {"etc", "usr", "work", "root", "bin"}, entries
    assert "workspace" in entries

def test_subprocess():
    import subprocess
    subprocess.run(["cat", "/etc/passwd"], check=True)

def test_socket():
    import socket
    socket.create_connection(("127.0.0.1", 9), timeout=1)

def test_urlopen():
    import urllib.request
    urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)

def test_memory_bomb():
    chunks = []
    while True:
        chunks.append(bytearray(16 * 1024 * 1024))

def test_after_memory_bomb():
    assert sum(range(10)) == 45

def test_sys_exit():
    sys.exit(3)
`,
        });
        assert.equal(report.status, "failed", JSON.stringify(report, null, 1));
        const messages = new Map(
          report.failures.map((f) => [f.name, f.message]),
        );
        const expected: [string, RegExp][] = [
          ["test_dynamic_import", /import of 'numpy' refused/],
          ["test_js_hidden_import", /import of 'js' refused/],
          ["test_pyodide_ffi", /import of 'pyodide' refused/],
          ["test_ctypes", /import of 'ctypes' refused/],
          ["test_read_etc_passwd", /FileNotFoundError/],
          ["test_subprocess", /Error/],
          ["test_socket", /Error/],
          ["test_urlopen", /Error/],
          ["test_memory_bomb", /MemoryError/],
          ["test_sys_exit", /sys\.exit\(3\)/],
        ];
        for (const [name, pattern] of expected) {
          assert.match(messages.get(name) ?? `${name}: no failure`, pattern);
        }
        assert.equal(report.failed, expected.length);
        assert.equal(report.passed, 3);
        assert.deepEqual(
          report.refusedModules?.map((m) => m.specifier).sort(),
          ["ctypes", "js", "numpy", "pyodide"],
        );
        assert.match(report.reason ?? "", /refused at run time: .*numpy/);
      },
    );

    await step(
      "without the Python guard, Deno's permissions still deny the JS global scope",
      async () => {
        const report = await run({
          "test_bridge.py": `import js
import pyodide_js

def global_function(source):
    return pyodide_js.constructor.constructor(source)()

def test_js_module_is_empty():
    assert not hasattr(js, "Deno")

def test_global_scope_reached():
    assert global_function("return typeof Deno.readTextFileSync") == "function"

def test_read():
    global_function("return Deno.readTextFileSync('/etc/passwd')")

def test_env():
    global_function("return Deno.env.get('PATH')")

def test_run():
    global_function("return new Deno.Command('id').outputSync()")

def test_write():
    global_function("return Deno.writeTextFileSync('/tmp/troupe-pwned', 'x')")

def test_ffi():
    global_function("return Deno.dlopen('libc.so.6', {})")
`,
        }, { pythonGuard: false });
        assert.equal(report.status, "failed", JSON.stringify(report, null, 1));
        assert.equal(report.passed, 2, JSON.stringify(report, null, 1));
        const byName = new Map(report.failures.map((f) => [f.name, f.message]));
        for (
          const name of [
            "test_read",
            "test_env",
            "test_run",
            "test_write",
            "test_ffi",
          ]
        ) {
          assert.match(
            byName.get(name) ?? `${name}: no failure`,
            /NotCapable|Requires \S+ access/,
            name,
          );
        }
      },
    );

    await step(
      "an endless loop is killed by the timeout, naming the test",
      async () => {
        const report = await run({
          "test_loop.py":
            "def test_ok():\n    pass\n\ndef test_loop():\n    while True:\n        pass\n",
        }, { timeoutMs: 3_000 });
        assert.equal(report.status, "timeout");
        assert.equal(report.passed, 1);
        assert.match(report.reason ?? "", /3000 ms timeout/);
        assert.equal(report.failures.at(-1)?.name, "test_loop");
      },
    );

    await step(
      "sys.exit at import time fails the run with the reason",
      async () => {
        const report = await run({
          "test_exit.py":
            "import sys\nsys.exit(0)\n\ndef test_never():\n    pass\n",
        });
        assert.equal(report.status, "failed");
        assert.match(
          report.reason ?? "",
          /sys\.exit\(0\).*test_exit\.py.*outside any test/,
        );
        assert.equal(report.passed, 0);
      },
    );

    await step(
      "os._exit stops the runtime: crashed with the reason",
      async () => {
        const report = await run({
          "test_exit.py":
            "import os\n\ndef test_ok():\n    pass\n\ndef test_exit():\n    os._exit(0)\n",
        });
        assert.equal(report.status, "crashed", JSON.stringify(report, null, 1));
        assert.match(report.reason ?? "", /os\._exit.*in test test_exit/);
        assert.equal(report.passed, 1);
        assert.equal(report.failures.at(-1)?.name, "test_exit");
      },
    );

    await step(
      "10,000 tests run, and a cap makes a clear failure",
      async () => {
        const suite = {
          "test_many.py": `import pytest

@pytest.mark.parametrize("n", range(10000))
def test_n(n):
    assert n >= 0
`,
        };
        const report = await run(suite, { timeoutMs: 60_000 });
        assert.equal(report.status, "passed", report.reason ?? "");
        assert.equal(report.passed, 10_000);
        const capped = await run(suite, { maxTests: 100 });
        assert.equal(capped.status, "failed");
        assert.match(capped.reason ?? "", /more than 100 tests/);
      },
    );

    await step("a flood of output is capped, head and tail kept", async () => {
      const report = await run({
        "test_flood.py": `def test_flood():
    print("FIRST")
    for i in range(200000):
        print("x" * 50)
    print("LAST")
`,
      }, { maxOutputChars: 10_000 });
      assert.equal(report.status, "passed");
      assert.equal(report.outputTruncated, true);
      assert.ok(report.output.length < 12_000, `${report.output.length}`);
      assert.match(report.output, /^FIRST/);
      assert.match(report.output, /LAST\n$/);
      assert.match(report.output, /characters cut/);
    });
  } finally {
    await pool.close();
  }
});

Deno.test("bad file paths are refused before any process starts", async () => {
  for (const path of ["/etc/x.py", "../x.py", "a/../../x.py", ""]) {
    await assert.rejects(
      runPythonTests({ [path]: "" }),
      SandboxFileError,
    );
  }
});

Deno.test("without a pool a cold process runs the suite", async () => {
  const report = await runPythonTests({
    "calc.py": CALC,
    "test_calc.py":
      "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
  }, { timeoutMs: 30_000, poolOptions: { startTimeoutMs: 120_000 } });
  assert.equal(report.status, "passed", JSON.stringify(report, null, 1));
  assert.equal(report.passed, 1);
});

Deno.test("failed asserts are explained without running method calls twice; the parent picks the test files; async tests fail", async () => {
  await using pool = new LazyPythonPool({
    size: 1,
    startTimeoutMs: 120_000,
    snapshotDir: TEST_SNAPSHOT_DIR,
  });
  const report = await runPythonTests({
    "stack.py":
      "class Stack:\n    def __init__(self):\n        self.items = []\n    def push(self, x):\n        self.items.append(x)\n    def pop(self):\n        return self.items.pop(0)\n",
    "calc.py": CALC,
    "test_stack.py": `from stack import Stack
from calc import add

def test_pop():
    s = Stack()
    s.push(1)
    s.push(2)
    assert s.pop() == 2

def test_add():
    assert add(1, 1) == 3
`,
    "check_extra.py": "def test_not_collected():\n    assert False\n",
  }, { pool: pool.get(), timeoutMs: 30_000 });
  assert.equal(report.failed, 2, JSON.stringify(report, null, 1));
  const byName = Object.fromEntries(
    report.failures.map((f) => [f.name, f.message]),
  );
  const pop = Object.entries(byName).find(([n]) => n.includes("test_pop"));
  const add = Object.entries(byName).find(([n]) => n.includes("test_add"));
  // Evaluating `s.pop()` again would pop 2 and claim "assert 2 == 2".
  assert.match(pop?.[1] ?? "", /assert s\.pop\(\) == 2/);
  assert.doesNotMatch(pop?.[1] ?? "", /assert 2 == 2/);
  // A plain function call is evaluated again to show the value.
  assert.match(add?.[1] ?? "", /assert 2 == 3/);
  assert.deepEqual(report.testFiles, ["test_stack.py"]);

  const chosen = await runPythonTests({
    "test_a.py": "def test_a():\n    assert False\n",
    "check_b.py": "def test_b():\n    assert True\n",
  }, { pool: pool.get(), timeoutMs: 30_000, testFiles: ["check_b.py"] });
  assert.equal(chosen.status, "passed", JSON.stringify(chosen, null, 1));
  assert.equal(chosen.passed, 1);
  assert.deepEqual(chosen.testFiles, ["check_b.py"]);

  // Async tests never awaited would pass without running their asserts.
  const asyncTests = await runPythonTests({
    "test_async.py": `import asyncio
import unittest

async def test_pytest_style():
    assert False

class T(unittest.IsolatedAsyncioTestCase):
    async def test_unittest_style(self):
        await asyncio.sleep(0)
        self.assertTrue(False)
`,
  }, { pool: pool.get(), timeoutMs: 30_000 });
  assert.equal(asyncTests.status, "failed", JSON.stringify(asyncTests));
  assert.equal(asyncTests.passed, 0);
  assert.equal(asyncTests.failed, 2);
  for (const failure of asyncTests.failures) {
    assert.match(failure.message, /^async tests are not supported/);
  }
});

Deno.test("processes restore the start-up snapshot, which is kept between pools and carries nothing from earlier runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "troupe-snapshot-test-" });
  try {
    const leaky = {
      "state.py": "seen = []\n",
      "test_state.py":
        "import sys, state\n\ndef test_fresh():\n    assert state.seen == []\n    assert 'marker_module' not in sys.modules\n    state.seen.append(1)\n    sys.modules['marker_module'] = state\n",
    };
    {
      await using pool = new PythonSandboxPool({
        size: 1,
        startTimeoutMs: 120_000,
        snapshotDir: dir,
      });
      for (let i = 0; i < 2; i++) {
        const report = await runPythonTests(leaky, { pool });
        assert.equal(report.status, "passed", JSON.stringify(report));
      }
      const process = await pool.acquire();
      assert.ok(process.fromSnapshot);
      await pool.release(process);
      assert.equal(pool.snapshotFailure, null);
    }
    const files = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.equal(files.length, 1, files.join());
    assert.match(files[0]!, /^pyodide-[0-9a-f]{24}\.snapshot$/);
    const made = Deno.statSync(`${dir}/${files[0]}`);
    assert.equal(made.mode! & 0o077, 0);

    // A second pool restores the kept file without making it again.
    await using again = new PythonSandboxPool({
      size: 1,
      startTimeoutMs: 120_000,
      snapshotDir: dir,
    });
    const process = await again.acquire();
    assert.ok(process.fromSnapshot);
    await again.release(process);
    assert.equal(
      Deno.statSync(`${dir}/${files[0]}`).mtime?.getTime(),
      made.mtime?.getTime(),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a snapshot directory is used only when it is this user's and nobody else can write to it", async () => {
  const root = await Deno.makeTempDir({ prefix: "troupe-snapshot-dirs-" });
  try {
    assert.ok(await usableSnapshotDir(`${root}/made/here`));
    assert.equal(Deno.statSync(`${root}/made/here`).mode! & 0o777, 0o700);
    for (const mode of [0o777, 0o775, 0o757]) {
      await Deno.chmod(root, mode);
      assert.equal(await usableSnapshotDir(root), false, mode.toString(8));
    }
    await Deno.chmod(root, 0o755);
    assert.ok(await usableSnapshotDir(root));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("when the snapshot cannot be made, processes start cold and still work", async () => {
  const dir = await Deno.makeTempDir({ prefix: "troupe-snapshot-cold-" });
  try {
    const notADir = `${dir}/file`;
    await Deno.writeTextFile(notADir, "");
    // No warm process: the run's own process is the only one started.
    await using cold = new PythonSandboxPool({
      size: 0,
      startTimeoutMs: 120_000,
      snapshotDir: notADir,
    });
    const report = await runPythonTests({
      "test_one.py": "def test_one():\n    assert 1 + 1 == 2\n",
    }, { pool: cold });
    assert.equal(report.status, "passed", JSON.stringify(report));
    assert.match(cold.snapshotFailure ?? "", /file/i);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
