/** A real app wired with an in-memory key table, for the HTTP tests. */
import { createRoute, z } from "@hono/zod-openapi";
import { createMetrics, type Metrics } from "../../actors/metrics.ts";
import { type AppOptions, createApp } from "../../http/app.ts";
import type { ApiApp, Principal } from "../../http/context.ts";
import type { AuthResult } from "../../http/middleware/auth.ts";
import type { LogFields, Logger } from "../../http/middleware/logger.ts";

const ada: Principal = {
  user: { id: "u-ada", name: "Ada", email: "ada@example.com", role: "admin" },
  key: { id: "k-ada", prefix: "trp_ada1" },
};
const bob: Principal = {
  user: { id: "u-bob", name: "Bob", email: null, role: "user" },
  key: {
    id: "k-bob",
    prefix: "trp_bob1",
    expiresAt: new Date("2030-01-01T00:00:00Z"),
  },
};

/** Tokens the test authenticate function knows, and what each means. */
export const TOKENS: Record<string, AuthResult> = {
  "trp_ada1_secret": { ok: true, principal: ada },
  "trp_bob1_secret": { ok: true, principal: bob },
  "trp_old1_revoked": { ok: false, reason: "revoked" },
  "trp_exp1_expired": { ok: false, reason: "expired" },
  "trp_dis1_disabled": { ok: false, reason: "disabled" },
};

/** `Authorization` header for a token. */
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
export const ADMIN = bearer("trp_ada1_secret");
export const USER = bearer("trp_bob1_secret");

/** Collects log lines in memory. */
export class MemoryLogger implements Logger {
  lines: { level: string; message: string; fields: LogFields }[] = [];
  debug(message: string, fields: LogFields = {}) {
    this.lines.push({ level: "debug", message, fields });
  }
  info(message: string, fields: LogFields = {}) {
    this.lines.push({ level: "info", message, fields });
  }
  warn(message: string, fields: LogFields = {}) {
    this.lines.push({ level: "warn", message, fields });
  }
  error(message: string, fields: LogFields = {}) {
    this.lines.push({ level: "error", message, fields });
  }
}

/** A real app with test dependencies; any option can be overridden. */
export function testApp(overrides: Partial<AppOptions> = {}) {
  const logger = new MemoryLogger();
  const metrics: Metrics = createMetrics({ defaultMetrics: false });
  const app = createApp({
    authenticate: (token) =>
      Promise.resolve(TOKENS[token] ?? { ok: false, reason: "invalid" }),
    logger,
    metrics,
    rateLimit: false,
    ...overrides,
  });
  return { app, logger, metrics };
}

/** JSON request init. */
export function json(
  body: unknown,
  headers: Record<string, string> = {},
  method = "POST",
): RequestInit {
  return {
    method,
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "Content-Type": "application/json", ...headers },
  };
}

/**
 * Test-only routes registered through the public `routes` option: one that
 * validates a JSON body and one that throws a chosen error.
 */
export function probeRoutes(errors: Record<string, () => unknown>) {
  return (app: ApiApp) => {
    app.openapi(
      createRoute({
        method: "post",
        path: "/v1/echo",
        request: {
          body: {
            required: true,
            content: {
              "application/json": {
                schema: z.object({
                  name: z.string().min(1),
                  count: z.number().int().min(0),
                }),
              },
            },
          },
        },
        responses: {
          200: {
            description: "echo",
            content: {
              "application/json": {
                schema: z.object({ name: z.string(), count: z.number() }),
              },
            },
          },
        },
      }),
      (c) => c.json(c.req.valid("json"), 200),
    );
    app.openapi(
      createRoute({
        method: "get",
        path: "/v1/throw/{name}",
        request: { params: z.object({ name: z.string() }) },
        responses: { 200: { description: "never" } },
      }),
      (c) => {
        const make = errors[c.req.valid("param").name];
        throw make ? make() : new Error("no such error");
      },
    );
  };
}
