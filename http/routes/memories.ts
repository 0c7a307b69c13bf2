/**
 * A user's long-term memories: key/value pairs with an optional time to live
 * (`ttl` seconds -> `expiresAt`). An expired memory is never returned.
 * Changes are audited in the same transaction by the repository.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import {
  deleteMemory,
  getMemory,
  listMemories,
  type Memory,
  setMemory,
} from "../../storage/memories.ts";
import { LIMITS } from "../../storage/schema.ts";
import type { ApiApp } from "../context.ts";
import { principalOf } from "../middleware/auth.ts";
import {
  authErrorResponses,
  badRequestResponse,
  locationHeader,
} from "../schemas.ts";
import {
  auditOf,
  errorResponse,
  iso,
  notFound,
  type ResolvedDeps,
  text,
} from "./_shared.ts";

const MAX_VALUE_BYTES = 64 * 1024;
/** Ten years: long enough for "keep", short enough for a Date. */
const MAX_TTL_SECONDS = 10 * 365 * 24 * 3600;

const KeySchema = z.string().min(1).max(LIMITS.memoryKey).regex(
  /^[\w.:@-]+$/,
  "letters, digits and . _ : @ - only",
).openapi({ example: "preferred_test_style" });

const ValueSchema = z.unknown().refine((v) => v !== undefined, {
  message: "Required",
}).refine(
  (v) => (JSON.stringify(v)?.length ?? 0) <= MAX_VALUE_BYTES,
  `at most ${MAX_VALUE_BYTES} bytes of JSON`,
).openapi({ description: "Any JSON value", example: { style: "bdd" } });

const TtlSchema = z.number().int().min(1).max(MAX_TTL_SECONDS).nullable()
  .optional().openapi({
    description: "Seconds until it expires; null or absent: never",
    example: 86_400,
  });

/** A memory as the API shows it. */
export const MemorySchema = z.object({
  key: z.string(),
  value: z.unknown(),
  expiresAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
}).openapi("Memory");

const CreateMemorySchema = z.object({
  key: KeySchema,
  value: ValueSchema,
  ttl: TtlSchema,
}).openapi("CreateMemory");

const PutMemorySchema = z.object({
  value: ValueSchema,
  ttl: TtlSchema,
}).openapi("PutMemory");

const KeyParamSchema = z.object({
  key: KeySchema.openapi({ param: { name: "key", in: "path" } }),
});

const ListQuerySchema = z.object({
  prefix: text().max(LIMITS.memoryKey).optional().openapi({
    param: { name: "prefix", in: "query" },
  }),
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({
    param: { name: "limit", in: "query" },
  }),
});

const memoryResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: MemorySchema } },
});
const security = [{ bearerAuth: [] }];
const tags = ["memories"];

const listRoute = createRoute({
  method: "get",
  path: "/v1/memories",
  tags,
  summary: "Your live memories, by key",
  security,
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: "Memories",
      content: {
        "application/json": {
          schema: z.object({ items: z.array(MemorySchema) }).openapi(
            "MemoryList",
          ),
        },
      },
    },
    ...badRequestResponse,
    ...authErrorResponses,
  },
});

const createMemoryRoute = createRoute({
  method: "post",
  path: "/v1/memories",
  tags,
  summary: "Store a memory (replaces one with the same key)",
  security,
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: CreateMemorySchema } },
    },
  },
  responses: {
    201: { ...memoryResponse("Created"), headers: locationHeader },
    200: memoryResponse("Replaced an existing memory with this key"),
    ...badRequestResponse,
    ...authErrorResponses,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/memories/{key}",
  tags,
  summary: "One memory",
  security,
  request: { params: KeyParamSchema },
  responses: {
    200: memoryResponse("The memory"),
    ...badRequestResponse,
    ...authErrorResponses,
    404: errorResponse("No such memory, or it expired"),
  },
});

const putRoute = createRoute({
  method: "put",
  path: "/v1/memories/{key}",
  tags,
  summary: "Create or replace a memory",
  security,
  request: {
    params: KeyParamSchema,
    body: {
      required: true,
      content: { "application/json": { schema: PutMemorySchema } },
    },
  },
  responses: {
    200: memoryResponse("Stored"),
    ...badRequestResponse,
    ...authErrorResponses,
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/memories/{key}",
  tags,
  summary: "Forget a memory",
  security,
  request: { params: KeyParamSchema },
  responses: {
    204: { description: "Deleted" },
    ...badRequestResponse,
    ...authErrorResponses,
    404: errorResponse("No such memory, or it expired"),
  },
});

function memoryJson(memory: Memory) {
  return {
    key: memory.key,
    value: memory.value,
    expiresAt: iso(memory.expiresAt),
    createdAt: memory.createdAt.toISOString(),
    updatedAt: memory.updatedAt.toISOString(),
  };
}

/**
 * Registers the memory routes.
 *
 * @example
 * ```ts ignore
 * import { memoryRoutes } from "./memories.ts";
 * memoryRoutes(app, resolveDeps({ db, actors: system }));
 * ```
 */
export function memoryRoutes(app: ApiApp, deps: ResolvedDeps): void {
  const { db, clock } = deps;

  const store = (
    c: Parameters<typeof auditOf>[0],
    key: string,
    value: unknown,
    ttl: number | null | undefined,
  ) => {
    const audit = auditOf(c, clock);
    const now = audit.now ?? new Date(clock.now());
    return setMemory(db, principalOf(c).user.id, key, value, {
      now,
      expiresAt: ttl ? new Date(now.getTime() + ttl * 1000) : null,
      audit,
    });
  };

  app.openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const items = await listMemories(
      db,
      principalOf(c).user.id,
      new Date(clock.now()),
      { limit: q.limit, ...(q.prefix ? { prefix: q.prefix } : {}) },
    );
    return c.json({ items: items.map(memoryJson) }, 200);
  });

  app.openapi(createMemoryRoute, async (c) => {
    const body = c.req.valid("json");
    const memory = await store(c, body.key, body.value, body.ttl);
    const location = `/v1/memories/${encodeURIComponent(body.key)}`;
    if (!memory.created) {
      return c.json(memoryJson(memory), 200, { "Content-Location": location });
    }
    return c.json(memoryJson(memory), 201, { Location: location });
  });

  app.openapi(getRoute, async (c) => {
    const { key } = c.req.valid("param");
    const memory = await getMemory(
      db,
      principalOf(c).user.id,
      key,
      new Date(clock.now()),
    );
    if (!memory) throw notFound("memory", "memory_not_found");
    return c.json(memoryJson(memory), 200);
  });

  app.openapi(putRoute, async (c) => {
    const { key } = c.req.valid("param");
    const body = c.req.valid("json");
    const memory = await store(c, key, body.value, body.ttl);
    return c.json(memoryJson(memory), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { key } = c.req.valid("param");
    const audit = auditOf(c, clock);
    const existed = await deleteMemory(db, principalOf(c).user.id, key, {
      ...(audit.now ? { now: audit.now } : {}),
      audit,
    });
    if (!existed) throw notFound("memory", "memory_not_found");
    return c.body(null, 204);
  });
}
