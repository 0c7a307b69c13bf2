/**
 * Inline keyboards and their callback data. Callback data is versioned
 * (`v1:...`) and parsed strictly: anything this version does not produce is
 * reported as `unknown`, so old or forged buttons get a polite answer instead
 * of an action. Wizard buttons carry the wizard's nonce, so a button from an
 * earlier wizard is recognised as stale.
 *
 * @module
 */
import { InlineKeyboard } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import {
  type Language,
  LANGUAGES as BUILD_LANGUAGES,
} from "../actors/languages/mod.ts";

export type { Language } from "../actors/languages/mod.ts";
export type { InlineKeyboardMarkup } from "grammy/types";

/** The callback data format version this code writes. */
export const CALLBACK_VERSION = "v1";

/** Languages the /build wizard offers: every build language (actors/languages/). */
export const LANGUAGES: readonly { id: Language; label: string }[] = Object
  .freeze(BUILD_LANGUAGES.map((l) => ({ id: l.id, label: l.label })));

/** A language id offered by the wizard. */
export type LanguageId = Language;

/** What a button press means, once parsed. */
export type CallbackAction =
  | {
    readonly type: "language";
    readonly nonce: string;
    readonly language: LanguageId;
  }
  | { readonly type: "cancel"; readonly nonce: string }
  | { readonly type: "refresh"; readonly buildId: string }
  | { readonly type: "unknown"; readonly data: string };

const NONCE = /^[A-Za-z0-9]{1,16}$/;
const BUILD_ID = /^[0-9a-f-]{8,36}$/;

/**
 * Encodes an action as callback data (at most 64 bytes).
 *
 * @example
 * ```ts
 * import { encodeCallback, parseCallback } from "./keyboards.ts";
 * const data = encodeCallback({ type: "cancel", nonce: "a1" });
 * console.assert(parseCallback(data).type === "cancel");
 * ```
 */
export function encodeCallback(
  action: Exclude<CallbackAction, { type: "unknown" }>,
): string {
  switch (action.type) {
    case "language":
      return `${CALLBACK_VERSION}:lang:${action.nonce}:${action.language}`;
    case "cancel":
      return `${CALLBACK_VERSION}:cancel:${action.nonce}`;
    case "refresh":
      return `${CALLBACK_VERSION}:status:${action.buildId}`;
  }
}

/** Parses callback data; anything malformed or from another version is `unknown`. */
export function parseCallback(data: string | undefined): CallbackAction {
  const raw = data ?? "";
  const parts = raw.split(":");
  if (parts[0] !== CALLBACK_VERSION) return { type: "unknown", data: raw };
  const [, kind, a, b] = parts;
  if (kind === "lang" && parts.length === 4 && NONCE.test(a ?? "")) {
    const language = LANGUAGES.find((l) => l.id === b);
    if (language) {
      return { type: "language", nonce: a!, language: language.id };
    }
  }
  if (kind === "cancel" && parts.length === 3 && NONCE.test(a ?? "")) {
    return { type: "cancel", nonce: a! };
  }
  if (kind === "status" && parts.length === 3 && BUILD_ID.test(a ?? "")) {
    return { type: "refresh", buildId: a! };
  }
  return { type: "unknown", data: raw };
}

/** The language picker of the /build wizard. */
export function languageKeyboard(nonce: string): InlineKeyboardMarkup {
  const keyboard = new InlineKeyboard();
  for (const language of LANGUAGES) {
    keyboard.text(
      language.label,
      encodeCallback({ type: "language", nonce, language: language.id }),
    );
  }
  keyboard.row().text("Cancel", encodeCallback({ type: "cancel", nonce }));
  return plain(keyboard);
}

/** A cancel button for the requirements step of the wizard. */
export function cancelKeyboard(nonce: string): InlineKeyboardMarkup {
  return plain(
    new InlineKeyboard().text(
      "Cancel",
      encodeCallback({ type: "cancel", nonce }),
    ),
  );
}

/** A "refresh" button under a build's status. */
export function statusKeyboard(buildId: string): InlineKeyboardMarkup {
  return plain(
    new InlineKeyboard().text(
      "🔄 Refresh",
      encodeCallback({ type: "refresh", buildId }),
    ),
  );
}

/** The label of a language id. */
export function languageLabel(id: string): string {
  return LANGUAGES.find((l) => l.id === id)?.label ?? id;
}

/** A plain, serializable copy of a grammY keyboard. */
function plain(keyboard: InlineKeyboard): InlineKeyboardMarkup {
  return {
    inline_keyboard: keyboard.inline_keyboard.filter((row) => row.length > 0)
      .map((row) => [...row]),
  };
}
