/**
 * One small builder for texts in Telegram's HTML parse mode: the
 * {@linkcode html} tagged template escapes every interpolated value unless it
 * is already {@linkcode Html}, so user and model text cannot open a tag or an
 * entity by accident, and markup is written as markup.
 *
 * Why not `@grammyjs/parse-mode`'s `fmt`: it builds text plus entities, but a
 * chat's pending replies are kept durably as HTML (actors/chat.ts `ChatReply`)
 * and sent with `parse_mode: "HTML"` by the outbox; switching to entities
 * would change the stored reply shape and the outbox for no gain in escaping.
 *
 * @module
 */

/**
 * Escapes text for the HTML parse mode.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./html.ts";
 * console.assert(escapeHtml("a < b & c") === "a &lt; b &amp; c");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(
    ">",
    "&gt;",
  ).replaceAll('"', "&quot;");
}

/** A piece of text that is valid HTML for the parse mode (made by {@linkcode html} or {@linkcode trustedHtml}). */
export class Html {
  /** The HTML text. */
  readonly text: string;

  /** Wraps text already known to be valid HTML; prefer {@linkcode html}. */
  constructor(text: string) {
    this.text = text;
  }

  /** The HTML text (so an `Html` can stand where a string is expected). */
  toString(): string {
    return this.text;
  }
}

/** What can be interpolated into {@linkcode html}: text and numbers are escaped, `Html` is kept. */
export type HtmlValue = Html | string | number;

function piece(value: HtmlValue): string {
  return value instanceof Html ? value.text : escapeHtml(String(value));
}

/**
 * Builds HTML: the literal parts are markup, every interpolated value that is
 * not {@linkcode Html} is escaped.
 *
 * @example
 * ```ts
 * import { html } from "./html.ts";
 * const name = "<script> & co";
 * console.assert(
 *   html`Hello <b>${name}</b>`.text === "Hello <b>&lt;script&gt; &amp; co</b>",
 * );
 * ```
 */
export function html(
  strings: TemplateStringsArray,
  ...values: readonly HtmlValue[]
): Html {
  let text = strings[0] ?? "";
  values.forEach((value, i) => {
    text += piece(value) + (strings[i + 1] ?? "");
  });
  return new Html(text);
}

/**
 * Marks a string that is already HTML for the parse mode (the texts of
 * bot/format.ts, which escape their own inputs). Never pass user text here.
 */
export function trustedHtml(text: string): Html {
  return new Html(text);
}

/**
 * Joins pieces with a separator, escaping the pieces that are plain text.
 *
 * @example
 * ```ts
 * import { html, joinHtml } from "./html.ts";
 * const lines = joinHtml([html`<b>Title</b>`, "a < b"], "\n");
 * console.assert(lines.text === "<b>Title</b>\na &lt; b");
 * ```
 */
export function joinHtml(
  pieces: readonly HtmlValue[],
  separator = "",
): Html {
  return new Html(pieces.map(piece).join(escapeHtml(separator)));
}
