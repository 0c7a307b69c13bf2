/**
 * A user's API keys: create (the token is in that one response and nowhere
 * else), list (never the token or its hash), revoke (takes effect on the
 * next request: every request checks the key in the database).
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import {
  type ApiKey,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from "../../storage/api_keys.ts";
import { LIMITS } from "../../storage/schema.ts";
import type { ApiApp } from "../context.ts";
import { ApiError } from "../errors.ts";
import { principalOf } from "../middleware/auth.ts";
import { authErrorResponses, badRequestResponse } from "../schemas.ts";
import {
  auditOf,
  errorResponse,
  IdParamSchema,
  iso,
  type ResolvedDeps,
  text,
} from "./_shared.ts";

/** A key as listed: never the token, never its hash. */
export const ApiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().openapi({
    example: "3f9a0c1d",
    description: "The visible part: tokens look like `trp_<prefix>_<secret>`",
  }),
  scopes: z.array(z.string()),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  expiresAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  current: z.boolean().openapi({
    description: "Whether this is the key making the request",
  }),
}).openapi("ApiKey");

const CreateKeySchema = z.object({
  name: text().trim().min(1).max(LIMITS.apiKeyName).openapi({
    example: "ci",
  }),
  expiresAt: z.iso.datetime({ offset: true }).optional().openapi({
    description: "When it stops working (default: never)",
    example: "2027-01-01T00:00:00Z",
  }),
  scopes: z.array(text().trim().min(1).max(64)).max(LIMITS.apiKeyScopes)
    .optional(),
}).openapi("CreateApiKey");

const CreatedKeySchema = z.object({
  key: ApiKeySchema,
  token: z.string().openapi({
    description:
      "The API key itself. Shown only in this response: store it now.",
  }),
}).openapi("ApiKeyCreated");

const security = [{ bearerAuth: [] }];
const tags = ["account"];

const createKeyRoute = createRoute({
  method: "post",
  path: "/v1/api-keys",
  tags,
  summary: "Create an API key (the token is shown once)",
  security,
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: CreateKeySchema } },
    },
  },
  responses: {
    201: {
      description: "Created",
      content: { "application/json": { schema: CreatedKeySchema } },
    },
    ...badRequestResponse,
    ...authErrorResponses,
  },
});

const listKeysRoute = createRoute({
  method: "get",
  path: "/v1/api-keys",
  tags,
  summary: "Your API keys, newest first (revoked and expired included)",
  security,
  responses: {
    200: {
      description: "Keys",
      content: {
        "application/json": {
          schema: z.object({ items: z.array(ApiKeySchema) }).openapi(
            "ApiKeyList",
          ),
        },
      },
    },
    ...authErrorResponses,
  },
});

const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/v1/api-keys/{id}",
  tags,
  summary: "Revoke an API key (at once)",
  security,
  request: { params: IdParamSchema },
  responses: {
    200: {
      description: "Revoked",
      content: { "application/json": { schema: ApiKeySchema } },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    404: errorResponse("No such key of yours"),
  },
});

function keyJson(key: ApiKey, currentKeyId: string) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: [...key.scopes],
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: iso(key.lastUsedAt),
    expiresAt: iso(key.expiresAt),
    revokedAt: iso(key.revokedAt),
    current: key.id === currentKeyId,
  };
}

/**
 * Registers the API key routes.
 *
 * @example
 * ```ts ignore
 * import { apiKeyRoutes } from "./api_keys.ts";
 * apiKeyRoutes(app, resolveDeps({ db, actors: system }));
 * ```
 */
export function apiKeyRoutes(app: ApiApp, deps: ResolvedDeps): void {
  const { db, clock, onAuthChange } = deps;

  app.openapi(createKeyRoute, async (c) => {
    const body = c.req.valid("json");
    const { user, key: current } = principalOf(c);
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= clock.now()) {
      throw new ApiError(
        400,
        "invalid_request",
        "body.expiresAt: must be in the future",
        {
          issues: [{
            path: "body.expiresAt",
            message: "must be in the future",
          }],
        },
      );
    }
    const { key, token } = await createApiKey(db, {
      userId: user.id,
      name: body.name,
      expiresAt,
      ...(body.scopes ? { scopes: body.scopes } : {}),
    }, auditOf(c, clock));
    return c.json({ key: keyJson(key, current.id), token }, 201, {
      "Cache-Control": "no-store",
    });
  });

  app.openapi(listKeysRoute, async (c) => {
    const { user, key: current } = principalOf(c);
    const keys = await listApiKeys(db, user.id);
    return c.json({ items: keys.map((k) => keyJson(k, current.id)) }, 200);
  });

  app.openapi(revokeKeyRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { user, key: current } = principalOf(c);
    // NotFoundError (-> 404) when the key is not this user's.
    const key = await revokeApiKey(db, user.id, id, auditOf(c, clock));
    onAuthChange(`key:${key.id}`);
    return c.json(keyJson(key, current.id), 200);
  });
}
