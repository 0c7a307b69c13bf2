/**
 * `build` (submit a build and follow it live) and `builds` (list), over the
 * HTTP API of a running node, with `TROUPE_API_KEY`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Config } from "../config.ts";
import { BUILD_STATUSES, isTerminalStatus } from "../storage/schema.ts";
import { type Command, table, UsageError } from "./_context.ts";
import { SUPPORTED_LANGUAGES } from "../actors/languages/mod.ts";
import { sleep } from "../runtime/retry.ts";
import { omitUndefined } from "../runtime/optional.ts";

const STEPS: readonly string[] = BUILD_STATUSES.filter((s) =>
  !isTerminalStatus(s)
);

/** A client of the node's HTTP API. */
export interface ApiClient {
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
}

function client(config: Config, fetchFn: typeof fetch = fetch): ApiClient {
  const key = config.TROUPE_API_KEY;
  if (!key) {
    throw new UsageError(
      "set TROUPE_API_KEY to an API key (the first start prints one; deno task apikey:create <email> makes more)",
    );
  }
  const host = config.HOST === "0.0.0.0" || config.HOST === "::"
    ? "127.0.0.1"
    : config.HOST;
  const base = config.TROUPE_URL ??
    `http://${host.includes(":") ? `[${host}]` : host}:${config.PORT}`;
  return {
    async request(method, path, body, headers = {}) {
      try {
        return await fetchFn(new URL(path, base), {
          method,
          headers: {
            ...headers,
            authorization: `Bearer ${key}`,
            ...(body === undefined
              ? {}
              : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        throw new Error(
          `troupe is not reachable at ${base} (${
            error instanceof Error ? error.message : error
          }); start it with "deno task start" or set TROUPE_URL`,
        );
      }
    },
  };
}

async function expectOk(response: Response): Promise<unknown> {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error =
      (body as { error?: { code?: string; message?: string } }).error;
    throw new Error(
      `HTTP ${response.status} ${error?.code ?? ""}: ${
        error?.message ?? response.statusText
      }`,
    );
  }
  return body;
}

/** Reads a Server-Sent Events stream into `{ event, data }` records. */
export async function* readEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ event: string; data: string; id?: string }> {
  let buffer = "";
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
        else if (line.startsWith("id:")) id = line.slice(3).trim();
      }
      if (data.length) {
        yield {
          event,
          data: data.join("\n"),
          ...omitUndefined({ id }),
        };
      }
    }
  }
}

/** One line of progress: `[#####-----] generating (attempt 2)`. */
export function progressLine(
  status: string,
  attempt: number,
  tokens: number,
  width = 30,
): string {
  const step = STEPS.indexOf(status);
  const done = isTerminalStatus(status) ? STEPS.length : Math.max(0, step);
  const filled = Math.round(width * done / STEPS.length);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${status}${
    attempt > 1 ? ` (attempt ${attempt})` : ""
  }${tokens ? `  ${tokens} tokens` : ""}`;
}

const CREATE_ATTEMPTS = 4;

/**
 * `POST /v1/builds` with an `Idempotency-Key`, retried with the same key
 * while the node answers 503 `actor_timeout` (after its `Retry-After`, at
 * most 5 s): a retry returns the build an earlier attempt created, never a
 * second one. Other 503s (Ollama down) are returned at once: waiting a few
 * seconds does not start Ollama.
 */
export async function createBuild(
  api: ApiClient,
  body: {
    project: string;
    language: string;
    requirements: string;
    model?: string;
  },
  options: { idempotencyKey?: string; sleep?: (ms: number) => Promise<void> } =
    {},
): Promise<Response> {
  const headers = {
    "idempotency-key": options.idempotencyKey ?? crypto.randomUUID(),
  };
  const wait = options.sleep ?? sleep;
  for (let attempt = 1;; attempt++) {
    const response = await api.request("POST", "/v1/builds", body, headers);
    if (response.status !== 503 || attempt >= CREATE_ATTEMPTS) return response;
    const answer = await response.clone().json().catch(() => undefined) as
      | { error?: { code?: string } }
      | undefined;
    if (answer?.error?.code !== "actor_timeout") return response;
    await response.body?.cancel();
    const seconds = Number(response.headers.get("Retry-After"));
    await wait(Math.min(Number.isFinite(seconds) ? seconds : 1, 5) * 1000);
  }
}

/** `deno task build <project> --language typescript [--model NAME] --requirements "..." | --file req.md`. */
export const build: Command = async (args, { config, write }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      language: { type: "string", default: "typescript" },
      model: { type: "string" },
      requirements: { type: "string" },
      file: { type: "string" },
      detach: { type: "boolean" },
    },
  });
  const project = positionals[0];
  const requirements = values.requirements ??
    (values.file ? await Deno.readTextFile(values.file) : undefined);
  if (!project || !requirements) {
    throw new UsageError(
      `usage: deno task build <project> [--language ${
        SUPPORTED_LANGUAGES.join("|")
      }] [--model NAME] (--requirements "..." | --file FILE) [--detach]`,
    );
  }
  const api = client(config);
  const created = await expectOk(
    await createBuild(api, {
      project,
      language: values.language,
      requirements,
      ...omitUndefined({ model: values.model }),
    }),
  ) as { id: string; model?: string | null };
  write(
    `build ${created.id} queued${
      created.model ? ` (model ${created.model})` : ""
    }`,
  );
  if (values.detach) return 0;

  const stream = await api.request("GET", `/v1/builds/${created.id}/events`);
  if (!stream.ok || !stream.body) await expectOk(stream);
  const interactive = Deno.stdout.isTerminal();
  const encoder = new TextEncoder();
  let status = "queued";
  let attempt = 1;
  let tokens = 0;
  const show = (line: string) => {
    if (interactive) Deno.stdout.writeSync(encoder.encode(`\r\x1b[2K${line}`));
  };
  for await (const { event, data } of readEvents(stream.body!)) {
    const payload = JSON.parse(data) as {
      data?: Record<string, unknown>;
      status?: string;
    };
    const details = payload.data ?? {};
    if (event === "status" && typeof details.to === "string") {
      status = details.to;
      if (typeof details.attempt === "number") attempt = details.attempt;
      if (!interactive) write(progressLine(status, attempt, tokens));
    } else if (event === "tokens" && typeof details.count === "number") {
      tokens = details.count;
    } else if (event === "tests") {
      const line = testsLine(details);
      if (interactive) {
        Deno.stdout.writeSync(encoder.encode(`\r\x1b[2K${line}\n`));
      } else write(line);
    } else if (event === "end") {
      status = payload.status ?? status;
      break;
    }
    show(progressLine(status, attempt, tokens));
  }
  if (interactive) Deno.stdout.writeSync(encoder.encode("\n"));

  const final = await expectOk(
    await api.request("GET", `/v1/builds/${created.id}`),
  ) as {
    status: string;
    error?: string | null;
  };
  write(
    `build ${created.id} ${final.status}${
      final.error ? `: ${final.error}` : ""
    }`,
  );
  if (final.status === "succeeded") {
    const analysis = await api.request(
      "GET",
      `/v1/builds/${created.id}/analysis`,
    );
    if (analysis.ok) {
      const scores = await analysis.json() as Record<string, unknown>;
      write(
        `scores: security ${scores.security}, quality ${scores.quality}, maintainability ${scores.maintainability}`,
      );
    } else await analysis.body?.cancel();
  }
  return final.status === "succeeded" ? 0 : 1;
};

/** `deno task builds [--status S] [--limit N]`: the caller's builds, newest first. */
export const builds: Command = async (args, { config, write }) => {
  const { values } = parseArgs({
    args,
    options: { status: { type: "string" }, limit: { type: "string" } },
  });
  const query = new URLSearchParams();
  if (values.status) query.set("status", values.status);
  query.set("limit", values.limit ?? "20");
  const body = await expectOk(
    await client(config).request("GET", `/v1/builds?${query}`),
  ) as {
    items: {
      id: string;
      project: string;
      language: string;
      status: string;
      createdAt: string;
    }[];
  };
  write(table(body.items.map((b) => ({
    id: b.id,
    project: b.project,
    language: b.language,
    status: b.status,
    created: b.createdAt,
  }))));
  return 0;
};

/**
 * The progress line of a `tests` event: counts, the status when it is not a
 * plain pass or fail, and the sandbox's reason (refused imports, timeout ...).
 *
 * @example
 * ```ts
 * import { testsLine } from "./builds.ts";
 * testsLine({ status: "refused", passed: 0, failed: 0, reason: "imports refused: npm:lodash" });
 * // "tests: refused (0 passed, 0 failed): imports refused: npm:lodash"
 * ```
 */
export function testsLine(details: Record<string, unknown>): string {
  const counts = `${details.passed ?? 0} passed, ${details.failed ?? 0} failed`;
  const status = typeof details.status === "string" ? details.status : "";
  const head = status && status !== "passed" && status !== "failed"
    ? `tests: ${status} (${counts})`
    : `tests: ${counts}`;
  return typeof details.reason === "string" && details.reason
    ? `${head}: ${details.reason}`
    : head;
}
