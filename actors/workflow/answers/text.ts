/**
 * Clean-up every model answer gets before it is read: line endings made
 * uniform and reasoning blocks (`<think>...</think>`, written first by qwen3
 * and deepseek-r1) removed.
 *
 * @module
 */

/**
 * The answer without CRLF line endings and without reasoning blocks. A
 * stray closing tag (the opening one lost to the chat template) drops
 * everything before it; an unclosed block (the answer cut off while
 * reasoning) drops everything after it.
 *
 * @example
 * ```ts
 * import { answerText } from "./text.ts";
 * console.assert(answerText("<think>hmm</think>\r\n{}") === "{}");
 * ```
 */
export function answerText(raw: string): string {
  let text = raw.replace(/\r\n?/g, "\n");
  text = text.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, "");
  const last = [...text.matchAll(/<\/(?:think|thinking|reasoning)>/gi)].at(-1);
  if (last) text = text.slice(last.index + last[0].length);
  const unclosed = text.search(/<(?:think|thinking|reasoning)>/i);
  if (unclosed >= 0) text = text.slice(0, unclosed);
  return text.trim();
}
