/**
 * `POST /v1/telegram/link-code`: a single-use code, valid for a few minutes,
 * that links a Telegram account to the caller when sent to the bot as
 * `/link <code>`.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createTelegramLinkCode } from "../../storage/telegram_users.ts";
import type { ApiApp } from "../context.ts";
import { principalOf } from "../middleware/auth.ts";
import { authErrorResponses } from "../schemas.ts";
import { auditOf, type ResolvedDeps } from "./_shared.ts";

const LinkCodeSchema = z.object({
  code: z.string().openapi({ example: "K7QX2MPA" }),
  expiresAt: z.iso.datetime(),
  instructions: z.string().openapi({
    example: "Send `/link K7QX2MPA` to the Troupe bot before it expires.",
  }),
}).openapi("TelegramLinkCode");

const linkCodeRoute = createRoute({
  method: "post",
  path: "/v1/telegram/link-code",
  tags: ["account"],
  summary: "A single-use code that links your Telegram account",
  security: [{ bearerAuth: [] }],
  responses: {
    201: {
      description: "A fresh code",
      content: { "application/json": { schema: LinkCodeSchema } },
    },
    ...authErrorResponses,
  },
});

/**
 * Registers `POST /v1/telegram/link-code`.
 *
 * @example
 * ```ts ignore
 * import { telegramRoutes } from "./telegram.ts";
 * telegramRoutes(app, resolveDeps({ db, actors: system, linkCodeTtlMs: 600_000 }));
 * ```
 */
export function telegramRoutes(app: ApiApp, deps: ResolvedDeps): void {
  app.openapi(linkCodeRoute, async (c) => {
    const link = await createTelegramLinkCode(
      deps.db,
      principalOf(c).user.id,
      auditOf(c, deps.clock),
      deps.linkCodeTtlMs,
    );
    return c.json(
      {
        code: link.code,
        expiresAt: link.expiresAt.toISOString(),
        instructions:
          `Send \`/link ${link.code}\` to the Troupe bot before it expires.`,
      },
      201,
      { "Cache-Control": "no-store" },
    );
  });
}
