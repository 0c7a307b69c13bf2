/**
 * The plan of a build: its zod schema (which validates answers and, as JSON
 * schema, is sent as Ollama's `format` so the model's decoding is held to
 * it), the reader of plan answers and the plan used when the model's cannot
 * be read.
 *
 * @module
 */
import { z } from "zod";
import { readJson } from "./json.ts";
import type { Parsed } from "./parsed.ts";

const planSchema = z.object({
  phases: z.array(
    z.object({
      name: z.string().min(1),
      tasks: z.array(z.string()),
    }),
  ).min(1),
  estimateMinutes: z.number().positive(),
});

/**
 * The zod type of {@link PlanSchema}.
 * @internal
 */
type PlanSchemaType = typeof planSchema;

/** A plan as the model writes it. */
export const PlanSchema: PlanSchemaType = planSchema;

/** The plan of a build. */
export interface Plan {
  /** The phases in order, each a name and its tasks. */
  phases: { name: string; tasks: string[] }[];
  /** The model's guess of the work, in minutes. */
  estimateMinutes: number;
}

/** {@linkcode PlanSchema} as JSON schema: the `format` of plan requests. */
export const PLAN_FORMAT: Record<string, unknown> = z.toJSONSchema(PlanSchema);

/**
 * Reads a plan from the model's answer (bare JSON, fenced, wrapped in prose,
 * after a `<think>` block, with trailing commas).
 *
 * @example
 * ```ts
 * import { parsePlan } from "./plan.ts";
 * const p = parsePlan('{"phases":[{"name":"core","tasks":["write push"]}],"estimateMinutes":5}');
 * console.assert(p.ok);
 * ```
 */
export function parsePlan(text: string): Parsed<Plan> {
  return readJson(text, PlanSchema);
}

const MINUTES = { low: 15, medium: 30, high: 60 } as const;

/**
 * The plan used when the model's could not be read: one task per sentence
 * or list item of the requirements, then the tests.
 *
 * @example
 * ```ts
 * import { defaultPlan } from "./plan.ts";
 * const plan = defaultPlan("A stack. It has push and pop.", "low");
 * console.assert(plan.phases[0]?.tasks.length === 2);
 * ```
 */
export function defaultPlan(
  requirements: string,
  complexity: "low" | "medium" | "high" = "medium",
): Plan {
  const items = requirements.split(/\n+|(?<=[.!?])\s+/)
    .map((s) => s.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, "").trim())
    .filter((s) => s.length > 0)
    .slice(0, 8);
  return {
    phases: [
      {
        name: "implement",
        tasks: items.length > 0 ? items : ["implement the requirements"],
      },
      {
        name: "test",
        tasks: ["write tests for every requirement", "run them and fix"],
      },
    ],
    estimateMinutes: MINUTES[complexity],
  };
}
