/**
 * Semantic search across Troupe's collections (`POST /v1/search`, and
 * `GET /v1/search?q=` for quick queries). A user sees their own entries and
 * global ones (best practices, shared documentation), never another user's.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import {
  COLLECTIONS,
  type VectorFilter,
  type VectorHit,
} from "../../storage/vector.ts";
import type { ApiApp } from "../context.ts";
import { principalOf } from "../middleware/auth.ts";
import { authErrorResponses, badRequestResponse } from "../schemas.ts";
import {
  errorResponse,
  type ResolvedDeps,
  text,
  withVector,
} from "./_shared.ts";
import { omitUndefined } from "../../runtime/optional.ts";

const CollectionSchema = z.enum(COLLECTIONS).openapi({
  example: "documentation",
});
const name = text().trim().toLowerCase().min(1).max(50);

/** `POST /v1/search` body. */
export const SearchRequestSchema = z.object({
  query: text().trim().min(1).max(4_000).openapi({
    example: "validate request bodies",
  }),
  collections: z.array(CollectionSchema).min(1).max(COLLECTIONS.length)
    .optional().openapi({ description: "Default: all four" }),
  k: z.number().int().min(1).max(50).default(10),
  filters: z.object({
    language: z.union([name, z.array(name).min(1).max(10)]).optional(),
    type: z.union([name, z.array(name).min(1).max(10)]).optional(),
    buildId: z.uuid().optional(),
  }).strict().optional(),
}).openapi("SearchRequest");

const SearchQuerySchema = z.object({
  q: text().trim().min(1).max(4_000).openapi({
    param: { name: "q", in: "query" },
    example: "retry with backoff",
  }),
  collections: z.string().optional().openapi({
    param: { name: "collections", in: "query" },
    description: "Comma-separated, e.g. `documentation,best_practices`",
  }).pipe(
    z.string().transform((s) => s.split(",").map((x) => x.trim())).pipe(
      z.array(CollectionSchema).min(1),
    ).optional(),
  ),
  k: z.coerce.number().int().min(1).max(50).default(10).openapi({
    param: { name: "k", in: "query" },
  }),
  language: name.optional().openapi({
    param: { name: "language", in: "query" },
  }),
  type: name.optional().openapi({ param: { name: "type", in: "query" } }),
  buildId: z.uuid().optional().openapi({
    param: { name: "buildId", in: "query" },
  }),
});

const HitSchema = z.object({
  id: z.string(),
  collection: CollectionSchema,
  text: z.string(),
  score: z.number().openapi({ description: "Cosine similarity, -1 to 1" }),
  distance: z.number(),
  metadata: z.object({
    buildId: z.string().optional(),
    language: z.string().optional(),
    type: z.string().optional(),
    path: z.string().optional(),
    title: z.string().optional(),
    tags: z.array(z.string()).optional(),
    scope: z.enum(["user", "global"]),
  }),
}).openapi("SearchHit");

const SearchResultSchema = z.object({
  query: z.string(),
  collections: z.array(CollectionSchema),
  hits: z.array(HitSchema),
}).openapi("SearchResult");

const responses = {
  200: {
    description: "Hits, nearest first",
    content: { "application/json": { schema: SearchResultSchema } },
  },
  ...badRequestResponse,
  ...authErrorResponses,
  503: errorResponse("Chroma or the embedding model is unavailable"),
} as const;

const postSearch = createRoute({
  method: "post",
  path: "/v1/search",
  tags: ["search"],
  summary: "Search code, documentation, past builds and best practices",
  security: [{ bearerAuth: [] }],
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: SearchRequestSchema } },
    },
  },
  responses,
});

const getSearch = createRoute({
  method: "get",
  path: "/v1/search",
  tags: ["search"],
  summary: "Search (query-string form)",
  security: [{ bearerAuth: [] }],
  request: { query: SearchQuerySchema },
  responses,
});

/** A hit as the API shows it: the owner's id is left out. */
function hitJson(hit: VectorHit) {
  const { userId, tags, ...rest } = hit.metadata;
  return {
    id: hit.id,
    collection: hit.collection,
    text: hit.text,
    score: hit.score,
    distance: hit.distance,
    metadata: {
      ...rest,
      ...(tags ? { tags: [...tags] } : {}),
      scope: userId ? "user" as const : "global" as const,
    },
  };
}

interface SearchInput {
  query: string;
  collections: readonly (typeof COLLECTIONS)[number][] | undefined;
  k: number;
  language: string | readonly string[] | undefined;
  type: string | readonly string[] | undefined;
  buildId: string | undefined;
}

/**
 * Registers `POST /v1/search` and `GET /v1/search`.
 *
 * @example
 * ```ts ignore
 * import { searchRoutes } from "./search.ts";
 * searchRoutes(app, resolveDeps({ db, actors: system, vector }));
 * ```
 */
export function searchRoutes(app: ApiApp, deps: ResolvedDeps): void {
  const run = (userId: string, input: SearchInput) => {
    const collections = [...new Set(input.collections ?? COLLECTIONS)];
    const where: VectorFilter = {
      // Own entries and global ones; never another user's.
      visibleTo: userId,
      ...omitUndefined({
        language: input.language,
        type: input.type,
        buildId: input.buildId,
      }),
    };
    return withVector(deps.vector, async (store) => {
      const hits = await store.search(collections, input.query, {
        k: input.k,
        where,
      });
      return {
        query: input.query,
        collections,
        hits: hits.map(hitJson),
      };
    });
  };

  app.openapi(postSearch, async (c) => {
    const body = c.req.valid("json");
    const result = await run(principalOf(c).user.id, {
      query: body.query,
      collections: body.collections,
      k: body.k,
      language: body.filters?.language,
      type: body.filters?.type,
      buildId: body.filters?.buildId,
    });
    return c.json(result, 200);
  });

  app.openapi(getSearch, async (c) => {
    const q = c.req.valid("query");
    const result = await run(principalOf(c).user.id, {
      query: q.q,
      collections: q.collections,
      k: q.k,
      language: q.language,
      type: q.type,
      buildId: q.buildId,
    });
    return c.json(result, 200);
  });
}
