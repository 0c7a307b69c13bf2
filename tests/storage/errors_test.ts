import { assert } from "../deps.ts";
import {
  ConcurrencyError,
  ConstraintError,
  DatabaseUnavailableError,
  DuplicateError,
  MissingReferenceError,
  StorageWriteError,
  storageWriteErrorOf,
  toStorageError,
} from "../../storage/errors.ts";

const pgError = (code: string, extra: Record<string, string> = {}) =>
  Object.assign(new Error(`pg says ${code}`), { code, ...extra });

Deno.test("PostgreSQL error codes become typed storage errors carrying their context", () => {
  const dup = toStorageError(
    pgError("23505", {
      table: "users",
      constraint: "users_email_unique",
      detail: "Key (email)=(a@b.c) already exists.",
    }),
  );
  assert.ok(dup instanceof DuplicateError);
  assert.equal(dup.table, "users");
  assert.equal(dup.constraint, "users_email_unique");
  assert.match(dup.message, /users_email_unique/);
  const checks: [string, string][] = [
    ["23514", "check"],
    ["23502", "not_null"],
    ["22001", "too_long"],
    ["22P02", "invalid_text"],
    [
      "22003",
      "out_of_range",
    ],
    ["22P05", "invalid_json"],
  ];
  for (const [code, reason] of checks) {
    const e = toStorageError(
      pgError(code, { table: "builds", constraint: "c" }),
    );
    assert.ok(e instanceof ConstraintError, code);
    assert.equal(e.reason, reason);
    assert.equal(e.table, "builds");
  }
  assert.ok(
    toStorageError(pgError("23503", { table: "builds" })) instanceof
      MissingReferenceError,
  );
  assert.ok(toStorageError(pgError("40P01")) instanceof ConcurrencyError);
  assert.ok(toStorageError(pgError("40001")) instanceof ConcurrencyError);
  const down = toStorageError(
    pgError("ECONNREFUSED"),
    "postgres://db:5432/troupe",
  );
  assert.ok(down instanceof DatabaseUnavailableError);
  assert.match(down.message, /postgres:\/\/db:5432\/troupe/);
  // Anything else passes through untouched.
  const other = new TypeError("x");
  assert.equal(toStorageError(other), other);
  assert.equal(toStorageError("s"), "s");
  const unknownCode = pgError("XX000");
  assert.equal(toStorageError(unknownCode), unknownCode);
});

Deno.test("writes refused for want of space become StorageWriteErrors naming the store", () => {
  const pg = toStorageError(
    Object.assign(new Error("could not extend file: No space left on device"), {
      code: "53100",
    }),
  );
  assert.ok(pg instanceof StorageWriteError);
  assert.equal(pg.store, "postgres");
  assert.match(pg.message, /^cannot write to PostgreSQL: could not extend/);

  const kv = storageWriteErrorOf(new TypeError("database or disk is full"));
  assert.equal(kv?.store, "kv");
  assert.equal(
    kv?.message,
    "cannot write to Deno KV: database or disk is full",
  );

  assert.equal(storageWriteErrorOf(new Error("something else")), undefined);
  assert.equal(
    storageWriteErrorOf({ code: "23505", message: "duplicate" }),
    undefined,
  );
});
