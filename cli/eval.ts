/**
 * `deno task eval [--model NAME]... [--tasks GLOB] [--attempts N]
 * [--concurrency N] [--out DIR]`: runs the eval task set (eval/tasks/)
 * through the platform for each model and writes `eval.json` and `eval.md`
 * to `--out` (default `./eval-results/<time>`), with a progress bar on the
 * terminal and the summary table at the end.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { type Command, UsageError } from "./_context.ts";
import {
  loadTasks,
  markdownReport,
  progressLine,
  runEval,
  taskFilter,
  textSummary,
} from "../eval/mod.ts";
import { omitUndefined } from "../runtime/optional.ts";

const USAGE =
  "usage: deno task eval [--model NAME]... [--tasks GLOB[,GLOB]] [--attempts N] [--concurrency N] [--out DIR]";

function positive(
  name: string,
  value: string | undefined,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(
      `--${name} must be a whole number from 1 to ${max}, got "${value}"\n${USAGE}`,
    );
  }
  return n;
}

/** The eval command. */
export const evalCommand: Command = async (
  args,
  { config, write, writeError },
) => {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        model: { type: "string", multiple: true },
        tasks: { type: "string" },
        attempts: { type: "string" },
        concurrency: { type: "string" },
        out: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(
      `${error instanceof Error ? error.message : error}\n${USAGE}`,
    );
  }
  const values = parsed.values;
  const models = values.model?.length ? values.model : [config.OLLAMA_MODEL];
  const attempts = positive(
    "attempts",
    values.attempts,
    config.BUILD_TEST_RETRIES + 1,
    11,
  );
  const concurrency = positive("concurrency", values.concurrency, 2, 32);
  const tasks = await loadTasks({ filter: taskFilter(values.tasks) });
  if (tasks.length === 0) {
    throw new UsageError(`no task matches --tasks "${values.tasks}"\n${USAGE}`);
  }
  const out = values.out ??
    join("eval-results", new Date().toISOString().replace(/[:.]/g, "-"));
  const err = writeError ?? ((line: string) => console.error(line));
  const terminal = Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  write(
    `eval: ${tasks.length} tasks x ${models.length} model(s) (${
      models.join(", ")
    }), ${attempts} attempt(s), concurrency ${concurrency}, Ollama at ${config.OLLAMA_HOST}`,
  );
  const report = await runEval({
    config,
    tasks,
    settings: {
      models,
      ...omitUndefined({ tasks: values.tasks }),
      attempts,
      concurrency,
    },
    onModelStart: (model, error) =>
      err(error ? `${model}: ${error}` : `${model}: building on the eval node`),
    onProgress: (p) => {
      const line = `${progressLine(p)}  last: ${p.last.taskId} ${
        p.last.passed ? "pass" : "fail"
      }`;
      if (terminal) {
        Deno.stderr.writeSync(
          encoder.encode(`\r\x1b[2K${line}${p.done === p.total ? "\n" : ""}`),
        );
      } else err(line);
    },
  });
  await Deno.mkdir(out, { recursive: true });
  await Deno.writeTextFile(
    join(out, "eval.json"),
    JSON.stringify(report, null, 2) + "\n",
  );
  await Deno.writeTextFile(join(out, "eval.md"), markdownReport(report));
  write(textSummary(report.summaries));
  write(`wrote ${join(out, "eval.json")} and ${join(out, "eval.md")}`);
  return 0;
};
