/**
 * The per-user limit on commands, as grammY middleware: over the limit, one
 * polite reply per wait, and the message goes no further.
 *
 * Linked users are counted by their session actor (one budget per platform
 * user across chats and nodes, kept durably); unlinked users by the chat's
 * own state (`recent`), as a sliding window of the last minute.
 *
 * Why not `@grammyjs/ratelimiter`: its counts live in one process's memory
 * (cleared for everyone on a timer) or in Redis, as fixed windows behind an
 * `incr`/`pexpire` store that never sees the context. Here the count must
 * survive restarts and hold across nodes, be asked of the session actor
 * inside the chat's turn, and say how long to wait ("try again in N s").
 *
 * @module
 */
import type { MiddlewareFn } from "grammy";
import type { ChatState } from "../../actors/chat.ts";
import {
  type RateReply,
  SESSION_KIND,
  type SessionMessage,
} from "../../actors/session.ts";
import { html } from "../html.ts";
import type { TurnContext } from "./context.ts";

/** The outcome of counting one message: the next state and, when refused, how long to wait (s). */
export interface Admission {
  /** The chat's state with this message counted. */
  readonly state: ChatState;
  /** Seconds to wait; undefined when the message is admitted. */
  readonly retryAfter?: number;
}

/** Counts a message against the chat's own sliding window of one minute. */
export function admitLocally(
  state: ChatState,
  now: number,
  limit: number,
): Admission {
  const recent = state.recent.filter((t) => t > now - 60_000);
  if (recent.length >= limit) {
    const retryAfter = Math.max(
      1,
      Math.ceil((recent[0]! + 60_000 - now) / 1000),
    );
    return { state: { ...state, recent }, retryAfter };
  }
  return { state: { ...state, recent: [...recent, now] } };
}

/** Counts the turn's message: by the session actor for linked users, by the chat otherwise. */
export async function admit(ctx: TurnContext): Promise<Admission> {
  const { rateLimitPerMinute: limit, askTimeoutMs } = ctx.deps;
  const state = ctx.chatState;
  const now = ctx.turn.now();
  const user = ctx.user;
  if (!user) return admitLocally(state, now, limit);
  try {
    const reply = await ctx.turn.ref<SessionMessage>(SESSION_KIND, user.userId)
      .ask<RateReply>(
        { type: "rate", bucket: "telegram", limitPerMinute: limit },
        { timeoutMs: askTimeoutMs },
      );
    if (!reply.ok) {
      return { state, retryAfter: Math.max(1, reply.retryAfterSeconds) };
    }
    return { state };
  } catch {
    // The session is unreachable: fall back to the chat's own count.
    return admitLocally(state, now, limit);
  }
}

/**
 * The limit as middleware (after the `linkedUser` middleware): admitted
 * messages go on; a refused one gets one reply per wait, later ones none,
 * so a flood is not answered by a flood.
 */
export const rateLimit: MiddlewareFn<TurnContext> = async (ctx, next) => {
  const admitted = await admit(ctx);
  ctx.chatState = admitted.state;
  if (admitted.retryAfter === undefined) return await next();
  const now = ctx.turn.now();
  if (now < (ctx.chatState.quietUntil ?? 0)) return;
  ctx.say(
    html`⏳ You are sending messages faster than I can take them (at most ${ctx.deps.rateLimitPerMinute} a minute). Please try again in ${admitted.retryAfter} s.`,
  );
  ctx.chatState = {
    ...ctx.chatState,
    quietUntil: now + admitted.retryAfter * 1000,
  };
};
