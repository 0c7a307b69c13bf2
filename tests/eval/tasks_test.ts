import { assert } from "../deps.ts";
import { runHiddenTests } from "../../eval/hidden.ts";
import { mapLimit } from "../../eval/_pool.ts";
import { emptyImplementation, loadTasks } from "../../eval/task.ts";
import { PythonSandboxPool } from "../../actors/workflow/tools/python_sandbox/mod.ts";
import { TEST_SNAPSHOT_DIR } from "../_python_snapshot.ts";

const tasks = await loadTasks();
// A task filter for working on a few tasks: TROUPE_EVAL_TASKS=py_* deno test ...
const only = Deno.env.get("TROUPE_EVAL_TASKS");
const checked = only === undefined
  ? tasks
  : tasks.filter((t) =>
    new RegExp(`^${only.replaceAll("*", ".*")}$`).test(t.id)
  );

Deno.test("the task set has at least 40 tasks in TypeScript, JavaScript and Python, easy to hard", () => {
  assert.ok(tasks.length >= 40, `${tasks.length} tasks`);
  for (const language of ["typescript", "javascript", "python"]) {
    assert.ok(tasks.some((t) => t.language === language), language);
  }
  const python = tasks.filter((t) => t.language === "python");
  assert.ok(python.length >= 12, `${python.length} Python tasks`);
  for (const level of ["easy", "medium", "hard"]) {
    assert.ok(tasks.some((t) => t.difficulty === level), level);
    assert.ok(python.some((t) => t.difficulty === level), `Python ${level}`);
  }
  const modules = tasks.map((t) => t.module.replace(/\.\w+$/, ""));
  assert.equal(new Set(modules).size, tasks.length, "module names are unique");
});

Deno.test("every task's hidden tests pass on its reference and fail on an empty implementation", async () => {
  // Loading Pyodide takes seconds: one warm pool serves every Python run
  // (a process per run, as the platform's builds use it).
  await using pool = poolOnce();
  const outcomes = await mapLimit(checked, 2, async (task) => {
    const options = task.language === "python"
      ? { pythonPool: () => pool.get(), timeoutMs: 60_000 }
      : {};
    const reference = await runHiddenTests(task, [
      { path: task.module, content: task.reference },
    ], options);
    const empty = await runHiddenTests(task, [
      { path: task.module, content: emptyImplementation(task) },
    ], options);
    return { task, reference, empty };
  });
  const problems: string[] = [];
  for (const { task, reference, empty } of outcomes) {
    if (!reference.passed) {
      problems.push(
        `${task.id}: reference ${reference.status}: ${reference.reason}`,
      );
    }
    if (reference.testsPassed < 3) {
      problems.push(`${task.id}: only ${reference.testsPassed} hidden tests`);
    }
    if (empty.passed) problems.push(`${task.id}: passes when empty`);
    if (reference.passed && empty.testsPassed >= reference.testsPassed) {
      problems.push(`${task.id}: the empty implementation passes every test`);
    }
  }
  assert.deepEqual(problems, []);
});

/** A pool created on first use and closed at the end of the test. */
function poolOnce() {
  let pool: PythonSandboxPool | undefined;
  return {
    get: () =>
      pool ??= new PythonSandboxPool({
        size: 2,
        startTimeoutMs: 300_000,
        snapshotDir: TEST_SNAPSHOT_DIR,
      }),
    [Symbol.asyncDispose]: async () => await pool?.close(),
  };
}
