/**
 * Operations for admins: dead letters (list, retry, drop) and the cluster
 * view (nodes, activations and mailbox depth by actor kind). Register after
 * the admin routes, whose `requireRole("admin")` covers `/v1/admin/*`.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { ActorTracking } from "../../actors/metrics.ts";
import { writeAudit } from "../../storage/audit.ts";
import {
  countDeadLetters,
  deleteDeadLetter,
  getDeadLetter,
  listDeadLetters,
  type StoredDeadLetter,
} from "../../storage/dead_letters.ts";
import type { Db } from "../../storage/schema.ts";
import type { RouteModule } from "../app.ts";
import { ApiError } from "../errors.ts";
import { requireRole } from "../middleware/auth.ts";
import { authErrorResponses, badRequestResponse } from "../schemas.ts";
import { type Clock, realClock } from "../../runtime/clock.ts";
import { auditOf, errorResponse } from "./_shared.ts";

/** One node's figures, from the runtime's own events. */
export const ClusterNodeSchema = z.object({
  nodeId: z.string(),
  self: z.boolean().openapi({ description: "The node that answered" }),
  activations: z.number().int(),
  kinds: z.array(z.object({
    kind: z.string(),
    activations: z.number().int(),
    mailboxDepth: z.number().int(),
  })),
}).openapi("ClusterNode");

/** What the cluster view shows. */
export type ClusterNode = z.infer<typeof ClusterNodeSchema>;

/** Options of {@linkcode adminOpsRoutes}. */
export interface AdminOpsOptions {
  readonly db: Db;
  /** Sends a dead letter's message to its actor again (`system.ref(kind, id).tell`). */
  readonly redeliver: (
    kind: string,
    id: string,
    message: unknown,
  ) => Promise<void>;
  /** The nodes and their figures (this node's from its metrics; more when a cluster shares them). */
  readonly cluster: () =>
    | Promise<readonly ClusterNode[]>
    | readonly ClusterNode[];
  readonly clock?: Clock;
}

const DeadLetterSchema = z.object({
  id: z.number().int(),
  kind: z.string(),
  actorId: z.string(),
  seq: z.number().int(),
  type: z.string().nullable().openapi({ description: "The message's type" }),
  message: z.unknown(),
  error: z.string(),
  attempts: z.number().int(),
  createdAt: z.iso.datetime(),
}).openapi("DeadLetter");

const ListQuerySchema = z.object({
  kind: z.string().min(1).max(100).optional().openapi({
    param: { name: "kind", in: "query" },
  }),
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({
    param: { name: "limit", in: "query" },
  }),
  cursor: z.string().regex(/^\d{1,15}$/, "not a cursor this API handed out")
    .optional().openapi({ param: { name: "cursor", in: "query" } }),
});

const LetterParamSchema = z.object({
  id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({
    param: { name: "id", in: "path" },
    example: 7,
  }),
});

const security = [{ bearerAuth: [] }];
const tags = ["admin"];
const forbidden = { 403: errorResponse("Not an admin") };
const missing = { 404: errorResponse("No such dead letter") };

const listRoute = createRoute({
  method: "get",
  path: "/v1/admin/dead-letters",
  tags,
  summary: "Dead letters, oldest first",
  security,
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: "A page of dead letters and the total",
      content: {
        "application/json": {
          schema: z.object({
            items: z.array(DeadLetterSchema),
            total: z.number().int(),
            nextCursor: z.string().nullable(),
          }).openapi("DeadLetterPage"),
        },
      },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...forbidden,
  },
});

const retryRoute = createRoute({
  method: "post",
  path: "/v1/admin/dead-letters/{id}/retry",
  tags,
  summary: "Send a dead letter's message to its actor again, then drop it",
  security,
  request: { params: LetterParamSchema },
  responses: {
    200: {
      description: "Re-sent",
      content: {
        "application/json": {
          schema: z.object({ id: z.number().int(), retried: z.literal(true) }),
        },
      },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...forbidden,
    ...missing,
    409: errorResponse("Its actor kind is not known on this node"),
  },
});

const dropRoute = createRoute({
  method: "delete",
  path: "/v1/admin/dead-letters/{id}",
  tags,
  summary: "Drop a dead letter",
  security,
  request: { params: LetterParamSchema },
  responses: {
    200: {
      description: "Dropped",
      content: {
        "application/json": {
          schema: z.object({ id: z.number().int(), dropped: z.literal(true) }),
        },
      },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    ...forbidden,
    ...missing,
  },
});

const clusterRoute = createRoute({
  method: "get",
  path: "/v1/admin/cluster",
  tags,
  summary: "Nodes, activations and mailbox depth by actor kind",
  security,
  responses: {
    200: {
      description: "The nodes",
      content: {
        "application/json": {
          schema: z.object({ nodes: z.array(ClusterNodeSchema) }).openapi(
            "Cluster",
          ),
        },
      },
    },
    ...authErrorResponses,
    ...forbidden,
  },
});

function letterJson(letter: StoredDeadLetter) {
  const type = (letter.message as { type?: unknown } | null)?.type;
  return {
    id: letter.id,
    kind: letter.kind,
    actorId: letter.actorId,
    seq: letter.seq,
    type: typeof type === "string" ? type : null,
    message: letter.message,
    error: letter.error,
    attempts: letter.attempts,
    createdAt: letter.createdAt.toISOString(),
  };
}

const noLetter = (id: number) =>
  new ApiError(404, "dead_letter_not_found", `dead letter ${id} not found`);

/**
 * The admin operations routes as one route module for `createApp`.
 *
 * @example
 * ```ts ignore
 * import { adminOpsRoutes } from "./admin_ops.ts";
 * createApp({
 *   authenticate,
 *   routes: [...domainRoutes(deps), adminOpsRoutes({ db, redeliver, cluster })],
 * });
 * ```
 */
export function adminOpsRoutes(options: AdminOpsOptions): RouteModule {
  const clock = options.clock ?? realClock;
  const { db } = options;
  return (app) => {
    app.use("/v1/admin/dead-letters", requireRole("admin"));
    app.use("/v1/admin/dead-letters/*", requireRole("admin"));
    app.use("/v1/admin/cluster", requireRole("admin"));

    app.openapi(listRoute, async (c) => {
      const q = c.req.valid("query");
      const rows = await listDeadLetters(db, {
        kind: q.kind,
        limit: q.limit + 1,
        ...(q.cursor ? { afterId: Number(q.cursor) } : {}),
      });
      const items = rows.slice(0, q.limit);
      return c.json({
        items: items.map(letterJson),
        total: await countDeadLetters(db, q.kind),
        nextCursor: rows.length > q.limit ? String(items.at(-1)!.id) : null,
      }, 200);
    });

    app.openapi(retryRoute, async (c) => {
      const { id } = c.req.valid("param");
      const letter = await getDeadLetter(db, id);
      if (!letter) throw noLetter(id);
      try {
        await options.redeliver(letter.kind, letter.actorId, letter.message);
      } catch (error) {
        if (error instanceof Error && error.name === "UnknownKindError") {
          throw new ApiError(
            409,
            "unknown_actor_kind",
            `dead letter ${id} is for actor kind "${letter.kind}", which this node does not run`,
          );
        }
        throw error;
      }
      await deleteDeadLetter(db, id);
      await writeAudit(
        db,
        auditOf(c, clock),
        "dead_letter.retry",
        `${letter.kind}/${letter.actorId}`,
        { id, seq: letter.seq },
      );
      return c.json({ id, retried: true as const }, 200);
    });

    app.openapi(dropRoute, async (c) => {
      const { id } = c.req.valid("param");
      const letter = await getDeadLetter(db, id);
      if (!letter || !await deleteDeadLetter(db, id)) throw noLetter(id);
      await writeAudit(
        db,
        auditOf(c, clock),
        "dead_letter.drop",
        `${letter.kind}/${letter.actorId}`,
        { id, seq: letter.seq },
      );
      return c.json({ id, dropped: true as const }, 200);
    });

    app.openapi(clusterRoute, async (c) => {
      return c.json({ nodes: [...await options.cluster()] }, 200);
    });
  };
}

/**
 * This node in the cluster view, from the figures the runtime reports to the
 * metrics actor (activations and mailbox depth per kind).
 *
 * @example
 * ```ts ignore
 * import { localClusterNode } from "./admin_ops.ts";
 * adminOpsRoutes({ db, redeliver, cluster: () => [localClusterNode(system.nodeId, system, metrics.tracking)] });
 * ```
 */
export function localClusterNode(
  nodeId: string,
  system: { readonly activations: number },
  tracking: ActorTracking,
): ClusterNode {
  const kinds = new Set([...tracking.active.keys(), ...tracking.depths.keys()]);
  return {
    nodeId,
    self: true,
    activations: system.activations,
    kinds: [...kinds].sort().map((kind) => ({
      kind,
      activations: tracking.active.get(kind)?.size ?? 0,
      mailboxDepth: tracking.depths.get(kind)?.total ?? 0,
    })),
  };
}
