/**
 * Build notifications: a build event for this chat (told by the build
 * actor through `notifyBuildEvent`) becomes one message. Not an update from
 * Telegram, so it is a plain handler rather than a Composer.
 *
 * @module
 */
import type { ChatContext, ChatState, NoticeInput } from "../../actors/chat.ts";
import { type BuildNotice, formatNotice } from "../format.ts";

/** Queues the message for a build notice; the state is unchanged. */
export function notify(
  ctx: ChatContext,
  state: ChatState,
  input: NoticeInput,
): Promise<ChatState> {
  ctx.send({
    type: "send",
    chatId: Number(ctx.self.id),
    text: formatNotice(input.notice as unknown as BuildNotice),
  });
  return Promise.resolve(state);
}
