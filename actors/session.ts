/**
 * The session actor: one per user, keyed by user id. Everything that must not
 * race between a user's concurrent requests goes through it — the daily build
 * quota and the request rate — because an actor handles one message at a
 * time.
 *
 * Creating a build is idempotent: the caller picks the build id, so a message
 * delivered twice (at-least-once delivery) finds its build already there and
 * answers the same way instead of creating a second one.
 *
 * @module
 */
import { z } from "zod";
import { type ActorContext, defineActor } from "../runtime/actor.ts";
import { countBuildsSince, createBuild, loadBuild } from "../storage/builds.ts";
import { BUILD_SOURCES, type Db, LIMITS } from "../storage/schema.ts";
import { getUser } from "../storage/users.ts";
import { BUILD_KIND, type BuildMessage } from "./build.ts";
import { languageSchema } from "./languages/mod.ts";

/** The session actor kind. */
export const SESSION_KIND = "session";

/** The answer to `create_build`. */
export type CreateBuildReply =
  | { ok: true; buildId: string }
  | { ok: false; code: "quota_exceeded"; limit: number; resetAt: string }
  | { ok: false; code: "user_disabled" | "user_not_found" };

/** The answer to `rate`. */
export type RateReply = { ok: true } | { ok: false; retryAfterSeconds: number };

/** What a session remembers: token buckets and the user's latest builds. */
export interface SessionState {
  readonly buckets: Readonly<Record<string, { tokens: number; at: number }>>;
  readonly recentBuilds: readonly string[];
}

const RECENT_BUILDS = 10;

/**
 * Validates the session actor's messages at the edge.
 *
 * @example
 * ```ts
 * import { sessionMessageSchema } from "./session.ts";
 * const msg = sessionMessageSchema.parse({ type: "rate", bucket: "api", limitPerMinute: 60 });
 * console.assert(msg.type === "rate");
 * ```
 */
export const sessionMessageSchema = z.discriminatedUnion("type", [
  /** Creates a queued build (within the daily quota) and starts it. Replies {@linkcode CreateBuildReply}. */
  z.object({
    type: z.literal("create_build"),
    buildId: z.uuid(),
    project: z.string().trim().min(1).max(LIMITS.project),
    language: languageSchema,
    requirements: z.string().trim().min(1).max(LIMITS.requirements),
    /** The chat model to build with (already checked against Ollama); absent: the configured one. */
    model: z.string().trim().min(1).max(LIMITS.model).nullable().optional(),
    source: z.enum(BUILD_SOURCES),
    telegramChatId: z.number().int().nullable().optional(),
    ip: z.string().max(64).nullable().optional(),
  }),
  /** Takes one token from the user's bucket named `bucket`. Replies {@linkcode RateReply}. */
  z.object({
    type: z.literal("rate"),
    bucket: z.string().min(1).max(64),
    limitPerMinute: z.number().int().positive(),
  }),
]);

/**
 * Messages of the session actor: `create_build` creates a queued build
 * (within the daily quota) and starts it, replying
 * {@linkcode CreateBuildReply}; `rate` takes one token from the user's bucket
 * named `bucket`, replying {@linkcode RateReply}.
 */
export type SessionMessage = z.input<typeof sessionMessageSchema>;

/** Start of the UTC day `now` falls in, and the start of the next one. */
export function quotaWindow(now: number): { start: Date; resetAt: Date } {
  const start = new Date(now);
  start.setUTCHours(0, 0, 0, 0);
  return {
    start,
    resetAt: new Date(start.getTime() + 24 * 60 * 60 * 1000),
  };
}

/**
 * Takes a token from a bucket that refills `limitPerMinute` tokens per minute
 * up to `limitPerMinute`.
 */
export function takeToken(
  bucket: { tokens: number; at: number } | undefined,
  limitPerMinute: number,
  now: number,
): { bucket: { tokens: number; at: number }; retryAfterSeconds: number } {
  const perMs = limitPerMinute / 60_000;
  const elapsed = bucket ? Math.max(0, now - bucket.at) : 0;
  const tokens = Math.min(
    limitPerMinute,
    (bucket?.tokens ?? limitPerMinute) + elapsed * perMs,
  );
  if (tokens >= 1) {
    return { bucket: { tokens: tokens - 1, at: now }, retryAfterSeconds: 0 };
  }
  return {
    bucket: { tokens, at: now },
    retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)),
  };
}

/** Dependencies of the session actor. */
export interface SessionDeps {
  readonly db: Db;
}

async function createBuildTurn(
  deps: SessionDeps,
  ctx: ActorContext<SessionMessage>,
  state: SessionState,
  msg: Extract<SessionMessage, { type: "create_build" }>,
): Promise<SessionState> {
  const userId = ctx.self.id;
  const start = () =>
    ctx.ref<BuildMessage>(BUILD_KIND, msg.buildId).tell({ type: "start" });
  const existing = await loadBuild(deps.db, msg.buildId);
  if (existing && existing.userId === userId) {
    // A redelivered message: the build exists; make sure it was started.
    await start();
    ctx.reply({ ok: true, buildId: msg.buildId } satisfies CreateBuildReply);
    return state;
  }
  const user = await getUser(deps.db, userId);
  if (!user || user.disabled) {
    ctx.reply(
      {
        ok: false,
        code: user ? "user_disabled" : "user_not_found",
      } satisfies CreateBuildReply,
    );
    return state;
  }
  const { start: dayStart, resetAt } = quotaWindow(ctx.now());
  const used = await countBuildsSince(deps.db, userId, dayStart);
  if (used >= user.dailyBuildQuota) {
    ctx.reply(
      {
        ok: false,
        code: "quota_exceeded",
        limit: user.dailyBuildQuota,
        resetAt: resetAt.toISOString(),
      } satisfies CreateBuildReply,
    );
    return state;
  }
  await createBuild(deps.db, {
    id: msg.buildId,
    userId,
    project: msg.project,
    language: msg.language,
    requirements: msg.requirements,
    model: msg.model ?? null,
    source: msg.source,
    telegramChatId: msg.telegramChatId ?? null,
  }, { actorUserId: userId, ip: msg.ip ?? null, now: new Date(ctx.now()) });
  await start();
  ctx.reply({ ok: true, buildId: msg.buildId } satisfies CreateBuildReply);
  return {
    ...state,
    recentBuilds: [msg.buildId, ...state.recentBuilds].slice(0, RECENT_BUILDS),
  };
}

/**
 * The session behaviour.
 *
 * @example
 * ```ts ignore
 * import { sessionBehavior } from "./session.ts";
 * const system = new ActorSystem({ behaviors: [sessionBehavior({ db }), ...] });
 * const reply = await system.ref("session", userId).ask({
 *   type: "create_build", buildId: crypto.randomUUID(), project: "todo",
 *   language: "typescript", requirements: "a todo list", source: "api",
 * });
 * ```
 */
export function sessionBehavior(deps: SessionDeps) {
  return defineActor<SessionState, SessionMessage>({
    kind: SESSION_KIND,
    durable: true,
    idleTimeoutMs: 5 * 60_000,
    initialState: () => ({ buckets: {}, recentBuilds: [] }),
    parse: (input) => sessionMessageSchema.parse(input),
    receive(ctx, state, msg) {
      switch (msg.type) {
        case "create_build":
          return createBuildTurn(deps, ctx, state, msg);
        case "rate": {
          const { bucket, retryAfterSeconds } = takeToken(
            state.buckets[msg.bucket],
            msg.limitPerMinute,
            ctx.now(),
          );
          ctx.reply(
            (retryAfterSeconds === 0
              ? { ok: true }
              : { ok: false, retryAfterSeconds }) satisfies RateReply,
          );
          return {
            ...state,
            buckets: { ...state.buckets, [msg.bucket]: bucket },
          };
        }
      }
    },
  });
}
