/**
 * What the chat commands read and write, as one small interface over the
 * storage repositories. Commands take it as a dependency; {@linkcode dbChatData}
 * is the implementation over PostgreSQL.
 *
 * @module
 */
import { writeAudit } from "../storage/audit.ts";
import {
  type BuildSummary,
  countBuildsByStatus,
  getBuild,
  listBuilds,
  listFailedBuilds,
} from "../storage/builds.ts";
import { getBuildAnalysis } from "../storage/code_analyses.ts";
import { NotFoundError, StateError } from "../storage/errors.ts";
import type { BuildStatus, UserRole } from "../storage/schema.ts";
import type { Db } from "./_outside_types.ts";
import {
  consumeTelegramLinkCode,
  getTelegramUser,
  unlinkTelegramUser,
  upsertTelegramUser,
} from "../storage/telegram_users.ts";
import {
  countUsers,
  getUser,
  getUserByEmail,
  updateUser,
} from "../storage/users.ts";

export type { BuildStatus, UserRole } from "../storage/schema.ts";

/** The platform user a Telegram account is linked to. */
export interface LinkedUser {
  /** The platform user's id. */
  readonly userId: string;
  /** The platform user's email. */
  readonly email: string;
  /** The platform role ("admin" may use /admin). */
  readonly role: UserRole;
  /** A disabled user may not build. */
  readonly disabled: boolean;
}

/** A build as the bot shows it. */
export interface BuildInfo {
  /** The build's id (a UUID). */
  readonly id: string;
  /** Whose build it is. */
  readonly userId: string;
  /** The project name given at /build. */
  readonly project: string;
  /** The language id (actors/languages/). */
  readonly language: string;
  /** Where the build is. */
  readonly status: BuildStatus;
  /** Why it failed, if it did. */
  readonly error: string | null;
  /** Test rounds run so far. */
  readonly attempts: number;
  /** When it was requested. */
  readonly createdAt: Date;
  /** When it reached a final status; null while running. */
  readonly finishedAt: Date | null;
}

/** The outcome of `/link <code>`. Unknown, used and expired codes are not told apart (storage does not say which). */
export type LinkOutcome =
  | { readonly ok: true; readonly user: LinkedUser }
  | { readonly ok: false };

/** Numbers for `/admin`. */
export interface AdminStats {
  /** How many platform users there are. */
  readonly users: number;
  /** How many builds there are in each status. */
  readonly builds: Readonly<Record<BuildStatus, number>>;
}

/** Who took an admin action from Telegram, for the audit log. */
export interface AdminActor {
  /** The linked platform user, or null for an admin by TELEGRAM_ADMIN_IDS only. */
  readonly userId: string | null;
  /** The Telegram account that sent the command. */
  readonly telegramUserId: number;
}

/** The data the chat commands need. */
export interface ChatData {
  /** Records (or refreshes) a Telegram account the bot has seen, keeping any link. */
  remember(
    account: {
      telegramUserId: number;
      chatId: number;
      username: string | null;
    },
  ): Promise<void>;
  /** The user linked to this Telegram account, if any. */
  linkedUser(telegramUserId: number): Promise<LinkedUser | undefined>;
  /** Consumes a link code and links the account, with an audit row, atomically. */
  link(
    code: string,
    account: {
      telegramUserId: number;
      chatId: number;
      username: string | null;
    },
    now: Date,
  ): Promise<LinkOutcome>;
  /** Removes the link (audited); false if there was none. */
  unlink(telegramUserId: number): Promise<boolean>;
  /** A user's builds, newest first. */
  recentBuilds(userId: string, limit: number): Promise<BuildInfo[]>;
  /** One of the user's builds by full id or a prefix of at least 4 characters; never someone else's. */
  findBuild(userId: string, idOrPrefix: string): Promise<BuildInfo | undefined>;
  /** Scores of a finished build's code analysis, if any. */
  scores(
    userId: string,
    buildId: string,
  ): Promise<
    { security: number; quality: number; maintainability: number } | undefined
  >;
  /** Users and builds by status, for `/admin stats`. */
  adminStats(): Promise<AdminStats>;
  /** Latest failed builds of everyone. */
  recentFailures(limit: number): Promise<BuildInfo[]>;
  /** Sets a user's daily quota (audited with the acting user and the Telegram account). */
  setQuota(
    email: string,
    quota: number,
    actor: AdminActor,
  ): Promise<{ ok: true; userId: string } | { ok: false }>;
  /** Records an admin action taken from Telegram. */
  auditAdmin(
    actor: AdminActor,
    action: string,
    details: Record<string, unknown>,
  ): Promise<void>;
}

function toInfo(b: BuildSummary): BuildInfo {
  return {
    id: b.id,
    userId: b.userId,
    project: b.project,
    language: b.language,
    status: b.status,
    error: b.error,
    attempts: b.attempts,
    createdAt: b.createdAt,
    finishedAt: b.finishedAt,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * {@linkcode ChatData} over the PostgreSQL repositories.
 *
 * @example
 * ```ts ignore
 * import { dbChatData } from "./data.ts";
 * const data = dbChatData(database.db);
 * const user = await data.linkedUser(42);
 * ```
 */
export function dbChatData(db: Db): ChatData {
  async function userInfo(userId: string): Promise<LinkedUser | undefined> {
    const user = await getUser(db, userId);
    return user && {
      userId: user.id,
      email: user.email,
      role: user.role,
      disabled: user.disabled,
    };
  }

  return {
    async remember(account) {
      await upsertTelegramUser(db, account);
    },

    async linkedUser(telegramUserId) {
      const account = await getTelegramUser(db, telegramUserId);
      return account?.userId ? await userInfo(account.userId) : undefined;
    },

    async link(code, account, now) {
      try {
        const linked = await consumeTelegramLinkCode(db, code, account, now);
        const user = linked.userId ? await userInfo(linked.userId) : undefined;
        return user ? { ok: true, user } : { ok: false };
      } catch (error) {
        if (error instanceof StateError) return { ok: false };
        throw error;
      }
    },

    async unlink(telegramUserId) {
      const account = await getTelegramUser(db, telegramUserId);
      try {
        await unlinkTelegramUser(db, telegramUserId, {
          actorUserId: account?.userId ?? null,
        });
        return true;
      } catch (error) {
        if (error instanceof NotFoundError) return false;
        throw error;
      }
    },

    async recentBuilds(userId, limit) {
      return (await listBuilds(db, userId, { limit })).map(toInfo);
    },

    async findBuild(userId, idOrPrefix) {
      const id = idOrPrefix.toLowerCase();
      if (UUID.test(id)) {
        const build = await getBuild(db, userId, id);
        return build && toInfo(build);
      }
      // Short ids (as shown in lists) are matched among the user's recent builds.
      const recent = await listBuilds(db, userId, { limit: 200 });
      const found = recent.find((b) => b.id.startsWith(id));
      return found && toInfo(found);
    },

    async scores(userId, buildId) {
      const analysis = await getBuildAnalysis(db, userId, buildId);
      return analysis && {
        security: analysis.security,
        quality: analysis.quality,
        maintainability: analysis.maintainability,
      };
    },

    async adminStats() {
      const [users, builds] = await Promise.all([
        countUsers(db),
        countBuildsByStatus(db),
      ]);
      return { users, builds };
    },

    async recentFailures(limit) {
      return (await listFailedBuilds(db, limit)).map(toInfo);
    },

    async setQuota(email, quota, actor) {
      const user = await getUserByEmail(db, email);
      if (!user) return { ok: false };
      await db.transaction().execute(async (trx) => {
        await updateUser(trx, user.id, { dailyBuildQuota: quota }, {
          actorUserId: actor.userId,
        });
        await writeAudit(
          trx,
          { actorUserId: actor.userId },
          "telegram.admin.quota",
          user.id,
          { telegramUserId: actor.telegramUserId, dailyBuildQuota: quota },
        );
      });
      return { ok: true, userId: user.id };
    },

    async auditAdmin(actor, action, details) {
      await writeAudit(db, { actorUserId: actor.userId }, action, null, {
        telegramUserId: actor.telegramUserId,
        ...details,
      });
    },
  };
}
