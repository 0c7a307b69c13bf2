/**
 * `user:create`, `user:list`, `user:role`, `apikey:create`, `apikey:revoke`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from "../storage/api_keys.ts";
import { NotFoundError } from "../storage/errors.ts";
import { USER_ROLES, type UserRole } from "../storage/schema.ts";
import {
  createUser,
  getUserByEmail,
  listUsers,
  updateUser,
} from "../storage/users.ts";
import type { Db } from "../storage/schema.ts";
import { type Command, table, UsageError, withDatabase } from "./_context.ts";

const CLI = { actorUserId: null } as const;

async function userByEmail(db: Db, email: string) {
  const user = await getUserByEmail(db, email);
  if (!user) throw new NotFoundError("user", email);
  return user;
}

function role(value: string | undefined): UserRole {
  if (!USER_ROLES.includes(value as UserRole)) {
    throw new UsageError(
      `role must be one of ${USER_ROLES.join(", ")}, got "${value ?? ""}"`,
    );
  }
  return value as UserRole;
}

/** `deno task user:create <email> [--name N] [--admin] [--quota N]`: creates a user and its first API key. */
export const userCreate: Command = async (args, { config, write, node }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      admin: { type: "boolean" },
      quota: { type: "string" },
    },
  });
  const email = positionals[0];
  if (!email) {
    throw new UsageError(
      "usage: deno task user:create <email> [--name NAME] [--admin] [--quota N]",
    );
  }
  const quota = values.quota === undefined
    ? config.DEFAULT_DAILY_QUOTA
    : Number(values.quota);
  if (!Number.isInteger(quota) || quota < 0) {
    throw new UsageError(`--quota must be a whole number >= 0`);
  }
  return await withDatabase(config, async ({ db }) => {
    const { user, token } = await db.transaction().execute(async (trx) => {
      const user = await createUser(trx, {
        email,
        name: values.name ?? email.split("@")[0] ?? email,
        role: values.admin ? "admin" : "user",
        dailyBuildQuota: quota,
      }, CLI);
      const { token } = await createApiKey(trx, {
        userId: user.id,
        name: "created with user:create",
      }, CLI);
      return { user, token };
    });
    write(
      `created ${user.role} ${user.email} (${user.id}), daily quota ${user.dailyBuildQuota}`,
    );
    write(`API key (shown once): ${token}`);
    return 0;
  }, node);
};

/** `deno task user:list`. */
export const userList: Command = async (_args, { config, write, node }) =>
  await withDatabase(config, async ({ db }) => {
    const users = await listUsers(db, { limit: 1000 });
    write(table(users.map((u) => ({
      email: u.email,
      role: u.role,
      quota: u.dailyBuildQuota,
      disabled: u.disabled,
      id: u.id,
      created: u.createdAt,
    }))));
    return 0;
  }, node);

/** `deno task user:role <email> <user|admin>`. */
export const userRole: Command = async (args, { config, write, node }) => {
  const [email, value] = args;
  if (!email || !value) {
    throw new UsageError("usage: deno task user:role <email> <user|admin>");
  }
  const newRole = role(value);
  return await withDatabase(config, async ({ db }) => {
    const user = await userByEmail(db, email);
    await updateUser(db, user.id, { role: newRole }, CLI);
    write(`${user.email} is now ${newRole}`);
    return 0;
  }, node);
};

/** `deno task apikey:create <email> [--name N] [--expires-days D]`. */
export const apiKeyCreate: Command = async (args, { config, write, node }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: "string" }, "expires-days": { type: "string" } },
  });
  const email = positionals[0];
  if (!email) {
    throw new UsageError(
      "usage: deno task apikey:create <email> [--name NAME] [--expires-days N]",
    );
  }
  const days = values["expires-days"] === undefined
    ? undefined
    : Number(values["expires-days"]);
  if (days !== undefined && !(days > 0)) {
    throw new UsageError("--expires-days must be a positive number");
  }
  return await withDatabase(config, async ({ db }) => {
    const user = await userByEmail(db, email);
    const { key, token } = await createApiKey(
      db,
      {
        userId: user.id,
        name: values.name ?? "created with apikey:create",
        expiresAt: days === undefined
          ? null
          : new Date(Date.now() + days * 86_400_000),
      },
      CLI,
      { maxActive: config.MAX_API_KEYS_PER_USER },
    );
    write(
      `created key ${key.prefix} (${key.id}) for ${user.email}${
        key.expiresAt ? `, expires ${key.expiresAt.toISOString()}` : ""
      }`,
    );
    write(`API key (shown once): ${token}`);
    return 0;
  }, node);
};

/** `deno task apikey:revoke <email> <key id or prefix>`. */
export const apiKeyRevoke: Command = async (args, { config, write, node }) => {
  const [email, which] = args;
  if (!email || !which) {
    throw new UsageError(
      "usage: deno task apikey:revoke <email> <key id or prefix>",
    );
  }
  return await withDatabase(config, async ({ db }) => {
    const user = await userByEmail(db, email);
    const key = (await listApiKeys(db, user.id)).find((k) =>
      k.id === which || k.prefix === which
    );
    if (!key) throw new NotFoundError("api key", which);
    await revokeApiKey(db, user.id, key.id, CLI);
    write(`revoked ${key.prefix} of ${user.email}`);
    return 0;
  }, node);
};
