/**
 * Operations for admins: dead letters (list, retry, drop) and the cluster
 * view (nodes, activations and mailbox depth by actor kind). Register after
 * the admin routes, whose `requireRole("admin")` covers `/v1/admin/*`.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { ClusterView } from "../../actors/metrics.ts";
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

const KindFiguresSchema = z.object({
  kind: z.string().openapi({ example: "build" }),
  activations: z.number().int().min(0).openapi({ example: 3 }),
  mailboxDepth: z.number().int().min(0).openapi({ example: 1 }),
  deadLetters: z.number().int().min(0).openapi({
    description: "Messages dead-lettered since the node started",
    example: 0,
  }),
}).openapi("ClusterKindFigures");

/** One node's figures, from the runtime's own events, as it last published them. */
export const ClusterNodeSchema = z.object({
  nodeId: z.string().openapi({ example: "node-a1" }),
  self: z.boolean().openapi({ description: "The node that answered" }),
  state: z.enum(["up", "down"]).openapi({
    description:
      "up while the node publishes its figures; down once it missed three periods (it is dropped after ten minutes)",
  }),
  startedAt: z.iso.datetime().openapi({ example: "2026-12-05T08:00:00.000Z" }),
  lastSeen: z.iso.datetime().openapi({ example: "2026-12-05T09:12:30.000Z" }),
  activations: z.number().int().min(0).openapi({ example: 5 }),
  buildsInProgress: z.number().int().min(0).openapi({
    description: "Agent-graph runs under way on the node",
    example: 1,
  }),
  kinds: z.array(KindFiguresSchema),
}).openapi("ClusterNode");

/** The cluster view: every node in the shared table and the totals over the nodes that are up. */
export const ClusterSchema = z.object({
  nodes: z.array(ClusterNodeSchema),
  totals: z.object({
    nodesUp: z.number().int().min(0).openapi({ example: 2 }),
    nodesDown: z.number().int().min(0).openapi({ example: 0 }),
    activations: z.number().int().min(0).openapi({ example: 9 }),
    buildsInProgress: z.number().int().min(0).openapi({ example: 2 }),
    kinds: z.array(KindFiguresSchema),
  }),
}).openapi("Cluster", {
  example: {
    nodes: [{
      nodeId: "node-a1",
      self: true,
      state: "up",
      startedAt: "2026-12-05T08:00:00.000Z",
      lastSeen: "2026-12-05T09:12:30.000Z",
      activations: 2,
      buildsInProgress: 1,
      kinds: [
        { kind: "build", activations: 1, mailboxDepth: 0, deadLetters: 0 },
        { kind: "workflow", activations: 1, mailboxDepth: 0, deadLetters: 0 },
      ],
    }, {
      nodeId: "node-b2",
      self: false,
      state: "down",
      startedAt: "2026-12-05T07:58:00.000Z",
      lastSeen: "2026-12-05T09:01:10.000Z",
      activations: 1,
      buildsInProgress: 0,
      kinds: [
        { kind: "session", activations: 1, mailboxDepth: 0, deadLetters: 1 },
      ],
    }],
    totals: {
      nodesUp: 1,
      nodesDown: 1,
      activations: 2,
      buildsInProgress: 1,
      kinds: [
        { kind: "build", activations: 1, mailboxDepth: 0, deadLetters: 0 },
        { kind: "workflow", activations: 1, mailboxDepth: 0, deadLetters: 0 },
      ],
    },
  },
});

/** What the cluster view shows (the metrics actor's {@linkcode ClusterView}). */
export type ClusterResponse = z.infer<typeof ClusterSchema>;

/** Options of {@linkcode adminOpsRoutes}. */
export interface AdminOpsOptions {
  /** The database (dead letters, audit). */
  readonly db: Db;
  /** Sends a dead letter's message to its actor again (`system.ref(kind, id).tell`). */
  readonly redeliver: (
    kind: string,
    id: string,
    message: unknown,
  ) => Promise<void>;
  /** The cluster view: the metrics actor's answer to `{ type: "cluster" }`. */
  readonly cluster: () => Promise<ClusterView>;
  /** Time for the audit entries (default: the wall clock). */
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
          schema: ClusterSchema,
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
 *   routes: [...domainRoutes(deps), adminOpsRoutes({ db, redeliver, cluster: () => metricsRef.ask({ type: "cluster" }) })],
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
      const view = await options.cluster();
      return c.json({ nodes: [...view.nodes], totals: view.totals }, 200);
    });
  };
}
