/**
 * Build notifications for Telegram: turns the build actor's events into
 * notices (started, test results, completed, failed, cancelled) and tells the
 * chat that started the build, or else the chats of the user's linked
 * Telegram accounts. Plug it into the build actor as its `notify`
 * dependency.
 *
 * @module
 */
import { type ActorRefs, notifyBuildEvent } from "../actors/chat.ts";
import type { BuildEvent } from "../storage/build_events.ts";
import { loadBuild } from "../storage/builds.ts";
import type { Db } from "../storage/schema.ts";
import { listTelegramUsersOf } from "../storage/telegram_users.ts";
import type { BuildNotice } from "./format.ts";

interface StatusData {
  from?: string;
  to?: string;
  error?: string;
  summary?: {
    files?: string[];
    scores?:
      | { security: number; quality: number; maintainability: number }
      | null;
    tests?: { passed: number; failed: number } | null;
  };
}

interface TestsData {
  attempt?: number;
  passed?: number;
  failed?: number;
  status?: string;
  output?: string;
  /** Why the run did not pass (the sandbox's reason, refused imports). */
  reason?: string;
}

/**
 * The notices a chat should get for these events of one build (most events,
 * like model tokens, give none).
 *
 * @example
 * ```ts
 * import { noticesFor } from "./notify.ts";
 * const notices = noticesFor(
 *   { project: "todo", language: "typescript" },
 *   [{ buildId: "b1", seq: 1, type: "status", data: { from: "queued", to: "analyzing" }, createdAt: new Date() }],
 * );
 * console.assert(notices[0]?.type === "build_started");
 * ```
 */
export function noticesFor(
  build: { project: string; language: string },
  events: readonly BuildEvent[],
): BuildNotice[] {
  const notices: BuildNotice[] = [];
  for (const event of events) {
    const base = { buildId: event.buildId, project: build.project };
    if (event.type === "status") {
      const data = (event.data ?? {}) as StatusData;
      if (data.from === "queued" && data.to !== "cancelled") {
        notices.push({
          type: "build_started",
          ...base,
          language: build.language,
        });
      }
      if (data.to === "succeeded") {
        const summary = data.summary;
        notices.push({
          type: "build_completed",
          ...base,
          ...(summary?.files ? { files: summary.files } : {}),
          ...(summary?.scores ? { scores: summary.scores } : {}),
          ...(summary?.tests
            ? {
              summary:
                `Tests: ${summary.tests.passed} passed, ${summary.tests.failed} failed.`,
            }
            : {}),
        });
      } else if (data.to === "failed") {
        notices.push({
          type: "build_failed",
          ...base,
          reason: data.error ?? "no reason recorded",
        });
      } else if (data.to === "cancelled") {
        notices.push({ type: "build_cancelled", ...base });
      }
    } else if (event.type === "tests") {
      const data = (event.data ?? {}) as TestsData;
      notices.push({
        type: "build_tests",
        ...base,
        attempt: data.attempt ?? 1,
        passed: data.passed ?? 0,
        failed: data.failed ?? 0,
        ...(data.status ? { status: data.status } : {}),
        ...(data.reason ? { reason: data.reason } : {}),
        ...(data.output ? { output: data.output } : {}),
      });
    }
  }
  return notices;
}

/** Options of {@linkcode createBuildNotifier}. */
export interface BuildNotifierOptions {
  readonly db: Db;
  /** The actor system, once started (notices before that are dropped). */
  readonly refs: () => ActorRefs | undefined;
}

/**
 * A `notify` dependency for the build actor.
 *
 * @example
 * ```ts ignore
 * import { createBuildNotifier } from "./notify.ts";
 * const notify = createBuildNotifier({ db, refs: () => system });
 * buildBehavior({ db, notify });
 * ```
 */
export function createBuildNotifier(
  options: BuildNotifierOptions,
): (events: readonly BuildEvent[]) => Promise<void> {
  return async (events) => {
    const refs = options.refs();
    if (!refs || events.length === 0) return;
    const byBuild = new Map<string, BuildEvent[]>();
    for (const e of events) {
      byBuild.set(e.buildId, [...(byBuild.get(e.buildId) ?? []), e]);
    }
    for (const [buildId, list] of byBuild) {
      const interesting = list.some((e) =>
        e.type === "status" || e.type === "tests"
      );
      if (!interesting) continue;
      const build = await loadBuild(options.db, buildId);
      if (!build) continue;
      const notices = noticesFor(build, list);
      if (notices.length === 0) continue;
      const chats = build.telegramChatId !== null
        ? [build.telegramChatId]
        : (await listTelegramUsersOf(options.db, build.userId)).map((t) =>
          t.chatId
        );
      for (const chatId of new Set(chats)) {
        for (const notice of notices) {
          await notifyBuildEvent(refs, chatId, notice);
        }
      }
    }
  };
}
