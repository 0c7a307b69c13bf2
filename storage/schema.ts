/**
 * Kysely table types for Troupe's PostgreSQL schema, in one place. The SQL
 * lives in storage/migrations/; keep the two in step.
 *
 * Conventions: `int8`/`bigint` columns arrive as JS numbers (db.ts installs a
 * parser that refuses values beyond Number.MAX_SAFE_INTEGER), `timestamptz`
 * as `Date`, `jsonb` as parsed JSON. JSON values are written as strings (see
 * `json()` in _sql.ts) because node-postgres would turn JS arrays into
 * PostgreSQL arrays.
 *
 * @module
 */
import type {
  ColumnType,
  Generated,
  Insertable,
  Kysely,
  Selectable,
} from "kysely";

/** A JSON value as stored in a jsonb column. */
export type Json =
  | string
  | number
  | boolean
  | null
  | Json[]
  | { [key: string]: Json };

/** jsonb column: read as parsed JSON, written as a JSON string. */
export type JsonColumn<T = unknown> = ColumnType<T, string, string>;
/** Nullable jsonb column. */
export type NullableJsonColumn<T = unknown> = ColumnType<
  T | null,
  string | null | undefined,
  string | null
>;
/** timestamptz with a database default. */
export type CreatedAt = ColumnType<Date, Date | undefined, never>;
/** timestamptz that may be updated. */
export type Timestamp = ColumnType<Date, Date | undefined, Date>;
/** Nullable timestamptz. */
export type NullableTimestamp = ColumnType<
  Date | null,
  Date | null | undefined,
  Date | null
>;

/** Roles a user may have. */
export const USER_ROLES = ["user", "admin"] as const;
/** A user's role. */
export type UserRole = typeof USER_ROLES[number];

/** Every status of the build state machine (ARCHITECTURE §3). */
export const BUILD_STATUSES = [
  "queued",
  "analyzing",
  "planning",
  "generating",
  "testing",
  "finalizing",
  "succeeded",
  "failed",
  "cancelled",
] as const;
/** A build's status. */
export type BuildStatus = typeof BUILD_STATUSES[number];
/**
 * Statuses after which a build never changes again: the one answer to "is
 * the build finished" (the status machine, the repositories, the routes and
 * the CLI all ask {@linkcode isTerminalStatus}).
 */
export const TERMINAL_BUILD_STATUSES: readonly BuildStatus[] = [
  "succeeded",
  "failed",
  "cancelled",
];

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_BUILD_STATUSES);

/**
 * Whether a build in `status` is finished (succeeded, failed or cancelled).
 * Accepts any string so clients holding a status from the wire (the CLI,
 * SSE readers) ask the same question; unknown strings are not final.
 *
 * @example
 * ```ts
 * import { isTerminalStatus } from "./schema.ts";
 * console.assert(isTerminalStatus("cancelled"));
 * console.assert(!isTerminalStatus("testing"));
 * ```
 */
export function isTerminalStatus(status: string | undefined): boolean {
  return status !== undefined && TERMINAL.has(status);
}

/** Where a build was requested. */
export const BUILD_SOURCES = ["api", "telegram"] as const;
/** A build's source. */
export type BuildSource = typeof BUILD_SOURCES[number];

/** Length limits enforced by CHECK constraints (and worth checking earlier). */
export const LIMITS = {
  email: 320,
  userName: 200,
  apiKeyName: 100,
  apiKeyScopes: 32,
  project: 200,
  language: 50,
  requirements: 20_000,
  /** An Ollama model name (`qwen2.5-coder:7b`, `hf.co/org/repo:Q4_K_M`). */
  model: 200,
  buildError: 10_000,
  eventType: 100,
  memoryKey: 200,
  auditAction: 100,
  auditTarget: 500,
  actorKind: 100,
  actorId: 500,
  collection: 100,
  chromaId: 500,
  telegramUsername: 64,
  linkCode: 64,
  ip: 64,
} as const;

/** users */
export interface UsersTable {
  id: Generated<string>;
  /** Stored lower-cased and trimmed; unique. */
  email: string;
  name: string;
  role: ColumnType<UserRole, UserRole | undefined, UserRole>;
  daily_build_quota: ColumnType<number, number | undefined, number>;
  disabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

/** api_keys: only the visible prefix and the SHA-256 of the token are kept. */
export interface ApiKeysTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: ColumnType<string[], string[] | undefined, string[]>;
  last_used_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: CreatedAt;
}

/** builds */
export interface BuildsTable {
  id: Generated<string>;
  user_id: string;
  project: string;
  language: string;
  requirements: string;
  status: ColumnType<BuildStatus, BuildStatus | undefined, BuildStatus>;
  source: BuildSource;
  /** The chat model the build asked for; null: the configured OLLAMA_MODEL. */
  model: ColumnType<string | null, string | null | undefined, string | null>;
  plan: NullableJsonColumn;
  result: NullableJsonColumn;
  files: NullableJsonColumn;
  error: ColumnType<string | null, string | null | undefined, string | null>;
  attempts: ColumnType<number, number | undefined, number>;
  /** Highest build_events.seq of this build; advanced by appendBuildEvents. */
  last_event_seq: ColumnType<number, number | undefined, number>;
  telegram_chat_id: ColumnType<
    number | null,
    number | null | undefined,
    number | null
  >;
  created_at: CreatedAt;
  updated_at: Timestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

/** build_events: ordered per build by `seq` (1, 2, 3, ...). */
export interface BuildEventsTable {
  build_id: string;
  seq: number;
  type: string;
  data: JsonColumn;
  created_at: CreatedAt;
}

/** code_analyses */
export interface CodeAnalysesTable {
  id: Generated<string>;
  build_id: string | null;
  user_id: string;
  security: number;
  quality: number;
  maintainability: number;
  findings: JsonColumn;
  created_at: CreatedAt;
}

/** vector_memories: what lives in Chroma, so it can be cleaned up. */
export interface VectorMemoriesTable {
  id: Generated<string>;
  collection: string;
  chroma_id: string;
  user_id: string | null;
  build_id: string | null;
  content_hash: string;
  model: string;
  dimensions: number;
  created_at: CreatedAt;
}

/** memories: a user's long-term key/value memory, with optional expiry. */
export interface MemoriesTable {
  id: Generated<string>;
  user_id: string;
  key: string;
  value: JsonColumn;
  expires_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** telegram_users: a Telegram account, optionally linked to a user. */
export interface TelegramUsersTable {
  telegram_user_id: number;
  chat_id: number;
  user_id: string | null;
  username: string | null;
  linked_at: NullableTimestamp;
}

/** telegram_link_codes: single-use codes with expiry. */
export interface TelegramLinkCodesTable {
  code: string;
  user_id: string;
  expires_at: Date;
  used_at: NullableTimestamp;
  created_at: CreatedAt;
}

/** audit_logs */
export interface AuditLogsTable {
  id: Generated<number>;
  actor_user_id: string | null;
  action: string;
  target: string | null;
  details: NullableJsonColumn;
  ip: string | null;
  created_at: CreatedAt;
}

/** actor_state: the runtime's durable actor snapshots. */
export interface ActorStateTable {
  kind: string;
  id: string;
  state: JsonColumn;
  version: number;
  last_seq: number;
  fence: number;
  updated_at: Timestamp;
}

/** actor_mailboxes: per actor, the PostgreSQL transport's seq counter and lease. */
export interface ActorMailboxesTable {
  kind: string;
  id: string;
  next_seq: Generated<number>;
  fence: Generated<number>;
  lease_node: string | null;
  lease_expires_at: number | null;
  owed: Generated<boolean>;
}

/** actor_messages: mailbox entries of the PostgreSQL transport. */
export interface ActorMessagesTable {
  kind: string;
  id: string;
  seq: number;
  envelope: JsonColumn;
}

/** actor_reminders: delayed posts of the PostgreSQL transport. */
export interface ActorRemindersTable {
  id: Generated<number>;
  deliver_at: number;
  envelope: JsonColumn;
}

/** actor_replies: replies too large for a NOTIFY payload. */
export interface ActorRepliesTable {
  id: Generated<number>;
  node: string;
  reply: JsonColumn;
  created_at: Generated<Timestamp>;
}

/** dead_letters: messages that failed too often. */
export interface DeadLettersTable {
  id: Generated<number>;
  kind: string;
  actor_id: string;
  seq: number;
  message: JsonColumn;
  error: string;
  attempts: number;
  created_at: CreatedAt;
}

/** evals: eval harness runs started through the API (eval/). */
export interface EvalsTable {
  id: Generated<string>;
  created_by: string | null;
  status: ColumnType<EvalStatus, EvalStatus | undefined, EvalStatus>;
  settings: JsonColumn;
  progress: NullableJsonColumn;
  report: NullableJsonColumn;
  error: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  finished_at: NullableTimestamp;
}

/** Status of an eval run. */
export type EvalStatus = "running" | "succeeded" | "failed";

/** The whole schema, as Kysely sees it. */
export interface Schema {
  users: UsersTable;
  api_keys: ApiKeysTable;
  builds: BuildsTable;
  build_events: BuildEventsTable;
  code_analyses: CodeAnalysesTable;
  vector_memories: VectorMemoriesTable;
  memories: MemoriesTable;
  telegram_users: TelegramUsersTable;
  telegram_link_codes: TelegramLinkCodesTable;
  audit_logs: AuditLogsTable;
  actor_state: ActorStateTable;
  dead_letters: DeadLettersTable;
  actor_mailboxes: ActorMailboxesTable;
  actor_messages: ActorMessagesTable;
  actor_reminders: ActorRemindersTable;
  actor_replies: ActorRepliesTable;
  evals: EvalsTable;
}

/** A Kysely instance (or transaction) over {@link Schema}. */
export type Db = Kysely<Schema>;

/** Row types, as read. */
export type UserRow = Selectable<UsersTable>;
/** An api_keys row. */
export type ApiKeyRow = Selectable<ApiKeysTable>;
/** A builds row. */
export type BuildRow = Selectable<BuildsTable>;
/** A build_events row. */
export type BuildEventRow = Selectable<BuildEventsTable>;
/** A code_analyses row. */
export type CodeAnalysisRow = Selectable<CodeAnalysesTable>;
/** A vector_memories row. */
export type VectorMemoryRow = Selectable<VectorMemoriesTable>;
/** A memories row. */
export type MemoryRow = Selectable<MemoriesTable>;
/** A telegram_users row. */
export type TelegramUserRow = Selectable<TelegramUsersTable>;
/** A telegram_link_codes row. */
export type TelegramLinkCodeRow = Selectable<TelegramLinkCodesTable>;
/** An audit_logs row. */
export type AuditLogRow = Selectable<AuditLogsTable>;
/** A dead_letters row. */
export type DeadLetterRow = Selectable<DeadLettersTable>;
/** Insertable builds row. */
export type NewBuildRow = Insertable<BuildsTable>;

/** Every table, children before parents (a safe order for TRUNCATE/DROP). */
export const TABLES: readonly (keyof Schema)[] = [
  "evals",
  "build_events",
  "code_analyses",
  "vector_memories",
  "memories",
  "telegram_link_codes",
  "telegram_users",
  "api_keys",
  "audit_logs",
  "builds",
  "users",
  "actor_state",
  "dead_letters",
  "actor_messages",
  "actor_mailboxes",
  "actor_reminders",
  "actor_replies",
];
