import { MemorySaver } from "@langchain/langgraph";
import { assert } from "../../deps.ts";
import {
  createWorkflowGraph,
  runConfig,
  type WorkflowDeps,
  type WorkflowProgress,
} from "../../../actors/workflow/graph.ts";
import { startFakeOllama } from "../../fakes/ollama.ts";
import {
  FAILING_CODE,
  GOOD_CODE,
  GOOD_CODE_NO_DOCS,
  MALFORMED,
  scriptBuild,
} from "../_scripts.ts";
import { openWorkflowHarness, type WorkflowHarness } from "../_support.ts";

const INPUT = {
  userId: "00000000-0000-4000-8000-000000000001",
  requirements: "A typed LIFO stack with push, pop, peek and size.",
  language: "typescript",
};

function steps(events: readonly WorkflowProgress[]): string[] {
  return events.flatMap((e) =>
    e.type === "step"
      ? [e.node]
      : e.type === "tests"
      ? [`tests:${e.status}`]
      : e.type === "retry"
      ? [`retry:${e.node}`]
      : []
  );
}

async function run(
  h: WorkflowHarness,
  buildId: string,
  overrides: Partial<WorkflowDeps> = {},
  input: Partial<typeof INPUT> = {},
) {
  const events: WorkflowProgress[] = [];
  const graph = createWorkflowGraph({
    ...h.deps,
    checkpointer: new MemorySaver(),
    onProgress: (_id, event) => {
      events.push(event);
    },
    ...overrides,
  });
  const final = await graph.invoke(
    { ...INPUT, ...input, buildId },
    runConfig(buildId),
  );
  return { final, events, graph };
}

Deno.test("workflow graph", async (t) => {
  await using ollama = await startFakeOllama();
  await using h = await openWorkflowHarness({ ollamaUrl: ollama.url });

  await t.step(
    "happy path: plans, generates, runs the tests and scores the code",
    async () => {
      scriptBuild(ollama, [GOOD_CODE]);
      const { final, events } = await run(h, "b-happy");
      assert.equal(final.outcome, "succeeded");
      assert.equal(final.error, null);
      assert.equal(final.attempts, 1);
      assert.deepEqual(final.files.map((f) => [f.path, f.kind]), [
        ["stack.ts", "source"],
        ["stack_test.ts", "test"],
        ["README.md", "doc"],
      ]);
      assert.equal(final.testReport?.status, "passed");
      assert.equal(final.testReport?.passed, 2);
      assert.ok(final.scores && final.scores.security >= 0);
      assert.equal(final.buildPlan?.phases[0]?.name, "core");
      assert.deepEqual(steps(events), [
        "analyze",
        "plan",
        "generate",
        "test",
        "tests:passed",
        "finalize",
      ]);
      assert.ok(events.some((e) => e.type === "tokens" && e.count > 0));
    },
  );

  await t.step(
    "failing tests go back to generate with the failure report",
    async () => {
      const script = scriptBuild(ollama, [FAILING_CODE, GOOD_CODE]);
      const before = ollama.requests.length;
      const { final, events } = await run(h, "b-retry");
      assert.equal(final.outcome, "succeeded");
      assert.equal(final.attempts, 2);
      assert.equal(script.generateCalls(), 2);
      assert.deepEqual(steps(events), [
        "analyze",
        "plan",
        "generate",
        "test",
        "tests:failed",
        "generate",
        "test",
        "tests:passed",
        "finalize",
      ]);
      // The second generation request carries the failure.
      const chats = ollama.requests.slice(before).filter((r) =>
        r.endpoint === "chat"
      );
      const last = chats.at(-1)?.body.messages.at(-1)?.content as string;
      assert.match(last, /pop returns the last pushed item/);
      assert.match(last, /expected 2, got 1/);
    },
  );

  await t.step(
    "tests that keep failing end in finalize as failed once the budget is spent",
    async () => {
      const script = scriptBuild(ollama, [FAILING_CODE]);
      const { final, events } = await run(h, "b-budget", { testRetries: 1 });
      assert.equal(final.outcome, "failed");
      assert.equal(final.attempts, 2);
      assert.equal(script.generateCalls(), 2);
      assert.match(final.error?.message ?? "", /tests still fail after 2/);
      assert.equal(final.testReport?.status, "failed");
      assert.ok(final.scores, "a failed build is still scored");
      assert.deepEqual(steps(events).slice(-2), ["tests:failed", "finalize"]);
    },
  );

  await t.step(
    "malformed output is retried once with a corrective message",
    async () => {
      const script = scriptBuild(ollama, [MALFORMED, GOOD_CODE_NO_DOCS]);
      const before = ollama.requests.length;
      const { final, events } = await run(h, "b-malformed-once");
      assert.equal(final.outcome, "succeeded");
      assert.equal(script.generateCalls(), 2);
      assert.ok(steps(events).includes("retry:generate"));
      const corrective = ollama.requests.slice(before).filter((r) =>
        r.endpoint === "chat"
      ).at(-1)?.body.messages.at(-1)?.content as string;
      assert.match(corrective, /could not be used: no fenced code blocks/);
      // No README from the model: the docs tool wrote one.
      const readme = final.files.find((f) => f.path === "README.md");
      assert.ok(readme && readme.content.length > 0);
    },
  );

  await t.step(
    "malformed output twice fails the build through the failure node",
    async () => {
      scriptBuild(ollama, [MALFORMED]);
      const { final, events } = await run(h, "b-malformed");
      assert.equal(final.outcome, "failed");
      assert.equal(final.error?.node, "generate");
      assert.match(final.error?.message ?? "", /malformed twice/);
      assert.deepEqual(steps(events).slice(-2), ["retry:generate", "fail"]);
    },
  );

  await t.step(
    "a failure after generation still records the produced files",
    async () => {
      scriptBuild(ollama, [GOOD_CODE]);
      const { final } = await run(h, "b-sandbox-down", {
        runTests: () => Promise.reject(new Error("sandbox exploded")),
      });
      assert.equal(final.outcome, "failed");
      assert.equal(final.error?.node, "test");
      assert.deepEqual(final.files.map((f) => f.path), [
        "stack.ts",
        "stack_test.ts",
        "README.md",
      ]);
      assert.ok(final.scores, "what was produced is analysed");
    },
  );

  await t.step("model down: fails naming OLLAMA_HOST", async () => {
    scriptBuild(ollama, [GOOD_CODE]);
    await ollama.down();
    try {
      const { final, events } = await run(h, "b-down");
      assert.equal(final.outcome, "failed");
      assert.equal(final.error?.node, "plan");
      assert.match(final.error?.message ?? "", /OLLAMA_HOST/);
      assert.match(final.error?.message ?? "", /ollama serve/);
      assert.deepEqual(steps(events), ["analyze", "plan", "fail"]);
    } finally {
      ollama.up();
    }
  });

  await t.step("a slow model hits the call timeout", async () => {
    scriptBuild(ollama, [GOOD_CODE], { delayMs: 3_000 });
    await using slow = await openWorkflowHarness({
      ollamaUrl: ollama.url,
      chroma: h.chroma,
      modelTimeoutMs: 200,
    });
    const { final } = await run(slow, "b-slow", {}, {});
    assert.equal(final.outcome, "failed");
    assert.equal(final.error?.node, "generate");
    assert.match(final.error?.message ?? "", /within 200 ms/);
  });

  await t.step(
    "cancel mid-generation stops the graph without finalizing",
    async () => {
      scriptBuild(ollama, [GOOD_CODE], { chunkDelayMs: 20 });
      let cancelled = false;
      const events: WorkflowProgress[] = [];
      const { final } = await run(h, "b-cancel", {
        isCancelled: () => cancelled,
        cancelPollMs: 0,
        onProgress: (_id, event) => {
          events.push(event);
          // The user cancels while the model is writing.
          if (event.type === "step" && event.node === "generate") {
            cancelled = true;
          }
        },
      });
      assert.equal(final.outcome, "cancelled");
      assert.equal(final.files.length, 0);
      assert.ok(!steps(events).includes("test"));
      assert.ok(!steps(events).includes("finalize"));
    },
  );

  await t.step(
    "a language without a sandbox (cobol) is refused up front",
    async () => {
      const before = ollama.requests.length;
      const { final } = await run(h, "b-cobol", {}, { language: "cobol" });
      assert.equal(final.outcome, "failed");
      assert.equal(final.error?.node, "analyze");
      assert.match(
        final.error?.message ?? "",
        /cobol.*TypeScript, JavaScript, Python/,
      );
      assert.equal(
        ollama.requests.slice(before).filter((r) => r.endpoint === "chat")
          .length,
        0,
      );
    },
  );
});
