/** The route label of a request: the matched pattern, never the raw path. */
import type { Context } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "./context.ts";

/** `/v1/builds/:id` for a matched request, `unmatched` for a 404 from no route. */
export function routeLabel(c: Context<AppEnv>): string {
  if (c.get("unmatched")) return "unmatched";
  try {
    return routePath(c, -1) || "unmatched";
  } catch {
    return "unmatched";
  }
}
