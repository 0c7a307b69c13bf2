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
  ApiKeyLimitError,
  createApiKey,
  LastApiKeyError,
  listApiKeys,
  revokeApiKey,
} from "../../storage/api_keys.ts";
import type { AuditContext } from "../../storage/audit.ts";
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

/**
 * Runs a key change, turning the key rules into their 409s:
 * `api_key_limit` (naming the limit) and `last_api_key`.
 */
export async function keyChange<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ApiKeyLimitError) {
      throw new ApiError(
        409,
        "api_key_limit",
        `a user may have at most ${error.limit} active API keys (MAX_API_KEYS_PER_USER); revoke one first`,
        { limit: error.limit },
      );
    }
    if (error instanceof LastApiKeyError) {
      throw new ApiError(
        409,
        "last_api_key",
        "this is your last active API key: create another one first, or you could not use the API any more",
        { keyId: error.keyId },
      );
    }
    throw error;
  }
}

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

/** `POST /v1/api-keys` body (also an admin's for another user). */
export const CreateKeySchema = z.object({
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

/** A created key with its token. */
export const CreatedKeySchema = z.object({
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
    409: errorResponse(
      "You already have MAX_API_KEYS_PER_USER active keys (`api_key_limit`)",
    ),
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
    409: errorResponse("It is your last active key (`last_api_key`)"),
  },
});

/** JSON of a key; `current` when it is the one making the request. */
export function keyJson(key: ApiKey, currentKeyId: string) {
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
 * Creates a key for `userId` from a request body (its own or an admin's):
 * 400 for an expiry in the past, 409 `api_key_limit` beyond
 * `MAX_API_KEYS_PER_USER` active keys. Audited by the repository.
 */
export async function createKeyFor(
  deps: Pick<ResolvedDeps, "db" | "clock" | "maxApiKeysPerUser">,
  userId: string,
  body: z.infer<typeof CreateKeySchema>,
  audit: AuditContext,
): Promise<{ key: ApiKey; token: string }> {
  const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
  if (expiresAt && expiresAt.getTime() <= deps.clock.now()) {
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
  return await keyChange(() =>
    createApiKey(
      deps.db,
      {
        userId,
        name: body.name,
        expiresAt,
        ...(body.scopes ? { scopes: body.scopes } : {}),
      },
      audit,
      { maxActive: deps.maxApiKeysPerUser },
    )
  );
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
    const { key, token } = await createKeyFor(
      deps,
      user.id,
      body,
      auditOf(c, clock),
    );
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
    // 409 when it is the caller's last active key.
    const key = await keyChange(() =>
      revokeApiKey(db, user.id, id, auditOf(c, clock), { keepLast: true })
    );
    onAuthChange(`key:${key.id}`);
    return c.json(keyJson(key, current.id), 200);
  });
}
