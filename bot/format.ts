/**
 * Message texts of the bot, in Telegram's HTML parse mode, built with the
 * {@linkcode html} builder (bot/html.ts), which escapes every piece of user or
 * model text; texts are kept under Telegram's 4096-character limit.
 *
 * @module
 */
import type { BuildStatus } from "../storage/schema.ts";
import { type Html, html, joinHtml, trustedHtml as trusted } from "./html.ts";

export { escapeHtml } from "./html.ts";

export type { BuildStatus } from "../storage/schema.ts";

/** The parse mode every formatted text is meant for. */
export const PARSE_MODE = "HTML" as const;

/** Telegram's limit on a message text, in characters after entity parsing. */
export const MAX_MESSAGE_LENGTH = 4096;

/** Cuts plain text to `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join("") + "…";
}

/** The fields of a build the bot shows. */
export interface BuildView {
  /** The build's id. */
  readonly id: string;
  /** The project name. */
  readonly project: string;
  /** The language id. */
  readonly language: string;
  /** Where the build is. */
  readonly status: BuildStatus;
  /** When it was requested. */
  readonly created_at: Date;
  /** When it reached a final status. */
  readonly finished_at?: Date | null;
  /** Why it failed. */
  readonly error?: string | null;
  /** Test rounds run. */
  readonly attempts?: number;
  /** Code analysis scores, once it succeeded. */
  readonly scores?: Scores | null;
}

/** Code analysis scores, 0..100. */
export interface Scores {
  /** Security score, 0..100. */
  readonly security: number;
  /** Quality score, 0..100. */
  readonly quality: number;
  /** Maintainability score, 0..100. */
  readonly maintainability: number;
}

/** A build event the bot tells a chat about (see actors/chat.ts `notify`). */
export type BuildNotice =
  | {
    readonly type: "build_started";
    readonly buildId: string;
    readonly project: string;
    readonly language: string;
  }
  | {
    readonly type: "build_tests";
    readonly buildId: string;
    readonly project: string;
    /** 1 for the first test run, 2 after the first fix ... */
    readonly attempt: number;
    readonly passed: number;
    readonly failed: number;
    /** The run's status ("passed", "failed", "refused", "timeout", ...). */
    readonly status?: string;
    /** Why the run did not pass, as the sandbox says (refused imports, timeout ...). */
    readonly reason?: string;
    /** A short excerpt of the failure output, if any. */
    readonly output?: string;
  }
  | {
    readonly type: "build_completed";
    readonly buildId: string;
    readonly project: string;
    readonly summary?: string;
    readonly scores?: Scores;
    readonly files?: readonly string[];
  }
  | {
    readonly type: "build_failed";
    readonly buildId: string;
    readonly project: string;
    readonly reason: string;
  }
  | {
    readonly type: "build_cancelled";
    readonly buildId: string;
    readonly project: string;
  };

const STATUS_ICON: Record<BuildStatus, string> = {
  queued: "⏳",
  analyzing: "🔎",
  planning: "🗺",
  generating: "✍️",
  testing: "🧪",
  finalizing: "📦",
  succeeded: "✅",
  failed: "❌",
  cancelled: "🚫",
};

/** A short, copyable form of a build id (its first 8 characters). */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

function code(text: string): Html {
  return html`<code>${text}</code>`;
}

function bold(text: string): Html {
  return html`<b>${text}</b>`;
}

function formatDate(date: Date): string {
  return date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** One line per build, for lists. */
export function formatBuildLine(build: BuildView): string {
  return html`${STATUS_ICON[build.status]} ${code(shortId(build.id))} ${
    truncate(build.project, 60)
  } · ${build.language} · ${build.status}`.text;
}

/** Scores as one line: "security 90 · quality 80 · maintainability 85". */
export function formatScores(scores: Scores): string {
  return `security ${scores.security} · quality ${scores.quality} · maintainability ${scores.maintainability}`;
}

/** The /status answer for one build. */
export function formatBuildStatus(build: BuildView): string {
  const lines = [
    html`${STATUS_ICON[build.status]} ${bold(truncate(build.project, 200))}`,
    html`Build ${code(build.id)}`,
    html`Language: ${build.language}`,
    html`Status: ${bold(build.status)}`,
    html`Started: ${formatDate(build.created_at)}`,
  ];
  if (build.finished_at) {
    lines.push(html`Finished: ${formatDate(build.finished_at)}`);
  }
  if (build.attempts) lines.push(html`Test rounds: ${build.attempts}`);
  if (build.scores) lines.push(html`Scores: ${formatScores(build.scores)}`);
  if (build.error) {
    lines.push(html`Reason: ${truncate(build.error, 1000)}`);
  }
  return joinHtml(lines, "\n").text;
}

/** The /history answer. */
export function formatHistory(builds: readonly BuildView[]): string {
  if (builds.length === 0) {
    return html`You have no builds yet. Start one with /build &lt;project&gt;.`
      .text;
  }
  const plural = builds.length === 1 ? "" : "s";
  return joinHtml([
    html`<b>Your last ${builds.length} build${plural}</b>`,
    ...builds.map((b) => html`${trusted(formatBuildLine(b))}`),
    "",
    html`Details: /status &lt;id&gt;`,
  ], "\n").text;
}

/** Longest reason, summary or output excerpt shown in a notice, in characters. */
const MAX_DETAIL = 1500;

/** The text of a build notification. */
export function formatNotice(notice: BuildNotice): string {
  return noticeHtml(notice).text;
}

function noticeHtml(notice: BuildNotice): Html {
  const project = bold(truncate(notice.project, 200));
  const id = code(shortId(notice.buildId));
  switch (notice.type) {
    case "build_started":
      return html`🚀 Build ${id} of ${project} started (${
        truncate(notice.language, 60)
      }). I will tell you how it goes.`;
    case "build_tests": {
      const notRun = notice.status !== undefined &&
        notice.status !== "passed" && notice.status !== "failed";
      const verdict = notRun
        ? html`⛔ ${truncate(notice.status ?? "", 60)}`
        : notice.failed === 0
        ? html`✅ all ${notice.passed} passed`
        : html`❌ ${notice.failed} failed, ${notice.passed} passed`;
      const lines = [
        html`🧪 Tests of ${project} (${id}), round ${notice.attempt}: ${verdict}`,
      ];
      if (notice.reason) {
        lines.push(html`Why: ${truncate(notice.reason, MAX_DETAIL)}`);
      }
      if (notice.failed > 0 && notice.output) {
        lines.push(
          html`<pre>${truncate(notice.output.trim(), MAX_DETAIL)}</pre>`,
        );
      }
      return joinHtml(lines, "\n");
    }
    case "build_completed": {
      const lines = [html`✅ Build ${id} of ${project} succeeded.`];
      if (notice.summary) lines.push(html`${truncate(notice.summary, 2000)}`);
      if (notice.scores) {
        lines.push(html`Scores: ${formatScores(notice.scores)}`);
      }
      if (notice.files && notice.files.length > 0) {
        const shown = joinHtml(
          notice.files.slice(0, 20).map((f) => code(truncate(f, 60))),
          ", ",
        );
        const more = notice.files.length > 20
          ? ` and ${notice.files.length - 20} more`
          : "";
        lines.push(html`Files: ${shown}${more}`);
      }
      lines.push(html`Details: /status ${shortId(notice.buildId)}`);
      return joinHtml(lines, "\n");
    }
    case "build_failed":
      return html`❌ Build ${id} of ${project} failed: ${
        truncate(notice.reason, 2000)
      }`;
    case "build_cancelled":
      return html`🚫 Build ${id} of ${project} was cancelled.`;
  }
}

/** The /start text. */
export function formatWelcome(
  options: { firstName?: string; linked: boolean },
): string {
  const name = options.firstName ? html`, ${options.firstName}` : "";
  const hello =
    html`👋 Hello${name}! I am Troupe: AI agents that write, test and review code for you.`;
  if (options.linked) {
    return html`${hello}\n\nYour account is linked. Start a build with /build &lt;project&gt;, or see /help.`
      .text;
  }
  return html`${hello}\n\n${trusted(LINK_HOWTO)}`.text;
}

/** How to link an account, used wherever an unlinked user is turned away. */
export const LINK_HOWTO: string =
  "To build from here, link this Telegram account to your Troupe account:\n" +
  "1. Get a code from the HTTP API: <code>POST /v1/telegram/link-code</code> (with your API key).\n" +
  "2. Send it here: <code>/link &lt;code&gt;</code>\n" +
  "Codes expire after a while and work once.";

/** The /help text. */
export function formatHelp(options: { admin: boolean }): string {
  const lines = [
    "<b>Commands</b>",
    "/build &lt;project&gt; — start a build: pick a language, then describe what to build",
    "/status [id] — a build's status (your latest without an id)",
    "/history — your last 10 builds",
    "/link &lt;code&gt; — link this Telegram account to your Troupe account",
    "/unlink — remove that link",
    "/cancel — stop the /build questions",
    "/help — this text",
  ];
  if (options.admin) {
    lines.push(
      "/admin — stats, quotas (<code>/admin quota &lt;email&gt; &lt;n&gt;</code>), recent failures",
    );
  }
  return lines.join("\n");
}

/** Commands registered with setMyCommands. */
export const BOT_COMMANDS: readonly { command: string; description: string }[] =
  [
    { command: "start", description: "Welcome and how to link your account" },
    { command: "build", description: "Start a build: /build <project>" },
    { command: "status", description: "Status of a build: /status [id]" },
    { command: "history", description: "Your last 10 builds" },
    { command: "link", description: "Link your account: /link <code>" },
    { command: "cancel", description: "Stop the /build questions" },
    { command: "help", description: "What I can do" },
  ];
