/**
 * Looks up the platform user linked to the sender of a text, once per turn,
 * for the limit and the commands after it (`ctx.user`).
 *
 * @module
 */
import type { MiddlewareFn } from "grammy";
import type { TurnContext } from "./context.ts";

/** Sets `ctx.user` to the sender's linked account (undefined when unlinked), then goes on. */
export const linkedUser: MiddlewareFn<TurnContext> = async (ctx, next) => {
  ctx.user = await ctx.deps.data.linkedUser(ctx.sender.id);
  await next();
};
