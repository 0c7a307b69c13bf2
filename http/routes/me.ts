/**
 * `GET /v1/me`: who the API key belongs to.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { ApiApp } from "../context.ts";
import { principalOf } from "../middleware/auth.ts";
import { authErrorResponses } from "../schemas.ts";

/** The caller as `GET /v1/me` shows it. */
export const MeSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  role: z.enum(["user", "admin"]),
  key: z.object({
    id: z.string(),
    prefix: z.string().openapi({
      description:
        "The key's visible part: its token is `trp_<prefix>_<secret>`",
      example: "3f9a0c1d",
    }),
    expiresAt: z.iso.datetime().nullable(),
  }),
}).openapi("Me");

const me = createRoute({
  method: "get",
  path: "/v1/me",
  tags: ["account"],
  summary: "The user and API key making this request",
  security: [{ bearerAuth: [] }],
  responses: {
    200: {
      description: "The caller",
      content: { "application/json": { schema: MeSchema } },
    },
    ...authErrorResponses,
  },
});

/**
 * Registers `GET /v1/me`.
 *
 * @example
 * ```ts
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { meRoutes } from "./me.ts";
 * import type { AppEnv } from "../context.ts";
 * const app = new OpenAPIHono<AppEnv>();
 * meRoutes(app); // createApp registers it for you
 * ```
 */
export function meRoutes(app: ApiApp): void {
  app.openapi(me, (c) => {
    const { user, key } = principalOf(c);
    return c.json({
      id: user.id,
      name: user.name,
      email: user.email ?? null,
      role: user.role,
      key: {
        id: key.id,
        prefix: key.prefix,
        expiresAt: key.expiresAt ? key.expiresAt.toISOString() : null,
      },
    }, 200);
  });
}
