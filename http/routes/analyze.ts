/**
 * `POST /v1/analyze`: source code in, security / quality / maintainability
 * scores (0-100) and findings with line numbers out. Stateless: nothing is
 * stored, so no actor is involved.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { analyzeCode } from "../../actors/workflow/tools/analysis.ts";
import type {
  AnalysisResult,
  AnalyzeOptions,
  SourceFile,
} from "../_room_types.ts";
import { ANALYZED_LANGUAGES } from "../../actors/workflow/tools/analysis/mod.ts";
import type { ApiApp } from "../context.ts";
import { ApiError } from "../errors.ts";
import { authErrorResponses, badRequestResponse } from "../schemas.ts";

/** The analysis function the route calls (the rule-based analyser by default). */
export type AnalyzeFn = (
  files: readonly SourceFile[],
  options: AnalyzeOptions,
) => AnalysisResult | Promise<AnalysisResult>;

const MAX_FILES = 50;
const MAX_FILE_CHARS = 200_000;

const FileSchema = z.object({
  path: z.string().min(1).max(260).openapi({ example: "src/add.ts" }),
  content: z.string().max(MAX_FILE_CHARS),
});

/** The request body: one snippet (`code`) or several `files`. */
export const AnalyzeRequestSchema = z.object({
  language: z.string().toLowerCase().pipe(
    z.enum(ANALYZED_LANGUAGES as [string, ...string[]]),
  ).default("typescript").openapi({
    example: "python",
    description:
      "Language of files whose extension says nothing (any case): typescript, javascript or python. " +
      "Files are parsed with that language's grammar; a .ts, .js or .py extension wins.",
  }),
  code: z.string().min(1).max(MAX_FILE_CHARS).optional().openapi({
    example: "export const run = (s: string) => eval(s);\n",
  }),
  filename: z.string().min(1).max(260).optional().openapi({
    description: "Name for `code` in findings (default from the language)",
  }),
  files: z.array(FileSchema).min(1).max(MAX_FILES).optional(),
}).openapi("AnalyzeRequest");

const FindingSchema = z.object({
  rule: z.string(),
  category: z.enum(["security", "quality", "maintainability"]),
  severity: z.enum(["low", "medium", "high", "critical"]),
  message: z.string(),
  path: z.string(),
  line: z.number().int().min(1),
  column: z.number().int().min(1),
}).openapi("Finding");

const score = z.number().min(0).max(100);

/** What the analysis answers. */
export const AnalysisSchema = z.object({
  security: score,
  quality: score,
  maintainability: score,
  findings: z.array(FindingSchema),
  metrics: z.record(z.string(), z.number()).openapi({
    description: "Lines, functions, complexity and other measurements",
  }),
}).openapi("Analysis");

const analyze = createRoute({
  method: "post",
  path: "/v1/analyze",
  tags: ["analysis"],
  summary: "Score code for security, quality and maintainability",
  security: [{ bearerAuth: [] }],
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: AnalyzeRequestSchema } },
    },
  },
  responses: {
    200: {
      description: "Scores and findings",
      content: { "application/json": { schema: AnalysisSchema } },
    },
    ...badRequestResponse,
    ...authErrorResponses,
  },
});

const EXTENSIONS: Record<string, string> = {
  typescript: "ts",
  ts: "ts",
  javascript: "js",
  js: "js",
  python: "py",
  py: "py",
};

/**
 * Registers `POST /v1/analyze`.
 *
 * @example
 * ```ts
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { analyzeRoutes } from "./analyze.ts";
 * import type { AppEnv } from "../context.ts";
 * const app = new OpenAPIHono<AppEnv>();
 * analyzeRoutes(app); // createApp registers it for you
 * ```
 */
export function analyzeRoutes(
  app: ApiApp,
  analyzeFn: AnalyzeFn = analyzeCode,
): void {
  app.openapi(analyze, async (c) => {
    const body = c.req.valid("json");
    if ((body.code === undefined) === (body.files === undefined)) {
      throw new ApiError(
        400,
        "invalid_request",
        "send either `code` or `files`, not both and not neither",
        { issues: [{ path: "body", message: "expected code or files" }] },
      );
    }
    const language = body.language.toLowerCase();
    const files: SourceFile[] = body.files ?? [{
      path: body.filename ?? `snippet.${EXTENSIONS[language] ?? "txt"}`,
      content: body.code!,
    }];
    const result = await analyzeFn(files, { language });
    return c.json({
      security: result.security,
      quality: result.quality,
      maintainability: result.maintainability,
      findings: result.findings,
      metrics: { ...result.metrics },
    }, 200);
  });
}
