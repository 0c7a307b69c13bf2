/**
 * The build actor: owner of one build's status machine and event log, keyed
 * by build id. `start` launches the workflow actor as its supervised child;
 * the workflow reports steps and progress; `cancel` ends the build (the
 * workflow notices at its next check and stops). Every accepted change is
 * one transaction: the builds row and the events that describe it.
 *
 * The builds row itself is created before `start` (by the session actor).
 *
 * @module
 */
import { defineActor } from "../runtime/actor.ts";
import type { ActorContext } from "../runtime/actor.ts";
import {
  appendBuildEvents,
  type BuildEvent,
  listBuildEvents,
  type NewBuildEvent,
} from "../storage/build_events.ts";
import { type AuditContext, writeAudit } from "../storage/audit.ts";
import { type BuildPatch, loadBuild, updateBuild } from "../storage/builds.ts";
import type { BuildStatus, Db } from "../storage/schema.ts";
import { canTransition, isTerminalStatus, pathTo } from "./build_status.ts";
import type { MetricsObservation } from "./metrics.ts";
import type { NodeName } from "./workflow/types.ts";
import {
  BUILD_KIND,
  type BuildMessage,
  buildMessageSchema,
  WORKFLOW_KIND,
  type WorkflowMessage,
} from "./build_messages.ts";

export {
  BUILD_KIND,
  type BuildMessage,
  type BuildResultSummary,
} from "./build_messages.ts";

/** Thrown inside a transaction to roll back a replayed message's writes. */
class Replayed extends Error {}

/** The reply to `cancel`. */
export interface CancelReply {
  readonly ok: boolean;
  readonly status: BuildStatus;
}

/** What the build actor remembers. */
export interface BuildActorState {
  /** null until the row was first read. */
  readonly status: BuildStatus | null;
  /** `last_event_seq` of the row after this actor's last committed turn. */
  readonly lastEventSeq: number;
  /** When the current status began (for step durations). */
  readonly since: number;
  /** When the build was created (for the build's duration). */
  readonly createdAt: number;
  /** True during the turn that first read the row. */
  readonly loadedNow?: boolean;
}

/** Dependencies of {@linkcode buildBehavior}. */
export interface BuildActorDeps {
  readonly db: Db;
  /** Told about every appended event, in order (chats, SSE). Must not throw. */
  readonly notify?: (events: readonly BuildEvent[]) => void | Promise<void>;
  /** Receives step durations, sandbox runs and finished builds. */
  readonly metrics?: (observation: MetricsObservation) => void;
}

const NODE_STATUS: Partial<Record<NodeName, BuildStatus>> = {
  analyze: "analyzing",
  plan: "planning",
  generate: "generating",
  test: "testing",
  finalize: "finalizing",
};

/**
 * The build actor's behaviour.
 *
 * @example
 * ```ts ignore
 * const system = new ActorSystem({ behaviors: [buildBehavior({ db }), workflowBehavior(...)] });
 * await system.ref("build", buildId).tell({ type: "start" });
 * ```
 */
export function buildBehavior(deps: BuildActorDeps) {
  const { db } = deps;

  /**
   * Applies a status change and/or events in one transaction. A message
   * redelivered after a crash between that commit and the actor's own state
   * commit is recognised (its events carry the message's seq) and not applied
   * twice.
   */
  const apply = async (
    ctx: ActorContext<BuildMessage>,
    state: BuildActorState,
    patch: BuildPatch | null,
    events: readonly NewBuildEvent[],
    audit?: { context: AuditContext; action: string; details?: unknown },
  ): Promise<BuildActorState> => {
    const stamped = events.map((e) => ({
      type: e.type,
      data: { ...(e.data as object), msg: ctx.seq },
    }));
    const buildId = ctx.self.id;
    // The row was read in this very turn, so a previous attempt of this
    // message (crashed before the actor's state commit) is the last event.
    const replayed = state.loadedNow &&
      await hasEventsOf(buildId, state.lastEventSeq - 1, ctx.seq);
    const appended = replayed ? null : await db.transaction().execute(
      async (trx) => {
        if (patch) await updateBuild(trx, buildId, patch);
        if (audit) {
          await writeAudit(
            trx,
            audit.context,
            audit.action,
            buildId,
            audit.details,
          );
        }
        const rows = await appendBuildEvents(trx, buildId, stamped);
        const first = rows[0]?.seq ?? state.lastEventSeq + 1;
        // Events we did not expect in between: if they are this message's
        // own (an attempt that crashed before the state commit), undo.
        if (
          first !== state.lastEventSeq + 1 &&
          await hasEventsOf(buildId, state.lastEventSeq, ctx.seq, trx)
        ) throw new Replayed();
        return rows;
      },
    ).catch((error) => {
      if (error instanceof Replayed) return null;
      throw error;
    });
    if (appended === null) {
      const row = await loadBuild(db, buildId);
      return {
        ...state,
        loadedNow: false,
        status: row?.status ?? state.status,
        lastEventSeq: row?.lastEventSeq ?? state.lastEventSeq,
      };
    }
    if (deps.notify && appended.length > 0) {
      try {
        await deps.notify(appended);
      } catch {
        // Subscribers are best effort; the events are in the log for replay.
      }
    }
    return {
      ...state,
      loadedNow: false,
      status: patch?.status ?? state.status,
      since: patch?.status ? ctx.now() : state.since,
      lastEventSeq: appended.at(-1)?.seq ?? state.lastEventSeq,
    };
  };

  /** Whether events with `seq > afterSeq` include one written for message `msgSeq`. */
  const hasEventsOf = async (
    buildId: string,
    afterSeq: number,
    msgSeq: number,
    executor: Db = db,
  ) => {
    const events = await listBuildEvents(
      executor,
      buildId,
      Math.max(0, afterSeq),
      {
        limit: 100,
      },
    );
    return events.some((e) => (e.data as { msg?: number })?.msg === msgSeq);
  };

  /** Moves the status machine; an illegal move changes nothing and is answered with an error. */
  const move = async (
    ctx: ActorContext<BuildMessage>,
    state: BuildActorState,
    to: BuildStatus,
    data: Record<string, unknown> = {},
    patch: Omit<BuildPatch, "status"> = {},
    options: {
      catchUp?: boolean;
      audit?: { context: AuditContext; action: string; details?: unknown };
    } = {},
  ): Promise<BuildActorState> => {
    const from = state.status!;
    if (from === to) return state;
    // Catching up walks forward through the statuses in between, each logged.
    const path = canTransition(from, to)
      ? [to]
      : options.catchUp
      ? pathTo(from, to)
      : undefined;
    if (path === undefined) {
      ctx.reply({
        ok: false,
        status: from,
        error: `cannot go from ${from} to ${to}`,
      });
      return state;
    }
    const now = ctx.now();
    if (!isTerminalStatus(from) && from !== "queued") {
      deps.metrics?.({
        type: "workflow_step",
        step: from,
        durationSeconds: (now - state.since) / 1000,
      });
    }
    if (isTerminalStatus(to)) {
      deps.metrics?.({
        type: "build_finished",
        status: to,
        durationSeconds: (now - state.createdAt) / 1000,
      });
    }
    const events = path.map((status, i) => ({
      type: "status",
      data: status === to
        ? { from: i === 0 ? from : path[i - 1], to, ...data }
        : { from: i === 0 ? from : path[i - 1], to: status, caughtUp: true },
    }));
    return await apply(
      ctx,
      state,
      { ...patch, status: to },
      events,
      options.audit,
    );
  };

  return defineActor<BuildActorState, BuildMessage>({
    kind: BUILD_KIND,
    durable: true,
    idleTimeoutMs: 30_000,
    initialState: () => ({
      status: null,
      lastEventSeq: 0,
      since: 0,
      createdAt: 0,
    }),
    parse: (input) => buildMessageSchema.parse(input),
    async childFailed(ctx, state, failure) {
      if (state.status === null || isTerminalStatus(state.status)) return state;
      if (failure.outcome === "restarted") return state;
      return await move(ctx, state, "failed", { node: "workflow" }, {
        error: `the workflow crashed: ${failure.error}`,
      });
    },
    async receive(ctx, state, message) {
      if (state.loadedNow) state = { ...state, loadedNow: false };
      if (state.status === null) {
        const row = await loadBuild(db, ctx.self.id);
        if (row === undefined) {
          ctx.reply({
            ok: false,
            error: `build ${ctx.self.id} does not exist`,
          });
          return state;
        }
        state = {
          status: row.status,
          lastEventSeq: row.lastEventSeq,
          since: ctx.now(),
          createdAt: row.createdAt.getTime(),
          loadedNow: true,
        };
      }
      const status = state.status!;
      switch (message.type) {
        case "get":
          ctx.reply({ status });
          return state;
        case "start": {
          if (status !== "queued") {
            ctx.reply({ ok: isTerminalStatus(status) ? false : true, status });
            return state;
          }
          // The row stays queued until the graph's first node reports.
          await ctx.spawn<WorkflowMessage>(WORKFLOW_KIND, ctx.self.id).tell({
            type: "run",
            buildId: ctx.self.id,
          });
          ctx.reply({ ok: true, status });
          return state;
        }
        case "cancel": {
          if (isTerminalStatus(status)) {
            ctx.reply({ ok: false, status } satisfies CancelReply);
            return state;
          }
          const next = await move(
            ctx,
            state,
            "cancelled",
            {
              ...(message.reason ? { reason: message.reason } : {}),
            },
            { error: message.reason ?? "cancelled" },
            {
              audit: {
                context: {
                  actorUserId: message.by?.userId ?? null,
                  ip: message.by?.ip ?? null,
                },
                action: "build.cancel",
                details: { from: status },
              },
            },
          );
          ctx.reply({ ok: true, status: "cancelled" } satisfies CancelReply);
          return next;
        }
        case "step": {
          if (isTerminalStatus(status)) return state;
          const to = NODE_STATUS[message.node];
          if (to === undefined) return state;
          return await move(ctx, state, to, { attempt: message.attempt }, {
            ...(message.node === "generate"
              ? { attempts: message.attempt }
              : {}),
          });
        }
        case "progress": {
          // Warnings are still logged after the end (Chroma bookkeeping runs last).
          if (isTerminalStatus(status) && message.event.type !== "warning") {
            return state;
          }
          const { type, ...data } = message.event;
          if (message.event.type === "tests") {
            deps.metrics?.({
              type: "sandbox_run",
              status: message.event.status,
            });
          }
          return await apply(ctx, state, null, [{ type, data }]);
        }
        case "completed": {
          if (isTerminalStatus(status)) return state;
          // A resumed run may finish without repeating its last step reports:
          // walk through the statuses in between (finalizing at least).
          return await move(
            ctx,
            state,
            "succeeded",
            {
              summary: message.summary,
            },
            { error: null },
            { catchUp: true },
          );
        }
        case "failed": {
          if (isTerminalStatus(status)) return state;
          return await move(ctx, state, "failed", {
            node: message.node,
            error: message.error,
            ...(message.summary ? { summary: message.summary } : {}),
          }, { error: message.error.slice(0, 10_000) });
        }
      }
    },
  });
}
