/**
 * Builds against a fake Ollama that answers like real coder models (see
 * tests/fakes/ollama_personas.ts): structured output honoured or ignored,
 * prose around JSON, reasoning first, file names in every place models put
 * them, and tests whose imports the sandbox refuses.
 */
import { assert } from "../../deps.ts";
import { listBuildEvents } from "../../../storage/build_events.ts";
import { PLAN_FORMAT } from "../../../actors/workflow/prompts.ts";
import { sandboxMapsStd } from "./_std_probe.ts";
import { type Persona, startFakeOllama } from "../../fakes/ollama.ts";
import { openTestDatabase } from "../../storage/_db.ts";
import {
  newQueuedBuild,
  openWorkflowHarness,
  startTestNode,
  waitForStatus,
} from "../_support.ts";

const REQUIREMENTS =
  "A slugify(title) function: lower case, accents dropped, words joined by dashes.";

Deno.test("builds succeed against models that answer like real ones", async (t) => {
  const stdMapped = await sandboxMapsStd();
  await using ollama = await startFakeOllama();
  await using tdb = await openTestDatabase();
  await using h = await openWorkflowHarness({
    ollamaUrl: ollama.url,
    db: tdb.db,
    testRetries: 1,
  });
  const db = tdb.db;
  await using node = await startTestNode({ db, deps: h.deps });

  const build = async (persona: Persona) => {
    ollama.persona(persona);
    const from = ollama.requests.length;
    const { buildId } = await newQueuedBuild(db, {
      requirements: REQUIREMENTS,
    });
    await node.system.ref("build", buildId).tell({ type: "start" });
    const row = await waitForStatus(db, buildId);
    const events = await listBuildEvents(db, buildId);
    const chats = ollama.requests.slice(from).filter((r) =>
      r.endpoint === "chat"
    );
    return { row, events, chats };
  };

  const succeeds = (name: string, persona: Persona, ignore = false) =>
    t.step({
      name,
      ignore,
      fn: async () => {
        const { row, events } = await build(persona);
        assert.equal(row.status, "succeeded", row.error ?? "");
        const paths = (row.files as { path: string }[]).map((f) => f.path);
        assert.ok(paths.includes("slugify.ts"), paths.join(", "));
        assert.ok(paths.includes("slugify_test.ts"), paths.join(", "));
        assert.ok(
          !events.some((e) => e.type === "warning"),
          "the plan was read without falling back",
        );
        const plan = row.plan as { phases: { name: string }[] };
        assert.ok(plan.phases.length > 0);
      },
    });

  await t.step(
    "the plan is requested with the plan's JSON schema as format",
    async () => {
      const { row, chats } = await build({ format: "honoured" });
      assert.equal(row.status, "succeeded", row.error ?? "");
      assert.deepEqual(chats[0]?.body.format, PLAN_FORMAT);
      assert.equal(chats[1]?.body.format, undefined, "code is free text");
    },
  );
  await succeeds("format ignored: the plan comes in a json fence", {
    format: "ignored",
    json: "fenced",
  });
  await succeeds("format ignored: the plan is wrapped in prose", {
    format: "ignored",
    json: "prose",
  });
  await succeeds("qwen3-style: <think> first and trailing commas", {
    format: "ignored",
    json: "trailing-commas",
    think: true,
  });
  await succeeds("file names on the line before each fence", {
    format: "honoured",
    naming: "before-fence",
  });
  await succeeds("file names as first-line comments", {
    format: "honoured",
    naming: "comment",
    think: true,
  });
  await succeeds("no file names at all", {
    format: "honoured",
    naming: "unnamed",
  });
  await succeeds("std assert tests (needs the sandbox's std mapping)", {
    format: "honoured",
    tests: "std-assert",
  }, !stdMapped);
  await succeeds("bdd tests (needs the sandbox's std mapping)", {
    format: "honoured",
    tests: "bdd",
  }, !stdMapped);

  await t.step(
    "a plan garbled twice still gives a succeeded build, with a warning",
    async () => {
      const { row, events, chats } = await build({
        format: "ignored",
        json: "garbled",
      });
      assert.equal(row.status, "succeeded", row.error ?? "");
      const warning = events.find((e) => e.type === "warning");
      assert.match(
        (warning?.data as { message?: string } | undefined)?.message ?? "",
        /plan could not be read twice.*derived from the requirements/,
      );
      assert.equal(
        chats.filter((r) => r.body.format !== undefined).length,
        2,
        "the plan was asked for twice",
      );
      const plan = row.plan as { phases: { tasks: string[] }[] };
      assert.match(plan.phases[0]?.tasks.join(" ") ?? "", /slugify/);
    },
  );

  for (
    const [tests, specifier] of [
      ["npm-import", "npm:lodash"],
      ["esm-import", "https://esm.sh/x"],
    ] as const
  ) {
    await t.step(
      `a refused ${specifier} import reaches the model and the user`,
      async () => {
        const { row, events, chats } = await build({
          format: "honoured",
          tests,
        });
        assert.equal(row.status, "failed");
        assert.match(row.error ?? "", /tests still fail after 2 attempts/);
        assert.ok(
          (row.error ?? "").includes(specifier),
          `final error names ${specifier}: ${row.error}`,
        );
        const regenerate = chats.at(-1)?.body.messages.at(-1)?.content ?? "";
        assert.ok(
          regenerate.includes(specifier),
          `the regenerate prompt names ${specifier}: ${regenerate}`,
        );
        const tested = events.filter((e) => e.type === "tests").map((e) =>
          e.data as { status: string; reason?: string }
        );
        assert.equal(tested[0]?.status, "refused");
        assert.ok(
          tested[0]?.reason?.includes(specifier),
          String(tested[0]?.reason),
        );
      },
    );
  }
});
