/**
 * Builds: create (through the user's session actor, which owns the quota),
 * list, get, cancel (through the build actor), files and analysis. Reads go
 * straight to the repositories, always scoped by the caller's user id, so
 * another user's build is a 404.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createRoute, z } from "@hono/zod-openapi";
import type { BuildMessage, CancelReply } from "../../actors/build.ts";
import {
  languageSchema,
  SUPPORTED_LANGUAGES,
} from "../../actors/languages/mod.ts";
import type { CreateBuildReply, SessionMessage } from "../../actors/session.ts";
import { ModelError } from "../../actors/workflow/llm.ts";
import { AskTimeoutError } from "../../runtime/errors.ts";
import {
  type Build,
  type BuildSummary,
  getBuild,
  isTerminalStatus,
  listBuilds,
} from "../../storage/builds.ts";
import { getBuildAnalysis } from "../../storage/code_analyses.ts";
import { BUILD_STATUSES, LIMITS } from "../../storage/schema.ts";
import type {
  ModelCatalog,
  ModelCheck,
} from "../../actors/workflow/model_catalog.ts";
import type { ApiApp } from "../context.ts";
import { ApiError } from "../errors.ts";
import { principalOf } from "../middleware/auth.ts";
import {
  authErrorResponses,
  badRequestResponse,
  locationHeader,
  pageOf,
  PaginationQuerySchema,
} from "../schemas.ts";
import {
  clientIp,
  errorResponse,
  IdParamSchema,
  iso,
  notFound,
  type ResolvedDeps,
  text,
} from "./_shared.ts";
import { omitUndefined } from "../../runtime/optional.ts";

const StatusSchema = z.enum(BUILD_STATUSES).openapi({ example: "generating" });

/** A build in a list. */
export const BuildSummarySchema = z.object({
  id: z.uuid(),
  project: z.string(),
  language: z.string(),
  status: StatusSchema,
  source: z.enum(["api", "telegram"]),
  model: z.string().nullable().openapi({
    example: "qwen2.5-coder:7b",
    description:
      "The Ollama chat model the build asked for; null: the server's configured model (OLLAMA_MODEL)",
  }),
  error: z.string().nullable(),
  attempts: z.number().int(),
  lastEventSeq: z.number().int().openapi({
    description: "Sequence number of the build's latest event (0: none)",
  }),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
}).openapi("BuildSummary");

/** A build with its requirements, plan and result. */
export const BuildSchema = BuildSummarySchema.extend({
  requirements: z.string(),
  plan: z.unknown().openapi({ description: "The plan (null until planned)" }),
  result: z.unknown().openapi({
    description: "Outcome, test report and scores (null until finished)",
  }),
  fileCount: z.number().int(),
}).openapi("Build");

/** What an Ollama model name may contain (`library/name:tag`, `hf.co/org/repo:Q4_K_M`). */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

/** `POST /v1/builds` body. */
export const CreateBuildSchema = z.object({
  project: text().trim().min(1).max(LIMITS.project).openapi({
    example: "todo-api",
  }),
  // `.openapi()` on the wrapper, not on languageSchema: zod 4 adds the method
  // per instance, and actors/ may create that schema before the extension loads.
  language: z.string().openapi({
    example: "typescript",
    description: `${
      SUPPORTED_LANGUAGES.join(", ")
    } (languages whose tests run in a sandbox)`,
    enum: [...SUPPORTED_LANGUAGES],
  }).pipe(languageSchema),
  requirements: text().trim().min(1).max(LIMITS.requirements).openapi({
    example: "A REST API for todos with create, list and delete, with tests.",
  }),
  model: text().trim().min(1).max(LIMITS.model).regex(
    MODEL_NAME,
    "an Ollama model name: letters, digits and . _ - : / (e.g. qwen2.5-coder:7b)",
  ).optional().openapi({
    example: "qwen2.5-coder:7b",
    description:
      "The Ollama chat model to build with, one of those installed on the server " +
      "(`ollama list`); default: the configured OLLAMA_MODEL. A model that is not " +
      "installed is a 400 listing the installed ones.",
  }),
}).openapi("CreateBuild");

const CreatedSchema = z.object({
  id: z.uuid(),
  status: StatusSchema,
  project: z.string(),
  language: z.string(),
  model: z.string().nullable(),
  links: z.object({
    self: z.string(),
    events: z.string(),
    cancel: z.string(),
  }),
}).openapi("BuildCreated");

const ListQuerySchema = PaginationQuerySchema.extend({
  status: StatusSchema.optional().openapi({
    param: { name: "status", in: "query" },
  }),
});

const FileSchema = z.object({
  path: z.string(),
  kind: z.string().openapi({ example: "source" }),
  size: z.number().int().openapi({ description: "Characters" }),
  content: z.string(),
}).openapi("BuildFile");

const FilesSchema = z.object({
  buildId: z.uuid(),
  status: StatusSchema,
  files: z.array(FileSchema),
}).openapi("BuildFiles");

const FilesQuerySchema = z.object({
  path: z.string().min(1).max(500).optional().openapi({
    param: { name: "path", in: "query" },
    description: "Only this file",
  }),
});

const BuildAnalysisSchema = z.object({
  buildId: z.uuid(),
  security: z.number(),
  quality: z.number(),
  maintainability: z.number(),
  findings: z.unknown(),
  createdAt: z.iso.datetime(),
}).openapi("BuildAnalysis");

const CancelledSchema = z.object({
  id: z.uuid(),
  status: StatusSchema,
}).openapi("BuildCancelled");

const notFoundResponse = { 404: errorResponse("No such build of yours") };
const security = [{ bearerAuth: [] }];

const createBuildRoute = createRoute({
  method: "post",
  path: "/v1/builds",
  tags: ["builds"],
  summary: "Start a build",
  description:
    "Queues a build and starts its agents. Counts against the daily quota " +
    "(429 with `details.resetAt` when it is used up).\n\n" +
    "Send an `Idempotency-Key` header (any unique string, e.g. a UUID) and " +
    "retries are safe: the same key with the same body returns the build the " +
    "first request created (202, same id), the same key with another body " +
    "is a 422 `idempotency_key_reused`. When the node cannot confirm in time " +
    "whether the build was created, the answer is 503 `actor_timeout` with " +
    "`Retry-After`: retry with the same key.",
  security,
  request: {
    headers: z.object({
      "idempotency-key": z.string().min(1).max(200).optional().openapi({
        description:
          "Retrying a request with the same key returns the build the first one created instead of creating another; " +
          "reusing a key with a different body is a 422",
      }),
    }),
    body: {
      required: true,
      content: { "application/json": { schema: CreateBuildSchema } },
    },
  },
  responses: {
    202: {
      description: "Accepted; follow it at `links.events`",
      headers: locationHeader,
      content: { "application/json": { schema: CreatedSchema } },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    422: errorResponse(
      "The Idempotency-Key was already used for a build with another body",
    ),
    503: errorResponse(
      "Not confirmed in time (`actor_timeout`; retry after `Retry-After` seconds " +
        "with an Idempotency-Key), or Ollama, needed to check `model`, is down " +
        "(`model_unavailable`, naming Ollama and how to start it)",
    ),
  },
});

const listBuildsRoute = createRoute({
  method: "get",
  path: "/v1/builds",
  tags: ["builds"],
  summary: "Your builds, newest first",
  security,
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: "A page of builds",
      content: {
        "application/json": {
          schema: pageOf(BuildSummarySchema, "BuildPage"),
        },
      },
    },
    ...badRequestResponse,
    ...authErrorResponses,
  },
});

const getBuildRoute = createRoute({
  method: "get",
  path: "/v1/builds/{id}",
  tags: ["builds"],
  summary: "One of your builds",
  security,
  request: { params: IdParamSchema },
  responses: {
    200: {
      description: "The build",
      content: { "application/json": { schema: BuildSchema } },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...notFoundResponse,
  },
});

const cancelBuildRoute = createRoute({
  method: "post",
  path: "/v1/builds/{id}/cancel",
  tags: ["builds"],
  summary: "Cancel a build that has not finished",
  security,
  request: { params: IdParamSchema },
  responses: {
    200: {
      description: "Cancelled",
      content: { "application/json": { schema: CancelledSchema } },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...notFoundResponse,
    409: errorResponse("The build already finished"),
  },
});

const filesRoute = createRoute({
  method: "get",
  path: "/v1/builds/{id}/files",
  tags: ["builds"],
  summary: "The files a build generated",
  security,
  request: { params: IdParamSchema, query: FilesQuerySchema },
  responses: {
    200: {
      description: "Files (empty until generated)",
      content: { "application/json": { schema: FilesSchema } },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...notFoundResponse,
  },
});

const analysisRoute = createRoute({
  method: "get",
  path: "/v1/builds/{id}/analysis",
  tags: ["builds"],
  summary: "Security, quality and maintainability of a build's code",
  security,
  request: { params: IdParamSchema },
  responses: {
    200: {
      description: "The analysis",
      content: { "application/json": { schema: BuildAnalysisSchema } },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...notFoundResponse,
  },
});

/** JSON of a build in a list. */
export function summaryJson(build: BuildSummary) {
  return {
    id: build.id,
    project: build.project,
    language: build.language,
    status: build.status,
    source: build.source,
    model: build.model,
    error: build.error,
    attempts: build.attempts,
    lastEventSeq: build.lastEventSeq,
    createdAt: build.createdAt.toISOString(),
    updatedAt: build.updatedAt.toISOString(),
    startedAt: iso(build.startedAt),
    finishedAt: iso(build.finishedAt),
  };
}

interface StoredFile {
  path: string;
  kind: string;
  content: string;
}

/** The generated files of a build row (tolerant of partial shapes). */
export function filesOf(build: Build): StoredFile[] {
  if (!Array.isArray(build.files)) return [];
  return build.files.flatMap((f): StoredFile[] => {
    if (typeof f !== "object" || f === null) return [];
    const { path, kind, content } = f as Record<string, unknown>;
    if (typeof path !== "string" || typeof content !== "string") return [];
    return [{
      path,
      kind: typeof kind === "string" ? kind : "source",
      content,
    }];
  });
}

/** Opaque keyset cursor of a build list. */
export function encodeCursor(build: { createdAt: Date; id: string }): string {
  return btoa(`${build.createdAt.toISOString()}|${build.id}`)
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const cursorSchema = z.tuple([z.iso.datetime(), z.uuid()]);

/** The position a cursor stands for; a 400 naming `query.cursor` if it is not one of ours. */
export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  let parts: unknown;
  try {
    parts = atob(cursor.replaceAll("-", "+").replaceAll("_", "/")).split("|");
  } catch {
    parts = undefined;
  }
  const parsed = cursorSchema.safeParse(parts);
  if (!parsed.success) {
    throw new ApiError(
      400,
      "invalid_request",
      "query.cursor: not a cursor this API handed out",
      { issues: [{ path: "query.cursor", message: "invalid cursor" }] },
    );
  }
  return { createdAt: new Date(parsed.data[0]), id: parsed.data[1] };
}

function quotaError(
  reply: Extract<CreateBuildReply, { ok: false }>,
  now: number,
) {
  switch (reply.code) {
    case "quota_exceeded": {
      const seconds = Math.max(
        1,
        Math.ceil((Date.parse(reply.resetAt) - now) / 1000),
      );
      return new ApiError(
        429,
        "quota_exceeded",
        `daily build quota of ${reply.limit} reached; it resets at ${reply.resetAt}`,
        { limit: reply.limit, resetAt: reply.resetAt },
        { "Retry-After": String(seconds) },
      );
    }
    case "user_disabled":
      return new ApiError(403, "user_disabled", "this user is disabled");
    case "user_not_found":
      return new ApiError(403, "user_not_found", "this user no longer exists");
  }
}

/** What `POST /v1/builds` answers about the build it accepted. */
interface AcceptedBuild {
  id: string;
  status: Build["status"];
  project: string;
  language: string;
  model: string | null;
}

/**
 * A stored build as the answer to a request for it; a 422 naming the
 * `Idempotency-Key` when the request asked for a different build.
 */
function sameRequest(
  build: Build,
  body: z.infer<typeof CreateBuildSchema>,
  idempotencyKey: string | undefined,
): AcceptedBuild {
  const differs = (["project", "language", "requirements", "model"] as const)
    .filter((field) => (build[field] ?? null) !== (body[field] ?? null));
  if (differs.length > 0) {
    throw new ApiError(
      422,
      "idempotency_key_reused",
      `Idempotency-Key "${idempotencyKey}" was already used for build ${build.id} with a different ${
        differs.join(", ")
      }; send a new key for a new build`,
      { idempotencyKey, buildId: build.id, fields: differs },
    );
  }
  return {
    id: build.id,
    status: build.status,
    project: build.project,
    language: build.language,
    model: build.model,
  };
}

/**
 * Checks a build's requested model against the models installed on Ollama:
 * a 400 naming it and listing the installed ones when it is not there, a
 * 503 naming Ollama and how to start it when Ollama cannot be asked.
 */
async function checkModel(
  models: ModelCatalog | undefined,
  model: string,
): Promise<void> {
  if (models === undefined) {
    throw new ApiError(
      503,
      "model_unavailable",
      `model "${model}" cannot be checked: this node has no connection to Ollama configured (OLLAMA_HOST)`,
      { service: "ollama", model },
      { "Retry-After": "30" },
    );
  }
  let found: ModelCheck;
  try {
    found = await models.check(model);
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    throw new ApiError(
      503,
      "model_unavailable",
      `model "${model}" cannot be checked: ${error.message}`,
      {
        service: "ollama",
        model,
        ...("host" in error ? { host: error.host } : {}),
      },
      { "Retry-After": "10" },
      error,
    );
  }
  if (found.ok) return;
  const installed = found.installed.length === 0
    ? "none (pull one with `ollama pull <name>`)"
    : found.installed.join(", ");
  throw new ApiError(
    400,
    "model_not_installed",
    `body.model: Ollama has no model "${model}"; installed: ${installed}. ` +
      `Pick one of those, or pull it on the Ollama server with \`ollama pull ${model}\``,
    {
      model,
      installed: found.installed,
      issues: [{ path: "body.model", message: `"${model}" is not installed` }],
    },
  );
}

/**
 * The build id a user's `Idempotency-Key` stands for: a UUID (version 8, from
 * SHA-256) of the user and the key, so a retried request names the same build
 * and the session actor answers it without creating a second one.
 */
export function idempotentBuildId(userId: string, key: string): string {
  const bytes = createHash("sha256").update(`${userId}\n${key}`).digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${
    hex.slice(16, 20)
  }-${hex.slice(20)}`;
}

/**
 * Registers the build routes.
 *
 * @example
 * ```ts ignore
 * import { buildRoutes } from "./builds.ts";
 * import { resolveDeps } from "./_shared.ts";
 * createApp({ authenticate, routes: [(app) => buildRoutes(app, resolveDeps({ db, actors: system }))] });
 * ```
 */
export function buildRoutes(app: ApiApp, deps: ResolvedDeps): void {
  const { db, actors, clock } = deps;

  app.openapi(createBuildRoute, async (c) => {
    const body = c.req.valid("json");
    const { user } = principalOf(c);
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const buildId = idempotencyKey === undefined
      ? crypto.randomUUID()
      : idempotentBuildId(user.id, idempotencyKey);
    const accepted = (build: AcceptedBuild) => {
      const self = `/v1/builds/${build.id}`;
      return c.json(
        {
          ...build,
          links: { self, events: `${self}/events`, cancel: `${self}/cancel` },
        },
        202,
        { Location: self },
      );
    };
    // The build this request stands for, when it exists already (a retry).
    const stored = async () => {
      const build = await getBuild(db, user.id, buildId);
      return build && sameRequest(build, body, idempotencyKey);
    };
    if (idempotencyKey !== undefined) {
      const retried = await stored();
      if (retried) return accepted(retried);
    }
    if (body.model !== undefined) await checkModel(deps.models, body.model);
    const message: SessionMessage = {
      type: "create_build",
      buildId,
      project: body.project,
      language: body.language,
      requirements: body.requirements,
      ...omitUndefined({ model: body.model }),
      source: "api",
      ip: clientIp(c),
    };
    let reply: CreateBuildReply;
    try {
      reply = await actors.ref("session", user.id).ask<CreateBuildReply>(
        message,
        { timeoutMs: deps.askTimeoutMs },
      );
    } catch (error) {
      if (!(error instanceof AskTimeoutError)) throw error;
      // The session may have created the build and only answered late.
      const created = await stored();
      if (created) return accepted(created);
      throw new ApiError(
        503,
        "actor_timeout",
        "the build could not be confirmed in time; " +
          (idempotencyKey === undefined
            ? "retry with an Idempotency-Key header (the same value on every retry) so that a retry cannot create a second build"
            : "retry with the same Idempotency-Key: a retry never creates a second build"),
        undefined,
        { "Retry-After": "2" },
        error,
      );
    }
    if (!reply.ok) throw quotaError(reply, clock.now());
    if (idempotencyKey !== undefined) {
      // Two requests with one key may race: the second finds the first's build.
      const created = await stored();
      if (created) return accepted(created);
    }
    return accepted({
      id: reply.buildId,
      status: "queued",
      project: body.project,
      language: body.language,
      model: body.model ?? null,
    });
  });

  app.openapi(listBuildsRoute, async (c) => {
    const query = c.req.valid("query");
    const { user } = principalOf(c);
    const before = query.cursor === undefined
      ? undefined
      : decodeCursor(query.cursor);
    const rows = await listBuilds(db, user.id, {
      limit: query.limit + 1,
      ...(before ? { before } : {}),
      ...(query.status ? { status: query.status } : {}),
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return c.json({
      items: page.map(summaryJson),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    }, 200);
  });

  app.openapi(getBuildRoute, async (c) => {
    const { id } = c.req.valid("param");
    const build = await deps.readBuildOverview(principalOf(c).user.id, id);
    if (!build) throw notFound("build", "build_not_found");
    return c.json({
      ...summaryJson(build),
      requirements: build.requirements,
      plan: build.plan,
      result: build.result,
      fileCount: build.fileCount,
    }, 200);
  });

  app.openapi(cancelBuildRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { user } = principalOf(c);
    const build = await getBuild(db, user.id, id);
    if (!build) throw notFound("build", "build_not_found");
    if (isTerminalStatus(build.status)) {
      throw new ApiError(
        409,
        "build_finished",
        `the build already finished (${build.status})`,
        { status: build.status },
      );
    }
    const cancel: BuildMessage = {
      type: "cancel",
      reason: "cancelled through the API",
      by: { userId: user.id, ip: clientIp(c) },
    };
    const reply = await actors.ref("build", id).ask<CancelReply>(cancel, {
      timeoutMs: deps.askTimeoutMs,
    });
    if (!reply.ok) {
      throw new ApiError(
        409,
        "build_finished",
        `the build already finished (${reply.status})`,
        { status: reply.status },
      );
    }
    return c.json({ id, status: reply.status }, 200);
  });

  app.openapi(filesRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { path } = c.req.valid("query");
    const build = await getBuild(db, principalOf(c).user.id, id);
    if (!build) throw notFound("build", "build_not_found");
    let files = filesOf(build);
    if (path !== undefined) {
      files = files.filter((f) => f.path === path);
      if (files.length === 0) throw notFound(`file ${path}`, "file_not_found");
    }
    return c.json({
      buildId: id,
      status: build.status,
      files: files.map((f) => ({ ...f, size: f.content.length })),
    }, 200);
  });

  app.openapi(analysisRoute, async (c) => {
    const { id } = c.req.valid("param");
    const userId = principalOf(c).user.id;
    const analysis = await getBuildAnalysis(db, userId, id);
    if (!analysis) {
      const build = await getBuild(db, userId, id);
      if (!build) throw notFound("build", "build_not_found");
      throw new ApiError(
        404,
        "analysis_not_found",
        `no analysis yet: the build is ${build.status}` +
          (isTerminalStatus(build.status)
            ? ""
            : " (it comes when it finishes)"),
        { status: build.status },
      );
    }
    return c.json({
      buildId: id,
      security: analysis.security,
      quality: analysis.quality,
      maintainability: analysis.maintainability,
      findings: analysis.findings,
      createdAt: analysis.createdAt.toISOString(),
    }, 200);
  });
}
