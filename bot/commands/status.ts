/**
 * /status [id]: one build's status (the latest without an id), with a
 * refresh button that re-reads the build and edits the message in place.
 *
 * @module
 */
import { Composer } from "grammy";
import type { BuildInfo, ChatData } from "../data.ts";
import { formatBuildStatus, LINK_HOWTO } from "../format.ts";
import { type Html, html, trustedHtml } from "../html.ts";
import { statusKeyboard } from "../keyboards.ts";
import { isAction, type TurnContext } from "./context.ts";

const BUILD_ID = /^[0-9a-fA-F-]{4,36}$/;

/** The status text of a build, with its scores once it succeeded. */
export async function statusText(
  data: ChatData,
  build: BuildInfo,
): Promise<Html> {
  const scores = build.status === "succeeded"
    ? await data.scores(build.userId, build.id)
    : undefined;
  return trustedHtml(formatBuildStatus({
    id: build.id,
    project: build.project,
    language: build.language,
    status: build.status,
    created_at: build.createdAt,
    finished_at: build.finishedAt,
    error: build.error,
    attempts: build.attempts,
    scores: scores ?? null,
  }));
}

/** The /status command and the status message's refresh button. */
export const status: Composer<TurnContext> = new Composer<TurnContext>();

status.command("status", async (ctx) => {
  const user = ctx.user;
  if (!user) {
    ctx.say(html`🔒 Link your account first.\n\n${trustedHtml(LINK_HOWTO)}`);
    return;
  }
  const { data } = ctx.deps;
  const id = ctx.match.split(/\s+/)[0] ?? "";
  let found: BuildInfo | undefined;
  if (id === "") {
    found = (await data.recentBuilds(user.userId, 1))[0];
    if (!found) {
      ctx.say(
        html`You have no builds yet. Start one with /build &lt;project&gt;.`,
      );
      return;
    }
  } else {
    if (!BUILD_ID.test(id)) {
      ctx.say(
        html`Build ids look like <code>3f2a9c1e</code>. See /history.`,
      );
      return;
    }
    found = await data.findBuild(user.userId, id.toLowerCase());
    if (!found) {
      ctx.say(
        html`I found no build <code>${id}</code> among yours. See /history.`,
      );
      return;
    }
  }
  ctx.say(await statusText(data, found), statusKeyboard(found.id));
});

status.filter(
  isAction("refresh"),
  async (ctx) => {
    const { data } = ctx.deps;
    const user = await data.linkedUser(ctx.sender.id);
    const build = user && await data.findBuild(user.userId, ctx.action.buildId);
    if (!build) {
      ctx.answer("I cannot show that build to you.");
      return;
    }
    ctx.answer(`Status: ${build.status}`);
    const text = await statusText(data, build);
    const messageId = ctx.pressedMessageId;
    if (messageId !== undefined) {
      ctx.edit(messageId, text, statusKeyboard(build.id));
    } else ctx.say(text, statusKeyboard(build.id));
  },
);
