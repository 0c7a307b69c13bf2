/**
 * Liveness and readiness. `/livez` says only that the process answers;
 * `/readyz` runs every dependency probe in parallel, each with a timeout, and
 * answers 503 when a required one fails.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { realClock } from "../runtime/clock.ts";
import type { Clock } from "./_room_types.ts";
import type { ApiApp } from "./context.ts";

/** A dependency check. `check` resolves when the dependency is usable and rejects (or times out) when not. */
export interface Probe {
  /** The dependency's name, the key of its result in `/readyz`. */
  readonly name: string;
  /** A failing required probe makes `/readyz` answer 503; an optional one only marks it degraded. */
  readonly required: boolean;
  /**
   * Resolves when the dependency is usable; rejects when not or when `signal`
   * aborts.
   */
  check(signal: AbortSignal): Promise<void>;
  /** Overrides the default per-probe timeout. */
  readonly timeoutMs?: number;
}

/** One probe's outcome. */
export interface CheckResult {
  /** Whether the probe passed. */
  status: "ok" | "fail";
  /** Whether a failure makes the node not ready (else only degraded). */
  required: boolean;
  /** How long the probe took, in ms. */
  latencyMs: number;
  /** Why the probe failed; absent when it passed. */
  error?: string;
}

/** What `/readyz` answers. */
export interface ReadinessReport {
  /** `ok`: all pass; `degraded`: an optional one fails; `fail`: a required one fails. */
  status: "ok" | "degraded" | "fail";
  /** Each probe's outcome by its name. */
  checks: Record<string, CheckResult>;
}

/** Options of {@linkcode checkReadiness} and {@linkcode healthRoutes}. */
export interface ReadinessOptions {
  /** Per-probe timeout (default 2000 ms). */
  timeoutMs?: number;
  /** Measures latency and runs the timeouts; the wall clock by default. */
  clock?: Clock;
}

class ProbeTimeout extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

async function runProbe(
  probe: Probe,
  clock: Clock,
  defaultTimeoutMs: number,
): Promise<CheckResult> {
  const timeoutMs = probe.timeoutMs ?? defaultTimeoutMs;
  const controller = new AbortController();
  const start = clock.now();
  let timer: ReturnType<Clock["setTimeout"]> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => {
      const error = new ProbeTimeout(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    // Promise.resolve().then() turns a synchronous throw into a failed check.
    await Promise.race([
      Promise.resolve().then(() => probe.check(controller.signal)),
      timeout,
    ]);
    return {
      status: "ok",
      required: probe.required,
      latencyMs: clock.now() - start,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      status: "fail",
      required: probe.required,
      latencyMs: clock.now() - start,
      error: message.slice(0, 300) || "check failed",
    };
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}

/**
 * Runs every probe in parallel and summarizes them.
 *
 * @example
 * ```ts
 * import { checkReadiness } from "./health.ts";
 * const report = await checkReadiness([
 *   { name: "postgres", required: true, check: async () => {} },
 * ]);
 * report.status; // "ok"
 * ```
 */
export async function checkReadiness(
  probes: readonly Probe[],
  options: ReadinessOptions = {},
): Promise<ReadinessReport> {
  const clock = options.clock ?? realClock;
  const timeoutMs = options.timeoutMs ?? 2000;
  const results = await Promise.all(
    probes.map((probe) => runProbe(probe, clock, timeoutMs)),
  );
  const checks: Record<string, CheckResult> = {};
  let status: ReadinessReport["status"] = "ok";
  results.forEach((result, i) => {
    checks[probes[i]!.name] = result;
    if (result.status === "fail") {
      if (result.required) status = "fail";
      else if (status === "ok") status = "degraded";
    }
  });
  return { status, checks };
}

const CheckSchema = z.object({
  status: z.enum(["ok", "fail"]),
  required: z.boolean(),
  latencyMs: z.number(),
  error: z.string().optional(),
}).openapi("Check");

const ReadinessSchema = z.object({
  status: z.enum(["ok", "degraded", "fail"]),
  checks: z.record(z.string(), CheckSchema),
}).openapi("Readiness");

const livez = createRoute({
  method: "get",
  path: "/livez",
  tags: ["operations"],
  summary: "The process answers (no dependency is checked)",
  responses: {
    200: {
      description: "Alive",
      content: {
        "application/json": {
          schema: z.object({ status: z.literal("ok") }),
        },
      },
    },
  },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["operations"],
  summary: "Every dependency, with status and latency",
  responses: {
    200: {
      description: "Ready (possibly degraded: an optional dependency is down)",
      content: { "application/json": { schema: ReadinessSchema } },
    },
    503: {
      description: "A required dependency is down",
      content: { "application/json": { schema: ReadinessSchema } },
    },
  },
});

/**
 * Registers `GET /livez` and `GET /readyz`.
 *
 * @example
 * ```ts
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { healthRoutes } from "./health.ts";
 * import type { AppEnv } from "./context.ts";
 * const app = new OpenAPIHono<AppEnv>();
 * healthRoutes(app, [{ name: "kv", required: true, check: async () => {} }]);
 * ```
 */
export function healthRoutes(
  app: ApiApp,
  probes: readonly Probe[],
  options: ReadinessOptions = {},
): void {
  app.openapi(livez, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(readyz, async (c) => {
    const report = await checkReadiness(probes, options);
    c.header("Cache-Control", "no-store");
    return report.status === "fail" ? c.json(report, 503) : c.json(report, 200);
  });
}
