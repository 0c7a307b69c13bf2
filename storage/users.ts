/**
 * Users: accounts with a role, a daily build quota and a disabled flag.
 * Emails are stored trimmed and lower-cased, and are unique.
 *
 * @module
 */
import type { AuditContext } from "./audit.ts";
import { writeAudit } from "./audit.ts";
import { NotFoundError } from "./errors.ts";
import type { Db, UserRole, UserRow } from "./schema.ts";
import { inTransaction, isUuid, run } from "./_sql.ts";
import { omitUndefined } from "../runtime/optional.ts";

/** A user as the platform sees it. */
export interface User {
  /** The user's id (a UUID). */
  readonly id: string;
  /** Sign-in address, lower-cased and trimmed; unique. */
  readonly email: string;
  /** Display name. */
  readonly name: string;
  /** What the user may do (`user` or `admin`). */
  readonly role: UserRole;
  /** Builds the user may start per UTC day. */
  readonly dailyBuildQuota: number;
  /** True when the user may no longer sign in or use keys. */
  readonly disabled: boolean;
  /** When the user was created. */
  readonly createdAt: Date;
}

/** What {@link createUser} takes. */
export interface NewUser {
  /** Sign-in address; stored lower-cased and trimmed, must be unique. */
  readonly email: string;
  /** Display name. */
  readonly name: string;
  /** Role; default `user`. */
  readonly role?: UserRole;
  /** Builds per UTC day; default the schema's default. */
  readonly dailyBuildQuota?: number;
  /** Create the user already disabled; default false. */
  readonly disabled?: boolean;
  /** Optional fixed id (tests, imports); default generated. */
  readonly id?: string;
}

/** Fields {@link updateUser} may change. */
export interface UserPatch {
  /** New display name. */
  readonly name?: string;
  /** New role. */
  readonly role?: UserRole;
  /** New daily build quota. */
  readonly dailyBuildQuota?: number;
  /** Disable (true) or re-enable (false) the user. */
  readonly disabled?: boolean;
}

/** Trims and lower-cases an email the way it is stored. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Maps a row to a {@link User}. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    dailyBuildQuota: row.daily_build_quota,
    disabled: row.disabled,
    createdAt: row.created_at,
  };
}

/**
 * Creates a user and its `user.create` audit row in one transaction.
 * Throws DuplicateError for a taken email, ConstraintError for an invalid
 * role, email or over-long name.
 *
 * @example
 * ```ts
 * import { createUser } from "./users.ts";
 * // const ada = await createUser(db, { email: "ada@example.com", name: "Ada" }, { actorUserId: null });
 * ```
 */
export function createUser(
  db: Db,
  input: NewUser,
  audit: AuditContext,
): Promise<User> {
  return inTransaction(db, async (trx) => {
    const row = await trx.insertInto("users").values({
      ...omitUndefined({ id: input.id }),
      email: normalizeEmail(input.email),
      name: input.name,
      ...omitUndefined({
        role: input.role,
        daily_build_quota: input.dailyBuildQuota,
        disabled: input.disabled,
        created_at: audit.now,
      }),
    }).returningAll().executeTakeFirstOrThrow();
    await writeAudit(trx, audit, "user.create", row.id, {
      email: row.email,
      role: row.role,
    });
    return toUser(row);
  });
}

/** A user by id (admin and internal use; not scoped). */
export async function getUser(db: Db, id: string): Promise<User | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await run(() =>
    db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst()
  );
  return row && toUser(row);
}

/** A user by email (any case, surrounding spaces ignored). */
export async function getUserByEmail(
  db: Db,
  email: string,
): Promise<User | undefined> {
  const row = await run(() =>
    db.selectFrom("users").selectAll()
      .where("email", "=", normalizeEmail(email))
      .executeTakeFirst()
  );
  return row && toUser(row);
}

/** Paging for {@link listUsers}. */
export interface UserQuery {
  /** Only users with this role; absent: all. */
  readonly role?: UserRole;
  /** Default 100, at most 1000. */
  readonly limit?: number;
  /** Users to skip (for paging); default 0. */
  readonly offset?: number;
}

/** Users, oldest first (admin). */
export async function listUsers(
  db: Db,
  query: UserQuery = {},
): Promise<User[]> {
  let q = db.selectFrom("users").selectAll();
  if (query.role !== undefined) q = q.where("role", "=", query.role);
  const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
  const rows = await run(() =>
    q.orderBy("created_at", "asc").orderBy("id", "asc")
      .limit(limit).offset(Math.max(query.offset ?? 0, 0)).execute()
  );
  return rows.map(toUser);
}

/** How many users there are. */
export async function countUsers(db: Db): Promise<number> {
  const row = await run(() =>
    db.selectFrom("users").select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow()
  );
  return Number(row.n);
}

/**
 * Changes a user's name, role, quota or disabled flag, with a `user.update`
 * audit row listing the changes. NotFoundError if there is no such user.
 */
export function updateUser(
  db: Db,
  id: string,
  patch: UserPatch,
  audit: AuditContext,
): Promise<User> {
  return inTransaction(db, async (trx) => {
    if (!isUuid(id)) throw new NotFoundError("user", id);
    const set = {
      ...omitUndefined({
        name: patch.name,
        role: patch.role,
        daily_build_quota: patch.dailyBuildQuota,
        disabled: patch.disabled,
      }),
    };
    const row = Object.keys(set).length === 0
      ? await trx.selectFrom("users").selectAll().where("id", "=", id)
        .executeTakeFirst()
      : await trx.updateTable("users").set(set).where("id", "=", id)
        .returningAll().executeTakeFirst();
    if (row === undefined) throw new NotFoundError("user", id);
    await writeAudit(trx, audit, "user.update", id, patch);
    return toUser(row);
  });
}

/**
 * Deletes a user; their keys, builds, memories and analyses go with them
 * (ON DELETE CASCADE) and audit rows keep the action with a null actor.
 */
export function deleteUser(
  db: Db,
  id: string,
  audit: AuditContext,
): Promise<void> {
  return inTransaction(db, async (trx) => {
    if (!isUuid(id)) throw new NotFoundError("user", id);
    const row = await trx.deleteFrom("users").where("id", "=", id)
      .returning(["id", "email"]).executeTakeFirst();
    if (row === undefined) throw new NotFoundError("user", id);
    await writeAudit(
      trx,
      audit.actorUserId === id ? { ...audit, actorUserId: null } : audit,
      "user.delete",
      id,
      { email: row.email },
    );
  });
}
