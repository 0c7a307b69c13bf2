/**
 * Telegram accounts and their link to Troupe users. A user asks for a
 * single-use link code (HTTP), then sends `/link <code>` to the bot, which
 * consumes the code and links the Telegram account.
 *
 * @module
 */
import type { AuditContext } from "./audit.ts";
import { writeAudit } from "./audit.ts";
import { NotFoundError, StateError } from "./errors.ts";
import type { Db, TelegramUserRow } from "./schema.ts";
import { inTransaction, isUuid, run } from "./_sql.ts";

/** A Telegram account known to the bot. */
export interface TelegramUser {
  /** Telegram's id of the account. */
  readonly telegramUserId: number;
  /** The private chat the bot talks to the account in. */
  readonly chatId: number;
  /** The linked Troupe user, if any. */
  readonly userId: string | null;
  /** Telegram @username without the @, if any. */
  readonly username: string | null;
  /** When the account was linked; null until linked. */
  readonly linkedAt: Date | null;
}

/** A link code as handed to the user. */
export interface TelegramLinkCode {
  /** The code to send to the bot. */
  readonly code: string;
  /** The user the code links an account to. */
  readonly userId: string;
  /** When the code stops being accepted. */
  readonly expiresAt: Date;
}

function toTelegramUser(row: TelegramUserRow): TelegramUser {
  return {
    telegramUserId: row.telegram_user_id,
    chatId: row.chat_id,
    userId: row.user_id,
    username: row.username,
    linkedAt: row.linked_at,
  };
}

/** Without 0/O, 1/I/L, so codes survive being read aloud or retyped. */
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/** A random 8-character link code (~39 bits). */
export function generateLinkCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => codeAlphabet[b % codeAlphabet.length])
    .join("");
}

/**
 * Issues a single-use link code for a user, valid for `ttlMs` (default 10
 * minutes) from `audit.now`, with a `telegram.link_code` audit row.
 *
 * @example
 * ```ts
 * import { createTelegramLinkCode } from "./telegram_users.ts";
 * // const { code } = await createTelegramLinkCode(db, userId, { actorUserId: userId, ip });
 * ```
 */
export function createTelegramLinkCode(
  db: Db,
  userId: string,
  audit: AuditContext,
  ttlMs = 10 * 60_000,
): Promise<TelegramLinkCode> {
  return inTransaction(db, async (trx) => {
    const now = audit.now ?? new Date();
    const row = await trx.insertInto("telegram_link_codes").values({
      code: generateLinkCode(),
      user_id: userId,
      expires_at: new Date(now.getTime() + ttlMs),
      created_at: now,
    }).returning(["code", "user_id", "expires_at"])
      .executeTakeFirstOrThrow();
    await writeAudit(trx, audit, "telegram.link_code", userId);
    return { code: row.code, userId: row.user_id, expiresAt: row.expires_at };
  });
}

/** The Telegram side of a link. */
export interface TelegramAccount {
  /** Telegram's id of the account. */
  readonly telegramUserId: number;
  /** The private chat the bot talks to the account in. */
  readonly chatId: number;
  /** Telegram @username without the @; absent or null if none. */
  readonly username?: string | null;
}

/**
 * Consumes a link code and links the Telegram account to the code's user, in
 * one transaction with a `telegram.link` audit row (actor: the linked user).
 * A code works once: StateError when it is unknown, used or expired at
 * `now` (the three are not told apart to the caller).
 */
export function consumeTelegramLinkCode(
  db: Db,
  code: string,
  account: TelegramAccount,
  now: Date = new Date(),
): Promise<TelegramUser> {
  return inTransaction(db, async (trx) => {
    const used = await trx.updateTable("telegram_link_codes")
      .set({ used_at: now })
      .where("code", "=", code.trim().toUpperCase())
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .returning("user_id").executeTakeFirst();
    if (used === undefined) {
      throw new StateError(
        "link code",
        code,
        "unknown, already used or expired",
      );
    }
    const row = await trx.insertInto("telegram_users").values({
      telegram_user_id: account.telegramUserId,
      chat_id: account.chatId,
      user_id: used.user_id,
      username: account.username ?? null,
      linked_at: now,
    }).onConflict((oc) =>
      oc.column("telegram_user_id").doUpdateSet({
        chat_id: account.chatId,
        user_id: used.user_id,
        username: account.username ?? null,
        linked_at: now,
      })
    ).returningAll().executeTakeFirstOrThrow();
    await writeAudit(
      trx,
      { actorUserId: used.user_id, now },
      "telegram.link",
      String(account.telegramUserId),
    );
    return toTelegramUser(row);
  });
}

/**
 * Records a Telegram account the bot has seen (`/start`), keeping any
 * existing link; updates its chat id and username.
 */
export async function upsertTelegramUser(
  db: Db,
  account: TelegramAccount,
): Promise<TelegramUser> {
  const row = await run(() =>
    db.insertInto("telegram_users").values({
      telegram_user_id: account.telegramUserId,
      chat_id: account.chatId,
      username: account.username ?? null,
    }).onConflict((oc) =>
      oc.column("telegram_user_id").doUpdateSet({
        chat_id: account.chatId,
        username: account.username ?? null,
      })
    ).returningAll().executeTakeFirstOrThrow()
  );
  return toTelegramUser(row);
}

/** A Telegram account by its Telegram user id. */
export async function getTelegramUser(
  db: Db,
  telegramUserId: number,
): Promise<TelegramUser | undefined> {
  const row = await run(() =>
    db.selectFrom("telegram_users").selectAll()
      .where("telegram_user_id", "=", telegramUserId).executeTakeFirst()
  );
  return row && toTelegramUser(row);
}

/** The Telegram accounts linked to a user (for notifications). */
export async function listTelegramUsersOf(
  db: Db,
  userId: string,
): Promise<TelegramUser[]> {
  if (!isUuid(userId)) return [];
  const rows = await run(() =>
    db.selectFrom("telegram_users").selectAll()
      .where("user_id", "=", userId).orderBy("telegram_user_id").execute()
  );
  return rows.map(toTelegramUser);
}

/**
 * Removes the link of a Telegram account (the account stays known).
 * NotFoundError when it is not linked.
 */
export function unlinkTelegramUser(
  db: Db,
  telegramUserId: number,
  audit: AuditContext,
): Promise<void> {
  return inTransaction(db, async (trx) => {
    const row = await trx.updateTable("telegram_users")
      .set({ user_id: null, linked_at: null })
      .where("telegram_user_id", "=", telegramUserId)
      .where("user_id", "is not", null)
      .returning("telegram_user_id").executeTakeFirst();
    if (row === undefined) {
      throw new NotFoundError("telegram link", String(telegramUserId));
    }
    await writeAudit(trx, audit, "telegram.unlink", String(telegramUserId));
  });
}

/** Deletes link codes that expired before `now`; returns how many. */
export async function pruneTelegramLinkCodes(
  db: Db,
  now: Date = new Date(),
): Promise<number> {
  const result = await run(() =>
    db.deleteFrom("telegram_link_codes").where("expires_at", "<=", now)
      .executeTakeFirst()
  );
  return Number(result.numDeletedRows);
}
