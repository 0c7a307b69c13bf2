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

/** A user as the platform sees it. */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: UserRole;
  readonly dailyBuildQuota: number;
  readonly disabled: boolean;
  readonly createdAt: Date;
}

/** What {@link createUser} takes. */
export interface NewUser {
  readonly email: string;
  readonly name: string;
  readonly role?: UserRole;
  readonly dailyBuildQuota?: number;
  readonly disabled?: boolean;
  /** Optional fixed id (tests, imports); default generated. */
  readonly id?: string;
}

/** Fields {@link updateUser} may change. */
export interface UserPatch {
  readonly name?: string;
  readonly role?: UserRole;
  readonly dailyBuildQuota?: number;
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
      ...(input.id === undefined ? {} : { id: input.id }),
      email: normalizeEmail(input.email),
      name: input.name,
      ...(input.role === undefined ? {} : { role: input.role }),
      ...(input.dailyBuildQuota === undefined
        ? {}
        : { daily_build_quota: input.dailyBuildQuota }),
      ...(input.disabled === undefined ? {} : { disabled: input.disabled }),
      ...(audit.now === undefined ? {} : { created_at: audit.now }),
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
  readonly role?: UserRole;
  /** Default 100, at most 1000. */
  readonly limit?: number;
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
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.role === undefined ? {} : { role: patch.role }),
      ...(patch.dailyBuildQuota === undefined
        ? {}
        : { daily_build_quota: patch.dailyBuildQuota }),
      ...(patch.disabled === undefined ? {} : { disabled: patch.disabled }),
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
