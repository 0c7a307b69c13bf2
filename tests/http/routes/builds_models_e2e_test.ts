/**
 * End to end through the HTTP API of a whole node (`startPlatform`: PGlite,
 * Deno KV, embedded Chroma, the real actors, the real sandbox) against a
 * fake Ollama that answers like real coder models (tests/fakes/
 * ollama_personas.ts): `POST /v1/builds` with an API key, then `GET
 * /v1/builds/{id}` until the build is final, as a client would. Also the
 * per-build `model`, over HTTP and through `deno task build --model`. The
 * builds run side by side, each answered in its own persona.
 */
import { assert } from "../../deps.ts";
import { parseConfig } from "../../../config.ts";
import { main } from "../../../main.ts";
import { startPlatform } from "../../../platform.ts";
import { readEvents } from "../../../cli/builds.ts";
import { PLAN_FORMAT } from "../../../actors/workflow/prompts.ts";
import { type Persona, startFakeOllama } from "../../fakes/ollama.ts";
import { answerAs } from "../../fakes/ollama_personas.ts";

const REQUIREMENTS =
  "A slugify(title) function: lower case, accents dropped, words joined by dashes.";

/** A finished build as `GET /v1/builds/{id}` shows it. */
interface FinalBuild {
  id: string;
  status: string;
  model: string | null;
  error: string | null;
  plan: { phases: { name: string; tasks: string[] }[] } | null;
  result: { testReport?: { status: string; passed: number } | null } | null;
}

Deno.test("builds through the HTTP API succeed against models that answer like real ones", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "troupe-models-e2e-" });
  await using ollama = await startFakeOllama({
    models: ["qwen2.5-coder:7b", "llama3.1:8b", "nomic-embed-text"],
  });
  const printed: string[] = [];
  const platform = await startPlatform(
    parseConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      OLLAMA_HOST: ollama.url,
      LOG_LEVEL: "error",
      BUILD_TEST_RETRIES: "1",
      RATE_LIMIT_PER_MINUTE: "100000",
    }),
    { announce: (line) => printed.push(line) },
  );
  try {
    const token = printed.join("\n").match(/trp_[A-Za-z0-9_-]+/)?.[0];
    assert.ok(token, "the first start prints an API key");
    const auth = { authorization: `Bearer ${token}` };
    const api = (path: string, init: RequestInit = {}) =>
      fetch(new URL(path, platform.url), {
        ...init,
        headers: { ...auth, ...init.headers },
      });

    /** Polls `GET /v1/builds/{id}` until the build is final. */
    const finished = async (id: string): Promise<FinalBuild> => {
      for (let i = 0; i < 600; i++) {
        const res = await api(`/v1/builds/${id}`);
        const body = await res.json() as FinalBuild;
        assert.equal(res.status, 200, JSON.stringify(body));
        if (["succeeded", "failed", "cancelled"].includes(body.status)) {
          return body;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`build ${id} did not finish within 60 s`);
    };

    /** The build's events as the SSE endpoint replays them. */
    const events = async (id: string) => {
      const res = await api(`/v1/builds/${id}/events`);
      assert.equal(res.status, 200);
      const out: { event: string; data: Record<string, unknown> }[] = [];
      for await (const { event, data } of readEvents(res.body!)) {
        const payload = JSON.parse(data) as { data?: Record<string, unknown> };
        out.push({ event, data: payload.data ?? {} });
        if (event === "end") break;
      }
      return out;
    };

    // Each build's persona is picked by a tag in its requirements, so the
    // builds run side by side (four at a time) and the test stays short.
    const personas = new Map<string, Persona>();
    ollama.respond((request) => {
      if (request.endpoint !== "chat") return undefined;
      const text = JSON.stringify(request.body?.messages ?? "");
      const tag = text.match(/\[case (\d+)\]/)?.[1];
      const persona = tag === undefined ? undefined : personas.get(tag);
      return persona && answerAs(persona, request);
    });
    const chatsOf = (tag: string) =>
      ollama.requests.filter((r) =>
        r.endpoint === "chat" &&
        JSON.stringify(r.body?.messages ?? "").includes(`[case ${tag}]`)
      );
    let running = 0;
    const waiting: (() => void)[] = [];
    const slot = async <T>(work: () => Promise<T>): Promise<T> => {
      if (running >= 4) await new Promise<void>((r) => waiting.push(r));
      running++;
      try {
        return await work();
      } finally {
        running--;
        waiting.shift()?.();
      }
    };
    const requirementsFor = (tag: string) => `${REQUIREMENTS} [case ${tag}]`;

    /** Submits a build as `persona` and follows it to the end. */
    const submit = (persona: Persona, extra: { model?: string } = {}) => {
      const tag = String(personas.size + 1);
      personas.set(tag, persona);
      return slot(async () => {
        const res = await api("/v1/builds", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            project: "slugs",
            language: "typescript",
            requirements: requirementsFor(tag),
            ...extra,
          }),
        });
        const created = await res.json();
        assert.equal(res.status, 202, JSON.stringify(created));
        const final = await finished(created.id);
        return { final, chats: chatsOf(tag) };
      });
    };

    const files = async (id: string) => {
      const res = await api(`/v1/builds/${id}/files`);
      const body = await res.json() as { files: { path: string }[] };
      return body.files.map((f) => f.path);
    };

    /** `deno task build` with `args`, its exit code and what it printed. */
    const cli = async (args: string[]) => {
      const lines: string[] = [];
      const code = await main(args, {
        config: parseConfig({
          TROUPE_URL: platform.url,
          TROUPE_API_KEY: token,
          LOG_LEVEL: "error",
        }),
        write: (line) => lines.push(line),
        writeError: (line) => lines.push(line),
      });
      return { code, out: lines.join("\n") };
    };

    // Everything starts now; the steps below wait for their own build.
    // The format-honouring build also asks for its own model; the CLI's
    // build (below) gets its file names before the fences.
    const honoured = submit({ format: "honoured" }, { model: "llama3.1:8b" });
    const shapes = ([
      ["format ignored: the plan comes in a json fence", {
        format: "ignored",
        json: "fenced",
      }],
      ["format ignored: the plan is wrapped in prose", {
        format: "ignored",
        json: "prose",
      }],
      ["<think> first, then JSON with trailing commas", {
        format: "ignored",
        json: "trailing-commas",
        think: true,
      }],
      ["tests import jsr:@std/assert", {
        format: "honoured",
        tests: "std-assert",
      }],
      ["bdd tests (describe/it from @std/testing/bdd)", {
        format: "honoured",
        tests: "bdd",
      }],
    ] as const).map(([name, persona]) =>
      [name, submit(persona as Persona)] as const
    );
    const refused = submit({ format: "honoured", tests: "npm-import" });
    const cliTag = String(personas.size + 1);
    personas.set(cliTag, { format: "honoured", naming: "before-fence" });
    const cliBuild = slot(() =>
      cli([
        "build",
        "slugs",
        "--model",
        "llama3.1:8b",
        "--requirements",
        requirementsFor(cliTag),
      ])
    );
    // Settled at the end even when a step fails first.
    const all = Promise.allSettled([
      honoured,
      ...shapes.map(([, p]) => p),
      refused,
      cliBuild,
    ]);

    try {
      await t.step(
        "format honoured: the plan is asked for with its JSON schema",
        async () => {
          const { final, chats } = await honoured;
          assert.equal(final.status, "succeeded", final.error ?? "");
          const plan = chats.find((c) => c.body.format !== undefined);
          assert.deepEqual(plan?.body.format, PLAN_FORMAT);
          assert.equal(final.result?.testReport?.status, "passed");
        },
      );

      for (const [name, pending] of shapes) {
        await t.step(name, async () => {
          const { final, chats } = await pending;
          assert.equal(final.status, "succeeded", final.error ?? "");
          assert.equal(final.result?.testReport?.status, "passed");
          assert.ok((final.result?.testReport?.passed ?? 0) > 0);
          const paths = await files(final.id);
          assert.ok(paths.includes("slugify.ts"), paths.join(", "));
          assert.ok(paths.includes("slugify_test.ts"), paths.join(", "));
          assert.ok((final.plan?.phases.length ?? 0) > 0);
          const warnings = (await events(final.id)).filter((e) =>
            e.event === "warning" && e.data.node === "plan"
          );
          assert.deepEqual(warnings, [], "the plan was read as written");
          assert.ok(chats.length >= 2, "a plan and a generation");
          assert.ok(
            chats.every((c) => c.model === "qwen2.5-coder:7b"),
            "without a model the configured one answers",
          );
        });
      }

      await t.step(
        "a refused import reaches the next prompt and the user-facing error",
        async () => {
          const specifier = "npm:lodash";
          const { final, chats } = await refused;
          assert.equal(final.status, "failed");
          assert.ok(
            (final.error ?? "").includes(specifier),
            `the build's error names ${specifier}: ${final.error}`,
          );
          const regenerate = chats.at(-1)?.body.messages.at(-1)?.content ??
            "";
          assert.ok(
            regenerate.includes(specifier),
            `the regenerate prompt names ${specifier}: ${regenerate}`,
          );
          const tests = (await events(final.id)).filter((e) =>
            e.event === "tests"
          );
          assert.equal(tests[0]?.data.status, "refused");
          assert.ok(
            String(tests[0]?.data.reason).includes(specifier),
            `the tests event names ${specifier}: ${tests[0]?.data.reason}`,
          );
        },
      );

      await t.step(
        "a build's model answers every chat request of that build",
        async () => {
          const { final, chats } = await honoured;
          assert.equal(final.status, "succeeded", final.error ?? "");
          assert.equal(final.model, "llama3.1:8b");
          assert.ok(chats.length >= 2, "a plan and a generation");
          assert.deepEqual(
            [...new Set(chats.map((c) => c.model))],
            ["llama3.1:8b"],
          );
        },
      );

      await t.step(
        "a model Ollama lacks is a 400 listing the installed ones",
        async () => {
          const res = await api("/v1/builds", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              project: "slugs",
              language: "typescript",
              requirements: REQUIREMENTS,
              model: "starcoder2:3b",
            }),
          });
          const body = await res.json();
          assert.equal(res.status, 400);
          assert.match(body.error.message, /"starcoder2:3b"/);
          assert.deepEqual(body.error.details.installed, [
            "llama3.1:8b",
            "nomic-embed-text:latest",
            "qwen2.5-coder:7b",
          ]);
        },
      );

      await t.step(
        "deno task build --model builds with that model (file names before the fences)",
        async () => {
          const built = await cliBuild;
          assert.equal(built.code, 0, built.out);
          assert.match(built.out, /queued \(model llama3\.1:8b\)/);
          assert.match(built.out, /build \S+ succeeded/);
          const chats = chatsOf(cliTag);
          assert.ok(chats.length >= 2, "a plan and a generation");
          assert.ok(chats.every((c) => c.model === "llama3.1:8b"));
          const id = built.out.match(/build (\S+) succeeded/)?.[1] ?? "";
          const paths = await files(id);
          assert.ok(paths.includes("slugify.ts"), paths.join(", "));
          assert.ok(paths.includes("slugify_test.ts"), paths.join(", "));

          const missing = await cli([
            "build",
            "slugs",
            "--model",
            "starcoder2:3b",
            "--requirements",
            REQUIREMENTS,
          ]);
          assert.notEqual(missing.code, 0);
          assert.match(missing.out, /HTTP 400 model_not_installed/);
          assert.match(missing.out, /installed: llama3\.1:8b/);
        },
      );
    } finally {
      await all;
    }
  } finally {
    await platform.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
