/**
 * Admin routes (403 `insufficient_role` for everyone else): users (list,
 * create, change role / quota / disabled), any user's API keys (list,
 * create, revoke) and the audit log (filter by user, action and time). Every
 * change is audited by the repository in the same transaction.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import {
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from "../../storage/api_keys.ts";
import { type AuditEntry, listAuditLogs } from "../../storage/audit.ts";
import { LIMITS, USER_ROLES } from "../../storage/schema.ts";
import {
  createUser,
  getUser,
  listUsers,
  updateUser,
  type User,
} from "../../storage/users.ts";
import {
  ApiKeySchema,
  CreatedKeySchema,
  createKeyFor,
  CreateKeySchema,
  keyChange,
  keyJson,
} from "./api_keys.ts";
import type { ApiApp } from "../context.ts";
import { ApiError } from "../errors.ts";
import { principalOf, requireRole } from "../middleware/auth.ts";
import {
  authErrorResponses,
  badRequestResponse,
  locationHeader,
} from "../schemas.ts";
import {
  auditOf,
  errorResponse,
  IdParamSchema,
  notFound,
  type ResolvedDeps,
  text,
} from "./_shared.ts";
import { omitUndefined } from "../../runtime/optional.ts";

const RoleSchema = z.enum(USER_ROLES);
const QuotaSchema = z.number().int().min(0).max(100_000).openapi({
  description: "Builds a day",
  example: 20,
});

/** A user as admins see it. */
export const AdminUserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
  dailyBuildQuota: z.number().int(),
  disabled: z.boolean(),
  createdAt: z.iso.datetime(),
}).openapi("AdminUser");

const ListUsersQuerySchema = z.object({
  role: RoleSchema.optional().openapi({ param: { name: "role", in: "query" } }),
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({
    param: { name: "limit", in: "query" },
  }),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0).openapi({
    param: { name: "offset", in: "query" },
  }),
});

const CreateUserSchema = z.object({
  email: z.email().max(LIMITS.email),
  name: text().trim().min(1).max(LIMITS.userName),
  role: RoleSchema.default("user"),
  dailyBuildQuota: QuotaSchema.optional().openapi({
    description: "Builds a day (default: the node's DEFAULT_DAILY_QUOTA)",
  }),
  apiKey: z.object({
    name: text().trim().min(1).max(LIMITS.apiKeyName).default("default"),
  }).optional().openapi({
    description:
      "Also create an API key for the user; its token is returned once",
  }),
}).openapi("CreateUser");

const PatchUserSchema = z.object({
  name: text().trim().min(1).max(LIMITS.userName).optional(),
  role: RoleSchema.optional(),
  dailyBuildQuota: QuotaSchema.optional(),
  disabled: z.boolean().optional(),
}).strict().refine((p) => Object.keys(p).length > 0, {
  message: "change at least one of name, role, dailyBuildQuota, disabled",
}).openapi("PatchUser");

const AuditEntrySchema = z.object({
  id: z.number().int(),
  actorUserId: z.string().nullable(),
  action: z.string().openapi({ example: "build.create" }),
  target: z.string().nullable(),
  details: z.unknown(),
  ip: z.string().nullable(),
  createdAt: z.iso.datetime(),
}).openapi("AuditEntry");

const AuditQuerySchema = z.object({
  userId: z.uuid().optional().openapi({
    param: { name: "userId", in: "query" },
    description: "Only actions by this user",
  }),
  action: text().min(1).max(LIMITS.auditAction).optional().openapi({
    param: { name: "action", in: "query" },
    example: "api_key.revoke",
  }),
  target: text().min(1).max(LIMITS.auditTarget).optional().openapi({
    param: { name: "target", in: "query" },
  }),
  from: z.iso.datetime({ offset: true }).optional().openapi({
    param: { name: "from", in: "query" },
    description: "Only entries at or after this time",
  }),
  to: z.iso.datetime({ offset: true }).optional().openapi({
    param: { name: "to", in: "query" },
    description: "Only entries before this time",
  }),
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({
    param: { name: "limit", in: "query" },
  }),
  cursor: z.string().regex(/^\d{1,15}$/, "not a cursor this API handed out")
    .optional().openapi({ param: { name: "cursor", in: "query" } }),
});

const security = [{ bearerAuth: [] }];
const tags = ["admin"];
const forbidden = { 403: errorResponse("Not an admin") };

const listUsersRoute = createRoute({
  method: "get",
  path: "/v1/admin/users",
  tags,
  summary: "Users, oldest first",
  security,
  request: { query: ListUsersQuerySchema },
  responses: {
    200: {
      description: "Users",
      content: {
        "application/json": {
          schema: z.object({
            items: z.array(AdminUserSchema),
            nextOffset: z.number().int().nullable(),
          }).openapi("AdminUserPage"),
        },
      },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...forbidden,
  },
});

const createUserRoute = createRoute({
  method: "post",
  path: "/v1/admin/users",
  tags,
  summary: "Create a user (and optionally an API key for them)",
  security,
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: CreateUserSchema } },
    },
  },
  responses: {
    201: {
      description: "Created",
      headers: locationHeader,
      content: {
        "application/json": {
          schema: z.object({
            user: AdminUserSchema,
            apiKey: z.object({
              id: z.uuid(),
              prefix: z.string(),
              token: z.string(),
            }).nullable(),
          }).openapi("AdminUserCreated"),
        },
      },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...forbidden,
    409: errorResponse("The email is taken"),
  },
});

const patchUserRoute = createRoute({
  method: "patch",
  path: "/v1/admin/users/{id}",
  tags,
  summary: "Change a user's name, role, quota or disabled flag",
  security,
  request: {
    params: IdParamSchema,
    body: {
      required: true,
      content: { "application/json": { schema: PatchUserSchema } },
    },
  },
  responses: {
    200: {
      description: "The user after the change",
      content: { "application/json": { schema: AdminUserSchema } },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...forbidden,
    404: errorResponse("No such user"),
    409: errorResponse("Admins cannot demote or disable themselves"),
  },
});

const KeyParamSchema = IdParamSchema.extend({
  keyId: z.uuid().openapi({
    param: { name: "keyId", in: "path" },
    example: "5d1c7a2e-3b4f-4e6a-8c9d-0e1f2a3b4c5d",
  }),
});

const listUserKeysRoute = createRoute({
  method: "get",
  path: "/v1/admin/users/{id}/keys",
  tags,
  summary: "A user's API keys, newest first (revoked and expired included)",
  security,
  request: { params: IdParamSchema },
  responses: {
    200: {
      description: "Keys",
      content: {
        "application/json": {
          schema: z.object({ items: z.array(ApiKeySchema) }).openapi(
            "AdminApiKeyList",
          ),
        },
      },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...forbidden,
    404: errorResponse("No such user"),
  },
});

const createUserKeyRoute = createRoute({
  method: "post",
  path: "/v1/admin/users/{id}/keys",
  tags,
  summary: "Create an API key for a user (the token is shown once)",
  security,
  request: {
    params: IdParamSchema,
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
    ...forbidden,
    404: errorResponse("No such user"),
    409: errorResponse(
      "The user already has MAX_API_KEYS_PER_USER active keys (`api_key_limit`)",
    ),
  },
});

const revokeUserKeyRoute = createRoute({
  method: "delete",
  path: "/v1/admin/users/{id}/keys/{keyId}",
  tags,
  summary: "Revoke a user's API key (at once)",
  security,
  request: { params: KeyParamSchema },
  responses: {
    200: {
      description: "Revoked",
      content: { "application/json": { schema: ApiKeySchema } },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...forbidden,
    404: errorResponse("No such key of this user"),
    409: errorResponse(
      "It is the admin's own last active key (`last_api_key`)",
    ),
  },
});

const auditRoute = createRoute({
  method: "get",
  path: "/v1/admin/audit",
  tags,
  summary: "The audit log, newest first",
  security,
  request: { query: AuditQuerySchema },
  responses: {
    200: {
      description: "Entries",
      content: {
        "application/json": {
          schema: z.object({
            items: z.array(AuditEntrySchema),
            nextCursor: z.string().nullable(),
          }).openapi("AuditPage"),
        },
      },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...forbidden,
  },
});

function userJson(user: User) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    dailyBuildQuota: user.dailyBuildQuota,
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
  };
}

function auditJson(entry: AuditEntry) {
  return {
    id: entry.id,
    actorUserId: entry.actorUserId,
    action: entry.action,
    target: entry.target,
    details: entry.details,
    ip: entry.ip,
    createdAt: entry.createdAt.toISOString(),
  };
}

/**
 * Registers the admin routes behind `requireRole("admin")`.
 *
 * @example
 * ```ts ignore
 * import { adminRoutes } from "./admin.ts";
 * adminRoutes(app, resolveDeps({ db, actors: system }));
 * ```
 */
export function adminRoutes(app: ApiApp, deps: ResolvedDeps): void {
  const { db, clock, onAuthChange } = deps;
  const existingUser = async (id: string) => {
    const user = await getUser(db, id);
    if (!user) throw notFound("user", "user_not_found");
    return user;
  };
  app.use("/v1/admin/*", requireRole("admin"));

  app.openapi(listUsersRoute, async (c) => {
    const q = c.req.valid("query");
    const rows = await listUsers(db, {
      limit: q.limit + 1,
      offset: q.offset,
      ...(q.role ? { role: q.role } : {}),
    });
    return c.json({
      items: rows.slice(0, q.limit).map(userJson),
      nextOffset: rows.length > q.limit ? q.offset + q.limit : null,
    }, 200);
  });

  app.openapi(createUserRoute, async (c) => {
    const body = c.req.valid("json");
    const audit = auditOf(c, clock);
    const user = await createUser(db, {
      email: body.email,
      name: body.name,
      role: body.role,
      dailyBuildQuota: body.dailyBuildQuota ?? deps.defaultDailyQuota,
    }, audit);
    const created = body.apiKey
      ? await createApiKey(
        db,
        { userId: user.id, name: body.apiKey.name },
        audit,
      )
      : undefined;
    return c.json(
      {
        user: userJson(user),
        apiKey: created
          ? {
            id: created.key.id,
            prefix: created.key.prefix,
            token: created.token,
          }
          : null,
      },
      201,
      {
        Location: `/v1/admin/users/${user.id}`,
        "Cache-Control": "no-store",
      },
    );
  });

  app.openapi(patchUserRoute, async (c) => {
    const { id } = c.req.valid("param");
    const patch = c.req.valid("json");
    const self = principalOf(c).user.id === id;
    if (self && (patch.disabled === true || patch.role === "user")) {
      // The last admin could otherwise lock everyone out.
      throw new ApiError(
        409,
        "cannot_change_self",
        "admins cannot disable or demote themselves; ask another admin",
      );
    }
    const user = await updateUser(db, id, {
      ...omitUndefined({
        name: patch.name,
        role: patch.role,
        dailyBuildQuota: patch.dailyBuildQuota,
        disabled: patch.disabled,
      }),
    }, auditOf(c, clock));
    onAuthChange(`user:${user.id}`);
    return c.json(userJson(user), 200);
  });

  app.openapi(listUserKeysRoute, async (c) => {
    const { id } = c.req.valid("param");
    const user = await existingUser(id);
    const current = principalOf(c).key.id;
    const keys = await listApiKeys(db, user.id);
    return c.json({ items: keys.map((k) => keyJson(k, current)) }, 200);
  });

  app.openapi(createUserKeyRoute, async (c) => {
    const { id } = c.req.valid("param");
    const user = await existingUser(id);
    const { key, token } = await createKeyFor(
      deps,
      user.id,
      c.req.valid("json"),
      auditOf(c, clock),
    );
    return c.json(
      { key: keyJson(key, principalOf(c).key.id), token },
      201,
      { "Cache-Control": "no-store" },
    );
  });

  app.openapi(revokeUserKeyRoute, async (c) => {
    const { id, keyId } = c.req.valid("param");
    const principal = principalOf(c);
    // NotFoundError (-> 404) when the key is not this user's; an admin's
    // own last key stays, as on DELETE /v1/api-keys/{id}.
    const key = await keyChange(() =>
      revokeApiKey(db, id, keyId, auditOf(c, clock), {
        keepLast: id === principal.user.id,
      })
    );
    onAuthChange(`key:${key.id}`);
    return c.json(keyJson(key, principal.key.id), 200);
  });

  app.openapi(auditRoute, async (c) => {
    const q = c.req.valid("query");
    const from = q.from ? Date.parse(q.from) : undefined;
    const rows = await listAuditLogs(db, {
      limit: q.limit + 1,
      ...(q.userId ? { actorUserId: q.userId } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.target ? { target: q.target } : {}),
      ...(q.to ? { before: new Date(q.to) } : {}),
      ...(q.cursor ? { beforeId: Number(q.cursor) } : {}),
    });
    // Newest first: everything after the first entry older than `from` is older too.
    const inRange = from === undefined
      ? rows
      : rows.filter((r) => r.createdAt.getTime() >= from);
    const page = inRange.slice(0, q.limit);
    const last = page.at(-1);
    return c.json({
      items: page.map(auditJson),
      nextCursor: inRange.length > q.limit && last ? String(last.id) : null,
    }, 200);
  });
}
