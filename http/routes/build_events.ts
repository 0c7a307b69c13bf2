/**
 * A build's events, live: `GET /v1/builds/{id}/events` as Server-Sent Events
 * and `GET /v1/builds/{id}/ws` over WebSocket. Both replay the backlog after
 * `Last-Event-ID` (header, or `?lastEventId=`), then follow new events until
 * the build reaches a final status, then end with an `end` event.
 *
 * Safe on any number of nodes: the database log is the source of truth and
 * each stream polls it (every `ssePollMs`); the in-process hub fed by the
 * build actor only wakes a stream early.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { upgradeWebSocket } from "hono/deno";
import type { WSContext } from "hono/ws";
import { listBuildEvents } from "../../storage/build_events.ts";
import { getBuildProgress, isTerminalStatus } from "../../storage/builds.ts";
import type { BuildEvent, BuildStatus } from "../_room_types.ts";
import type { ApiApp } from "../context.ts";
import { ApiError } from "../errors.ts";
import { principalOf } from "../middleware/auth.ts";
import { authErrorResponses, badRequestResponse } from "../schemas.ts";
import { errorResponse, notFound, type ResolvedDeps } from "./_shared.ts";

/** What a follower hands to its sink. */
export type StreamItem =
  | { readonly kind: "event"; readonly event: BuildEvent }
  | { readonly kind: "end"; readonly status: BuildStatus | null }
  | { readonly kind: "heartbeat" };

/** Options of {@linkcode followBuild}. */
export interface FollowOptions {
  /** The user following, who must own the build. */
  readonly userId: string;
  /** The build to follow. */
  readonly buildId: string;
  /** Replay events with a greater sequence number (0: all). */
  readonly afterSeq: number;
  /** Stops following (client gone). */
  readonly signal: AbortSignal;
  /** Receives events in order, heartbeats, and finally `end`; awaited. */
  readonly sink: (item: StreamItem) => void | Promise<void>;
  /** Heartbeats after this much silence; 0: none. */
  readonly heartbeatMs: number;
}

const PAGE = 500;

/**
 * Follows one of a user's builds: replays events after `afterSeq`, then
 * polls (or is woken) for new ones until the build is final, then sends
 * `end`. Resolves when done or aborted; leaves no timer or subscription.
 *
 * The build row is read before its events: a final status read at time T
 * means every event up to the row's `lastEventSeq` was already committed
 * (the build actor writes status and events in one transaction), so the
 * stream ends only after sending all of them.
 */
export async function followBuild(
  deps: Pick<ResolvedDeps, "db" | "clock" | "events" | "ssePollMs">,
  options: FollowOptions,
): Promise<void> {
  const { db, clock } = deps;
  const { userId, buildId, signal, sink, heartbeatMs } = options;
  let after = options.afterSeq;
  let rung = false;
  let wake: (() => void) | undefined;
  const unsubscribe = deps.events?.subscribe(buildId, () => {
    rung = true;
    wake?.();
  });
  let lastWrite = clock.now();
  const send = async (item: StreamItem) => {
    lastWrite = clock.now();
    await sink(item);
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (rung || signal.aborted) return resolve();
      const done = () => {
        clock.clearTimeout(timer);
        signal.removeEventListener("abort", done);
        wake = undefined;
        resolve();
      };
      const timer = clock.setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      wake = done;
    });
  try {
    while (!signal.aborted) {
      rung = false;
      const build = await getBuildProgress(db, userId, buildId);
      if (signal.aborted) return;
      if (!build) return await send({ kind: "end", status: null });
      if (build.lastEventSeq > after) {
        const events = await listBuildEvents(db, buildId, after, {
          limit: PAGE,
        });
        for (const event of events) {
          if (signal.aborted) return;
          await send({ kind: "event", event });
          after = event.seq;
        }
        if (events.length > 0) continue;
      }
      if (isTerminalStatus(build.status)) {
        return await send({ kind: "end", status: build.status });
      }
      const idle = clock.now() - lastWrite;
      if (heartbeatMs > 0 && idle >= heartbeatMs) {
        await send({ kind: "heartbeat" });
        continue;
      }
      await sleep(
        heartbeatMs > 0
          ? Math.min(deps.ssePollMs, heartbeatMs - idle)
          : deps.ssePollMs,
      );
    }
  } finally {
    unsubscribe?.();
  }
}

/** The JSON of one event, as SSE `data` and WebSocket messages carry it. */
export function eventJson(event: BuildEvent) {
  return {
    seq: event.seq,
    type: event.type,
    data: event.data,
    createdAt: event.createdAt.toISOString(),
  };
}

const encoder = new TextEncoder();

/** One SSE frame. */
function sseFrame(item: StreamItem): string {
  switch (item.kind) {
    case "event": {
      // `event:` must be a single line; types are identifiers, but be safe.
      const name = item.event.type.replace(/[\r\n]/g, " ");
      return `id: ${item.event.seq}\nevent: ${name}\ndata: ${
        JSON.stringify(eventJson(item.event))
      }\n\n`;
    }
    case "end":
      return `event: end\ndata: ${JSON.stringify({ status: item.status })}\n\n`;
    case "heartbeat":
      return ": heartbeat\n\n";
  }
}

/** The `retry:` field of an event stream: reconnect after this many ms. */
export const SSE_RETRY_MS = 3000;

const seqString = z.string().regex(
  /^\d{1,15}$/,
  "expected an event id (a non-negative integer)",
);

const EventsQuerySchema = z.object({
  lastEventId: seqString.optional().openapi({
    param: { name: "lastEventId", in: "query" },
    description:
      "Replay events after this id (for clients that cannot send the Last-Event-ID header)",
  }),
  access_token: z.string().optional().openapi({
    param: { name: "access_token", in: "query" },
    description:
      "The API key, for browsers' EventSource/WebSocket (only when the server allows it)",
  }),
});

const EventsHeadersSchema = z.object({
  "last-event-id": seqString.optional().openapi({
    param: { name: "last-event-id", in: "header" },
    description:
      "Replay events after this id (sent by EventSource on reconnect)",
  }),
});

const params = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

const sseRoute = createRoute({
  method: "get",
  path: "/v1/builds/{id}/events",
  tags: ["builds"],
  summary: "Follow a build's events (Server-Sent Events)",
  description:
    "Each event: `id` = its sequence number, `event` = its type, `data` = " +
    "the event as JSON (`{seq, type, data, createdAt}`). Replays after Last-Event-ID, then live events; when " +
    "the build is final an `end` event (data `{status}`) closes the stream. " +
    "Comment lines keep idle connections open.",
  security: [{ bearerAuth: [] }],
  request: { params, query: EventsQuerySchema, headers: EventsHeadersSchema },
  responses: {
    200: {
      description: "An event stream",
      content: {
        "text/event-stream": {
          schema: z.string().openapi({
            example:
              'id: 3\nevent: status\ndata: {"seq":3,"type":"status","data":{"from":"planning","to":"generating"},"createdAt":"2026-01-01T00:00:00.000Z"}\n\n',
          }),
        },
      },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    404: errorResponse("No such build of yours"),
  },
});

const wsRoute = createRoute({
  method: "get",
  path: "/v1/builds/{id}/ws",
  tags: ["builds"],
  summary: "Follow a build's events (WebSocket)",
  description: "Upgrade to a WebSocket that sends one JSON message per event " +
    "(`{seq, type, data, createdAt}`), replaying after `lastEventId`, and a " +
    'final `{"type":"end","status":...}` before closing with code 1000.',
  security: [{ bearerAuth: [] }],
  request: { params, query: EventsQuerySchema, headers: EventsHeadersSchema },
  responses: {
    101: { description: "Switching to the WebSocket protocol" },
    ...badRequestResponse,
    ...authErrorResponses,
    404: errorResponse("No such build of yours"),
    426: errorResponse("Not a WebSocket upgrade request"),
  },
});

function startSeq(header: string | undefined, query: string | undefined) {
  return Math.max(Number(header ?? 0), Number(query ?? 0));
}

/**
 * Registers the SSE and WebSocket event routes.
 *
 * @example
 * ```ts ignore
 * import { buildEventRoutes } from "./build_events.ts";
 * buildEventRoutes(app, resolveDeps({ db, actors: system, events: hub }));
 * ```
 */
export function buildEventRoutes(app: ApiApp, deps: ResolvedDeps): void {
  app.openapi(sseRoute, async (c) => {
    const { id } = c.req.valid("param");
    const userId = principalOf(c).user.id;
    const afterSeq = startSeq(
      c.req.valid("header")["last-event-id"],
      c.req.valid("query").lastEventId,
    );
    if (!await getBuildProgress(deps.db, userId, id)) {
      throw notFound("build", "build_not_found");
    }
    const abort = new AbortController();
    const requestSignal = c.req.raw.signal;
    const onRequestAbort = () => abort.abort();
    requestSignal.addEventListener("abort", onRequestAbort, { once: true });
    let following: Promise<void> | undefined;
    // Backpressure: a slow reader pauses the follower instead of letting a
    // long backlog pile up in memory.
    let resume: (() => void) | undefined;
    const wakeWriter = () => {
      resume?.();
      resume = undefined;
    };
    abort.signal.addEventListener("abort", wakeWriter, { once: true });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        // How long EventSource waits before reconnecting (with Last-Event-ID).
        controller.enqueue(encoder.encode(`retry: ${SSE_RETRY_MS}\n\n`));
        following = followBuild(deps, {
          userId,
          buildId: id,
          afterSeq,
          signal: abort.signal,
          heartbeatMs: deps.sseHeartbeatMs,
          sink: async (item) => {
            controller.enqueue(encoder.encode(sseFrame(item)));
            if ((controller.desiredSize ?? 1) <= 0 && !abort.signal.aborted) {
              await new Promise<void>((r) => resume = r);
            }
          },
        }).then(
          () => {
            if (!abort.signal.aborted) controller.close();
          },
          (error) => {
            if (abort.signal.aborted) return;
            const api = error instanceof ApiError ? error : undefined;
            controller.enqueue(encoder.encode(
              `event: error\ndata: ${
                JSON.stringify({
                  code: api?.code ?? "stream_failed",
                  message: api?.message ??
                    "the event stream failed; reconnect with Last-Event-ID",
                })
              }\n\n`,
            ));
            controller.close();
          },
        ).finally(() => {
          requestSignal.removeEventListener("abort", onRequestAbort);
        });
      },
      pull: wakeWriter,
      async cancel() {
        abort.abort();
        await following;
      },
    }, new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }));
    return c.body(body, 200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
    });
  });

  app.openapi(wsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const userId = principalOf(c).user.id;
    const afterSeq = startSeq(
      c.req.valid("header")["last-event-id"],
      c.req.valid("query").lastEventId,
    );
    if (!await getBuildProgress(deps.db, userId, id)) {
      throw notFound("build", "build_not_found");
    }
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(
        426,
        "upgrade_required",
        "this endpoint speaks WebSocket; send an Upgrade: websocket request (or use /events for SSE)",
        undefined,
        { Upgrade: "websocket" },
      );
    }
    const abort = new AbortController();
    const follow = (ws: WSContext) =>
      followBuild(deps, {
        userId,
        buildId: id,
        afterSeq,
        signal: abort.signal,
        heartbeatMs: 0,
        sink: (item) => {
          if (item.kind === "event") {
            ws.send(JSON.stringify(eventJson(item.event)));
          } else if (item.kind === "end") {
            ws.send(JSON.stringify({ type: "end", status: item.status }));
          }
        },
      }).then(
        () => {
          if (!abort.signal.aborted) ws.close(1000, "build finished");
        },
        () => {
          if (!abort.signal.aborted) {
            ws.close(1011, "event stream failed; reconnect with lastEventId");
          }
        },
      );
    // The ownership check above is async, so this uses the direct form.
    const response = await upgradeWebSocket(c, {
      onOpen: (_event, ws) => void follow(ws),
      onClose: () => abort.abort(),
      onError: () => abort.abort(),
    });
    return response as unknown as ReturnType<typeof c.body>;
  });
}
