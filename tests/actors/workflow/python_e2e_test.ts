/**
 * Python builds end to end: the build actor, the graph, the fake Ollama
 * answering like real coder models in Python (pytest and unittest styles,
 * prose, ```python fences, `if __name__ == "__main__":` blocks), the Pyodide
 * sandbox and the analyser.
 */
import { assert } from "../../deps.ts";
import { listBuildEvents } from "../../../storage/build_events.ts";
import { getBuildAnalysis } from "../../../storage/code_analyses.ts";
import { LazyPythonPool } from "../../../actors/workflow/tools/python_sandbox/lazy.ts";
import { type Persona, startFakeOllama } from "../../fakes/ollama.ts";
import { openTestDatabase } from "../../storage/_db.ts";
import { isPlanRequest, PLAN_REPLY } from "../_scripts.ts";
import {
  newQueuedBuild,
  openWorkflowHarness,
  startTestNode,
  waitForStatus,
} from "../_support.ts";
import { TEST_SNAPSHOT_DIR } from "../../_python_snapshot.ts";

const F = "```";

const STACK = `class Stack:
    """A last-in, first-out stack."""

    def __init__(self):
        self._items = []

    def push(self, item):
        """Adds an item on top."""
        self._items.append(item)

    def pop(self):
        """Removes and returns the top item."""
        return self._items.pop()
`;

const STACK_TESTS = `from stack import Stack


def test_pop_returns_the_last_pushed_item():
    s = Stack()
    s.push(1)
    s.push(2)
    assert s.pop() == 2
`;

/** A model's answer: prose, the module and its pytest tests. */
const stackAnswer = (source: string) =>
  `Here is a Python stack with pytest tests.\n\n${F}python file=stack.py\n${source}${F}\n\n${F}python file=test_stack.py\n${STACK_TESTS}${F}\n`;

Deno.test("Python builds end to end", async (t) => {
  await using ollama = await startFakeOllama();
  await using tdb = await openTestDatabase();
  // Two warm processes: the next build need not wait for a replacement to load.
  await using python = new LazyPythonPool({
    size: 2,
    snapshotDir: TEST_SNAPSHOT_DIR,
  });
  await using h = await openWorkflowHarness({
    ollamaUrl: ollama.url,
    db: tdb.db,
    testRetries: 1,
    pythonPool: python,
  });
  const db = tdb.db;
  await using node = await startTestNode({ db, deps: h.deps });

  const build = async (requirements: string) => {
    const from = ollama.requests.length;
    const { buildId, userId } = await newQueuedBuild(db, {
      language: "python",
      requirements,
    });
    await node.system.ref("build", buildId).tell({ type: "start" });
    const row = await waitForStatus(db, buildId, undefined, 240_000);
    const events = await listBuildEvents(db, buildId);
    const chats = ollama.requests.slice(from).filter((r) =>
      r.endpoint === "chat"
    );
    return { buildId, userId, row, events, chats };
  };

  await t.step("the pool is not started before the first Python build", () => {
    assert.equal(python.started, false);
  });

  const succeeds = (
    name: string,
    persona: Persona,
    requirements: string,
    module: string,
    tests: number,
  ) =>
    t.step(name, async () => {
      ollama.persona(persona);
      const { row, chats, userId, buildId } = await build(requirements);
      assert.equal(row.status, "succeeded", row.error ?? "");
      const files = row.files as { path: string; content: string }[];
      const paths = files.map((f) => f.path);
      assert.ok(paths.includes(`${module}.py`), paths.join(", "));
      assert.ok(paths.includes(`test_${module}.py`), paths.join(", "));
      const result = row.result as {
        testReport: { status: string; passed: number; testFiles: string[] };
      };
      assert.equal(result.testReport.status, "passed");
      assert.equal(result.testReport.passed, tests);
      assert.deepEqual(result.testReport.testFiles, [`test_${module}.py`]);
      // The generation prompt asked for Python the Python way.
      const system = chats.find((c) => !isPlanRequest(c))?.body.messages[0]
        .content as string;
      assert.match(system, /senior Python engineer/);
      assert.match(system, /test_\*\.py/);
      // The Python analyser scored the build from its syntax trees.
      const analysis = await getBuildAnalysis(db, userId, buildId);
      assert.ok(analysis, "code_analyses row");
      const scores = (row.result as {
        scores: { security: number; quality: number };
      }).scores;
      assert.equal(analysis.security, scores.security);
      assert.ok(scores.quality > 0 && scores.quality <= 100);
      assert.ok(Array.isArray(analysis.findings));
      assert.ok(python.started, "the first Python build started the pool");
    });

  await succeeds(
    "pytest style, files named in the info string",
    { format: "honoured", pythonTests: "pytest" },
    "A slugify(title) function: lower case, accents dropped, words joined by dashes.",
    "slugify",
    3,
  );
  await succeeds(
    "unittest style with an if __name__ block, names before the fences",
    { format: "honoured", pythonTests: "unittest", naming: "before-fence" },
    "A LIFO stack with push, pop and len.",
    "stack",
    2,
  );
  await succeeds(
    "qwen3-style: <think> first, # file.py first-line comments, plan JSON ignored-format",
    {
      format: "ignored",
      json: "trailing-commas",
      think: true,
      naming: "comment",
    },
    "clamp(value, low, high) limits a number to a range.",
    "clamp",
    3,
  );
  await succeeds(
    "no file names at all: named after what the test imports",
    { format: "honoured", naming: "unnamed" },
    "clamp(value, low, high) limits a number to a range.",
    "clamp",
    3,
  );

  await t.step(
    "a test importing numpy is refused, named to the model and to the user",
    async () => {
      ollama.persona({ format: "honoured", pythonTests: "numpy-import" });
      const { row, events, chats } = await build(
        "clamp(value, low, high) limits a number to a range.",
      );
      assert.equal(row.status, "failed");
      assert.match(row.error ?? "", /numpy/);
      const tested = events.filter((e) => e.type === "tests").map((e) =>
        e.data as { status: string; reason?: string }
      );
      assert.equal(tested[0]?.status, "refused");
      assert.match(tested[0]?.reason ?? "", /numpy/);
      const regenerate = chats.at(-1)?.body.messages.at(-1)?.content ?? "";
      assert.match(regenerate, /numpy/);
      assert.match(regenerate, /standard library/);
    },
  );

  await t.step(
    "failing tests go round the regenerate loop with the failure text, then pass",
    async () => {
      let generations = 0;
      ollama.respond((request) => {
        if (request.endpoint !== "chat") return undefined;
        if (isPlanRequest(request)) return { content: PLAN_REPLY };
        generations++;
        return {
          content: stackAnswer(
            generations === 1
              ? STACK.replace("self._items.pop()", "self._items.pop(0)")
              : STACK,
          ),
        };
      });
      const { row, events, chats } = await build("A LIFO stack.");
      assert.equal(row.status, "succeeded", row.error ?? "");
      assert.equal(row.attempts, 2);
      assert.equal(generations, 2);
      const tested = events.filter((e) => e.type === "tests").map((e) =>
        e.data as { status: string; failed: number }
      );
      assert.deepEqual(tested.map((e) => e.status), ["failed", "passed"]);
      const second = chats.filter((c) => !isPlanRequest(c))[1];
      const messages = second?.body.messages as {
        role: string;
        content: string;
      }[];
      // The model sees its broken file and the failure the sandbox reported.
      const previous = messages.at(-2)?.content ?? "";
      assert.match(previous, /```python file=stack\.py/);
      assert.match(previous, /pop\(0\)/);
      const failure = messages.at(-1)?.content ?? "";
      assert.match(failure, /The tests failed \(0 passed, 1 failed\)/);
      assert.match(failure, /test_pop_returns_the_last_pushed_item/);
      // `s.pop()` is not evaluated again to explain it (that would pop 2).
      assert.match(failure, /AssertionError: assert s\.pop\(\) == 2/);
    },
  );
});
