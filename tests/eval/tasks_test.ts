import { assert } from "../deps.ts";
import { runHiddenTests } from "../../eval/hidden.ts";
import { mapLimit } from "../../eval/_pool.ts";
import { emptyImplementation, loadTasks } from "../../eval/task.ts";

const tasks = await loadTasks();

Deno.test("the task set has at least 40 tasks in TypeScript and JavaScript, easy to hard", () => {
  assert.ok(tasks.length >= 40, `${tasks.length} tasks`);
  for (const language of ["typescript", "javascript"]) {
    assert.ok(tasks.some((t) => t.language === language), language);
  }
  for (const level of ["easy", "medium", "hard"]) {
    assert.ok(tasks.some((t) => t.difficulty === level), level);
  }
  const modules = tasks.map((t) => t.module);
  assert.equal(new Set(modules).size, tasks.length, "module names are unique");
});

Deno.test("every task's hidden tests pass on its reference and fail on an empty implementation", async () => {
  const outcomes = await mapLimit(tasks, 4, async (task) => {
    const reference = await runHiddenTests(task, [
      { path: task.module, content: task.reference },
    ]);
    const empty = await runHiddenTests(task, [
      { path: task.module, content: emptyImplementation(task) },
    ]);
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
  }
  assert.deepEqual(problems, []);
});
