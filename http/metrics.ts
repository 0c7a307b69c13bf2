/**
 * `GET /metrics` in the Prometheus text format, and the middleware that
 * counts and times every request into the metrics actor's registry.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "./_npm_types.ts";
import { recordHttpRequest, scrape } from "../actors/metrics.ts";
import type { Metrics } from "./_room_types.ts";
import type { ApiApp, AppEnv } from "./context.ts";
import { routeLabel } from "./_route.ts";

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["operations"],
  summary: "Prometheus metrics of this node",
  responses: {
    200: {
      description: "Prometheus text exposition format",
      content: { "text/plain": { schema: z.string() } },
    },
  },
});

/**
 * Registers `GET /metrics`, rendering `metrics.registry`.
 *
 * @example
 * ```ts
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { createMetrics } from "../actors/metrics.ts";
 * import { metricsRoutes } from "./metrics.ts";
 * import type { AppEnv } from "./context.ts";
 * const app = new OpenAPIHono<AppEnv>();
 * metricsRoutes(app, createMetrics());
 * ```
 */
export function metricsRoutes(app: ApiApp, metrics: Metrics): void {
  app.openapi(metricsRoute, async (c) => {
    const { contentType, text } = await scrape(metrics);
    c.header("Cache-Control", "no-store");
    return c.text(text, 200, { "Content-Type": contentType });
  });
}

const METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
]);

/**
 * Counts and times every request by method, route pattern and status.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { createMetrics } from "../actors/metrics.ts";
 * import { httpMetrics } from "./metrics.ts";
 * import type { AppEnv } from "./context.ts";
 * const app = new Hono<AppEnv>().use(httpMetrics(createMetrics()));
 * ```
 */
export function httpMetrics(metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async function httpMetricsMiddleware(c, next) {
    const start = performance.now();
    await next();
    recordHttpRequest(metrics, {
      // Any string is a valid method on the wire; keep the label set closed.
      method: METHODS.has(c.req.method) ? c.req.method : "OTHER",
      route: routeLabel(c),
      status: c.res.status,
      durationSeconds: (performance.now() - start) / 1000,
    });
  };
}
