/**
 * API keys: `trp_<prefix>_<secret>` bearer tokens. Only the visible prefix
 * (for lookup and display) and the SHA-256 of the whole token are stored; the
 * token itself is shown once, at creation.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { AuditContext } from "./audit.ts";
import { writeAudit } from "./audit.ts";
import { NotFoundError, StateError } from "./errors.ts";
import type { ApiKeyRow, Db } from "./schema.ts";
import { toUser, type User } from "./users.ts";
import { inTransaction, isUuid, run } from "./_sql.ts";
import { omitUndefined } from "../runtime/optional.ts";

/** A key as listed to its owner: never the token or its hash. */
export interface ApiKey {
  /** The key's id (a UUID). */
  readonly id: string;
  /** The user the key acts as. */
  readonly userId: string;
  /** The owner's label for the key. */
  readonly name: string;
  /** The visible start of the token, to tell keys apart. */
  readonly prefix: string;
  /** Scopes the key grants. */
  readonly scopes: readonly string[];
  /** When the key last authenticated a request; null if never. */
  readonly lastUsedAt: Date | null;
  /** When the key stops working; null: never. */
  readonly expiresAt: Date | null;
  /** When the key was revoked; null while it is live. */
  readonly revokedAt: Date | null;
  /** When the key was created. */
  readonly createdAt: Date;
}

/** A freshly generated token and what gets stored of it. */
export interface GeneratedApiKey {
  /** `trp_<prefix>_<secret>`: give it to the user once, never store it. */
  readonly token: string;
  /** The part of the token stored and shown to tell keys apart. */
  readonly prefix: string;
  /** SHA-256 of the token, lower-case hex. */
  readonly hash: string;
}

/** `last_used_at` is updated at most this often per key. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const tokenPattern = /^trp_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const prefixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
  };
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** SHA-256 of a token, lower-case hex. */
export function hashApiKey(token: string): Promise<string> {
  // Synchronous hashing: every authenticated request pays it, and WebCrypto's
  // promise round-trip costs about five times as much for 60 bytes.
  return Promise.resolve(createHash("sha256").update(token).digest("hex"));
}

/**
 * Makes a new random token: an 8-character prefix and a 256-bit secret.
 *
 * @example
 * ```ts
 * import { generateApiKey } from "./api_keys.ts";
 * const { token, prefix, hash } = await generateApiKey();
 * console.assert(token.startsWith(`trp_${prefix}_`) && hash.length === 64);
 * ```
 */
export async function generateApiKey(): Promise<GeneratedApiKey> {
  const raw = crypto.getRandomValues(new Uint8Array(8));
  const prefix = Array.from(raw, (b) => prefixAlphabet[b % 36]).join("");
  const secret = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const token = `trp_${prefix}_${secret}`;
  return { token, prefix, hash: await hashApiKey(token) };
}

/** The prefix of a well-formed token, or undefined. */
export function apiKeyPrefix(token: string): string | undefined {
  return tokenPattern.exec(token)?.[1];
}

/** A user already has the most active keys allowed. HTTP 409. */
export class ApiKeyLimitError extends StateError {
  /** The error's class name. */
  override name = "ApiKeyLimitError";
  /** Names the user and the most active keys allowed. */
  constructor(readonly userId: string, readonly limit: number) {
    super(
      "user",
      userId,
      `already has ${limit} active API keys, the most allowed (MAX_API_KEYS_PER_USER); revoke one first`,
    );
  }
}

/** Revoking this key would leave its user without an active key. HTTP 409. */
export class LastApiKeyError extends StateError {
  /** The error's class name. */
  override name = "LastApiKeyError";
  /** Names the key whose revocation was refused. */
  constructor(readonly keyId: string) {
    super(
      "api key",
      keyId,
      "is the last active key of its user: create another key first, or nobody could use the account any more",
    );
  }
}

/**
 * Locks the user's row for the rest of the transaction (so key counts cannot
 * race) and counts their active keys: not revoked, not expired at `now`.
 */
async function lockAndCountActiveKeys(
  trx: Db,
  userId: string,
  now: Date,
): Promise<number> {
  await trx.selectFrom("users").select("id").where("id", "=", userId)
    .forUpdate().executeTakeFirst();
  const row = await trx.selectFrom("api_keys")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where((eb) =>
      eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)])
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** What {@link createApiKey} takes. */
export interface NewApiKey {
  /** The user the key will act as. */
  readonly userId: string;
  /** The owner's label for the key. */
  readonly name: string;
  /** Scopes to grant; default the default set. */
  readonly scopes?: readonly string[];
  /** When the key stops working; absent or null: never. */
  readonly expiresAt?: Date | null;
}

/**
 * Creates a key for a user with an `api_key.create` audit row. Returns the
 * stored key and the token, which is not kept anywhere. With `maxActive`,
 * throws {@link ApiKeyLimitError} when the user already has that many
 * active keys.
 *
 * @example
 * ```ts
 * import { createApiKey } from "./api_keys.ts";
 * // const { token } = await createApiKey(db, { userId, name: "ci" }, { actorUserId: userId });
 * ```
 */
export async function createApiKey(
  db: Db,
  input: NewApiKey,
  audit: AuditContext,
  options: { maxActive?: number | undefined } = {},
): Promise<{ key: ApiKey; token: string }> {
  const generated = await generateApiKey();
  return inTransaction(db, async (trx) => {
    if (options.maxActive !== undefined && isUuid(input.userId)) {
      const active = await lockAndCountActiveKeys(
        trx,
        input.userId,
        audit.now ?? new Date(),
      );
      if (active >= options.maxActive) {
        throw new ApiKeyLimitError(input.userId, options.maxActive);
      }
    }
    const row = await trx.insertInto("api_keys").values({
      user_id: input.userId,
      name: input.name,
      prefix: generated.prefix,
      hash: generated.hash,
      scopes: [...(input.scopes ?? [])],
      expires_at: input.expiresAt ?? null,
      ...omitUndefined({ created_at: audit.now }),
    }).returningAll().executeTakeFirstOrThrow();
    await writeAudit(trx, audit, "api_key.create", row.id, {
      userId: row.user_id,
      prefix: row.prefix,
      name: row.name,
    });
    return { key: toApiKey(row), token: generated.token };
  });
}

/** A user's keys, newest first (revoked and expired included). */
export async function listApiKeys(db: Db, userId: string): Promise<ApiKey[]> {
  if (!isUuid(userId)) return [];
  const rows = await run(() =>
    db.selectFrom("api_keys").selectAll().where("user_id", "=", userId)
      .orderBy("created_at", "desc").orderBy("id", "desc").execute()
  );
  return rows.map(toApiKey);
}

/** One of a user's keys; undefined when it is not theirs. */
export async function getApiKey(
  db: Db,
  userId: string,
  keyId: string,
): Promise<ApiKey | undefined> {
  if (!isUuid(userId) || !isUuid(keyId)) return undefined;
  const row = await run(() =>
    db.selectFrom("api_keys").selectAll()
      .where("id", "=", keyId).where("user_id", "=", userId)
      .executeTakeFirst()
  );
  return row && toApiKey(row);
}

/**
 * Revokes one of a user's keys (idempotent: a revoked key keeps its first
 * revocation time and its one audit entry). NotFoundError when the key is not the user's; with
 * `keepLast`, {@link LastApiKeyError} when it is the user's last active key.
 */
export function revokeApiKey(
  db: Db,
  userId: string,
  keyId: string,
  audit: AuditContext,
  options: { keepLast?: boolean } = {},
): Promise<ApiKey> {
  return inTransaction(db, async (trx) => {
    if (!isUuid(userId) || !isUuid(keyId)) {
      throw new NotFoundError("api key", keyId);
    }
    if (options.keepLast) {
      const now = audit.now ?? new Date();
      const active = await lockAndCountActiveKeys(trx, userId, now);
      const key = await trx.selectFrom("api_keys")
        .select(["revoked_at", "expires_at"])
        .where("id", "=", keyId).where("user_id", "=", userId)
        .executeTakeFirst();
      const isActive = key !== undefined && key.revoked_at === null &&
        (key.expires_at === null || key.expires_at > now);
      if (isActive && active <= 1) throw new LastApiKeyError(keyId);
    }
    const current = await trx.selectFrom("api_keys").selectAll()
      .where("id", "=", keyId).where("user_id", "=", userId)
      .forUpdate().executeTakeFirst();
    if (current === undefined) throw new NotFoundError("api key", keyId);
    // Revoking a revoked key changes nothing and is not audited again.
    if (current.revoked_at !== null) return toApiKey(current);
    const row = await trx.updateTable("api_keys")
      .set({ revoked_at: audit.now ?? new Date() })
      .where("id", "=", keyId).where("user_id", "=", userId)
      .returningAll().executeTakeFirstOrThrow();
    await writeAudit(trx, audit, "api_key.revoke", keyId, {
      userId,
      prefix: row.prefix,
    });
    return toApiKey(row);
  });
}

/** Deletes one of a user's keys. NotFoundError when it is not the user's. */
export function deleteApiKey(
  db: Db,
  userId: string,
  keyId: string,
  audit: AuditContext,
): Promise<void> {
  return inTransaction(db, async (trx) => {
    if (!isUuid(userId) || !isUuid(keyId)) {
      throw new NotFoundError("api key", keyId);
    }
    const row = await trx.deleteFrom("api_keys")
      .where("id", "=", keyId).where("user_id", "=", userId)
      .returning("prefix").executeTakeFirst();
    if (row === undefined) throw new NotFoundError("api key", keyId);
    await writeAudit(trx, audit, "api_key.delete", keyId, {
      userId,
      prefix: row.prefix,
    });
  });
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Why a presented key was refused (only said to a caller who proved they hold it). */
export type ApiKeyRefusal = "invalid" | "revoked" | "expired" | "disabled";

/** The outcome of a key check: the key and its user, or why it was refused. */
export type ApiKeyCheck =
  | { ok: true; user: User; key: ApiKey }
  | { ok: false; reason: ApiKeyRefusal };

/**
 * Checks a bearer token. When the token matches a key that is not revoked,
 * not expired at `now`, and whose user is not disabled, returns the user and
 * key and records `now` as the key's last use (at most once per
 * {@link LAST_USED_RESOLUTION_MS}). Otherwise says why; a token that does not
 * match any key's hash is always just `invalid`.
 *
 * @example
 * ```ts
 * import { checkApiKey } from "./api_keys.ts";
 * // const result = await checkApiKey(db, bearerToken, new Date());
 * // if (!result.ok) return c.json({ error: { code: `${result.reason}_api_key` } }, 401);
 * ```
 */
export async function checkApiKey(
  db: Db,
  token: string,
  now: Date = new Date(),
): Promise<ApiKeyCheck> {
  const prefix = apiKeyPrefix(token);
  if (prefix === undefined) return { ok: false, reason: "invalid" };
  const hash = await hashApiKey(token);
  const found = await run(() =>
    db.selectFrom("api_keys")
      .innerJoin("users", "users.id", "api_keys.user_id")
      .selectAll("api_keys")
      .select([
        "users.email",
        "users.name as user_name",
        "users.role",
        "users.daily_build_quota",
        "users.disabled",
        "users.created_at as user_created_at",
      ])
      .where("api_keys.prefix", "=", prefix)
      .executeTakeFirst()
  );
  if (found === undefined || !constantTimeEqual(found.hash, hash)) {
    return { ok: false, reason: "invalid" };
  }
  if (found.revoked_at !== null) return { ok: false, reason: "revoked" };
  if (found.expires_at !== null && found.expires_at <= now) {
    return { ok: false, reason: "expired" };
  }
  if (found.disabled) return { ok: false, reason: "disabled" };
  // Touch at most once a minute per key: a write per request would make every
  // authenticated call contend on one row.
  let lastUsedAt = found.last_used_at;
  if (
    lastUsedAt === null ||
    now.getTime() - lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS
  ) {
    await touchApiKey(db, found.id, now);
    lastUsedAt = now;
  }
  const key = toApiKey({ ...found, last_used_at: lastUsedAt });
  const user = toUser({
    id: found.user_id,
    email: found.email,
    name: found.user_name,
    role: found.role,
    daily_build_quota: found.daily_build_quota,
    disabled: found.disabled,
    created_at: found.user_created_at,
  });
  return { ok: true, user, key };
}

/**
 * Records `now` as a key's last use. Callers keep to
 * {@link LAST_USED_RESOLUTION_MS} between touches of one key.
 */
export async function touchApiKey(
  db: Db,
  keyId: string,
  now: Date,
): Promise<void> {
  await run(() =>
    db.updateTable("api_keys").set({ last_used_at: now })
      .where("id", "=", keyId).execute()
  );
}

/**
 * Like {@link checkApiKey}, but undefined for every refusal.
 *
 * @example
 * ```ts
 * import { verifyApiKey } from "./api_keys.ts";
 * // const auth = await verifyApiKey(db, bearerToken);
 * ```
 */
export async function verifyApiKey(
  db: Db,
  token: string,
  now: Date = new Date(),
): Promise<{ user: User; key: ApiKey } | undefined> {
  const result = await checkApiKey(db, token, now);
  return result.ok ? { user: result.user, key: result.key } : undefined;
}
