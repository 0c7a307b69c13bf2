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
import type { ColumnType, Generated } from "kysely";
import type { Insertable, Kysely, Selectable } from "./_kysely_types.ts";

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
  /** Primary key, a UUID the database generates. */
  id: Generated<string>;
  /** Stored lower-cased and trimmed; unique. */
  email: string;
  /** Display name shown in the console and the bot. */
  name: string;
  /**
   * What the user may do: `user`, or `admin` for the operator routes (default
   * `user`).
   */
  role: ColumnType<UserRole, UserRole | undefined, UserRole>;
  /** Builds the user may start per UTC day. */
  daily_build_quota: ColumnType<number, number | undefined, number>;
  /** True when the user may no longer sign in or use keys (default false). */
  disabled: ColumnType<boolean, boolean | undefined, boolean>;
  /** When the user was created. */
  created_at: CreatedAt;
}

/** api_keys: only the visible prefix and the SHA-256 of the token are kept. */
export interface ApiKeysTable {
  /** Primary key, a UUID the database generates. */
  id: Generated<string>;
  /** The user (users.id) the key acts as. */
  user_id: string;
  /** The owner's label for the key. */
  name: string;
  /** The first characters of the token, kept to show and to look the key up. */
  prefix: string;
  /** Hex SHA-256 of the whole token; the token itself is never stored. */
  hash: string;
  /** Scopes the key grants (empty: the default set). */
  scopes: ColumnType<string[], string[] | undefined, string[]>;
  /** When the key last authenticated a request; null if never. */
  last_used_at: NullableTimestamp;
  /** When the key stops working; null: never. */
  expires_at: NullableTimestamp;
  /** When the key was revoked; null while it is live. */
  revoked_at: NullableTimestamp;
  /** When the key was created. */
  created_at: CreatedAt;
}

/** builds */
export interface BuildsTable {
  /** Primary key, a UUID the database generates. */
  id: Generated<string>;
  /** The user (users.id) who asked for the build. */
  user_id: string;
  /** Project name the build produces. */
  project: string;
  /** Programming language of the generated code (`typescript`, `python`). */
  language: string;
  /** What the user asked for, in their words. */
  requirements: string;
  /** Where the build is in its state machine (default `queued`). */
  status: ColumnType<BuildStatus, BuildStatus | undefined, BuildStatus>;
  /** Where the build was requested: the API or Telegram. */
  source: BuildSource;
  /** The chat model the build asked for; null: the configured OLLAMA_MODEL. */
  model: ColumnType<string | null, string | null | undefined, string | null>;
  /** The plan the workflow wrote; null until planning is done. */
  plan: NullableJsonColumn;
  /** The final outcome (test report, scores); null until the build ends. */
  result: NullableJsonColumn;
  /** The generated files as `{ path, content }` pairs; null until generated. */
  files: NullableJsonColumn;
  /** Why the build failed; null unless it failed. */
  error: ColumnType<string | null, string | null | undefined, string | null>;
  /** Generation attempts made so far (default 0). */
  attempts: ColumnType<number, number | undefined, number>;
  /** Highest build_events.seq of this build; advanced by appendBuildEvents. */
  last_event_seq: ColumnType<number, number | undefined, number>;
  /** Telegram chat to notify of progress; null for builds not from Telegram. */
  telegram_chat_id: ColumnType<
    number | null,
    number | null | undefined,
    number | null
  >;
  /** When the build was requested. */
  created_at: CreatedAt;
  /** When the row last changed. */
  updated_at: Timestamp;
  /** When the workflow first picked the build up; null while queued. */
  started_at: NullableTimestamp;
  /** When the build reached a terminal status; null before that. */
  finished_at: NullableTimestamp;
}

/** build_events: ordered per build by `seq` (1, 2, 3, ...). */
export interface BuildEventsTable {
  /** The build (builds.id) the event belongs to. */
  build_id: string;
  /** Position of the event within its build, from 1 without gaps. */
  seq: number;
  /** Kind of event (`status`, `log`, `tests`, ...). */
  type: string;
  /** The event's payload. */
  data: JsonColumn;
  /** When the event was appended. */
  created_at: CreatedAt;
}

/** code_analyses */
export interface CodeAnalysesTable {
  /** Primary key, a UUID the database generates. */
  id: Generated<string>;
  /** The build analysed; null for an ad-hoc analysis through the API. */
  build_id: string | null;
  /** The user (users.id) the analysis was made for. */
  user_id: string;
  /** Security score, 0-100, higher is better. */
  security: number;
  /** Quality score, 0-100, higher is better. */
  quality: number;
  /** Maintainability score, 0-100, higher is better. */
  maintainability: number;
  /** The findings behind the scores (rule, severity, place, message). */
  findings: JsonColumn;
  /** When the analysis was made. */
  created_at: CreatedAt;
}

/** vector_memories: what lives in Chroma, so it can be cleaned up. */
export interface VectorMemoriesTable {
  /** Primary key, a UUID the database generates. */
  id: Generated<string>;
  /** Chroma collection that holds the vector. */
  collection: string;
  /** The vector's id inside that collection. */
  chroma_id: string;
  /** Owner of the memory; null for shared documents. */
  user_id: string | null;
  /** Build the memory came from; null if none. */
  build_id: string | null;
  /** SHA-256 of the embedded text, to skip re-embedding the same content. */
  content_hash: string;
  /** Embedding model that produced the vector. */
  model: string;
  /** Length of the vector. */
  dimensions: number;
  /** When the vector was stored. */
  created_at: CreatedAt;
}

/** memories: a user's long-term key/value memory, with optional expiry. */
export interface MemoriesTable {
  /** Primary key, a UUID the database generates. */
  id: Generated<string>;
  /** The user (users.id) whose memory this is. */
  user_id: string;
  /** The memory's name, unique per user. */
  key: string;
  /** The remembered value. */
  value: JsonColumn;
  /** When the memory is forgotten; null: kept until deleted. */
  expires_at: NullableTimestamp;
  /** When the key was first written. */
  created_at: CreatedAt;
  /** When the value was last written. */
  updated_at: Timestamp;
}

/** telegram_users: a Telegram account, optionally linked to a user. */
export interface TelegramUsersTable {
  /** Telegram's id of the account; primary key. */
  telegram_user_id: number;
  /** The private chat the bot talks to the account in. */
  chat_id: number;
  /** The Troupe user (users.id) the account is linked to; null until linked. */
  user_id: string | null;
  /** Telegram @username without the @, if the account has one. */
  username: string | null;
  /** When the account was linked; null until linked. */
  linked_at: NullableTimestamp;
}

/** telegram_link_codes: single-use codes with expiry. */
export interface TelegramLinkCodesTable {
  /** The code the user sends to the bot; primary key. */
  code: string;
  /** The user (users.id) the code links an account to. */
  user_id: string;
  /** When the code stops being accepted. */
  expires_at: Date;
  /** When the code was redeemed; null while unused. */
  used_at: NullableTimestamp;
  /** When the code was issued. */
  created_at: CreatedAt;
}

/** audit_logs */
export interface AuditLogsTable {
  /** Primary key, an increasing number (the log's order). */
  id: Generated<number>;
  /** The user who did it; null for the system or an anonymous caller. */
  actor_user_id: string | null;
  /** What was done (`apikey.create`, `user.role`, ...). */
  action: string;
  /** What it was done to (an id or a name); null if nothing in particular. */
  target: string | null;
  /** Extra facts about the action; null if none. */
  details: NullableJsonColumn;
  /** Client IP address of the request; null outside HTTP. */
  ip: string | null;
  /** When the action happened. */
  created_at: CreatedAt;
}

/** actor_state: the runtime's durable actor snapshots. */
export interface ActorStateTable {
  /** Actor kind (the behaviour's name); with `id`, the primary key. */
  kind: string;
  /** Actor id within its kind. */
  id: string;
  /** The actor's state after its last committed turn. */
  state: JsonColumn;
  /** Bumped on every write, for compare-and-set. */
  version: number;
  /**
   * Sequence number of the last message applied (later duplicates are skipped).
   */
  last_seq: number;
  /**
   * Fencing token of the lease holder that wrote last; older holders are
   * refused.
   */
  fence: number;
  /** When the state was last written. */
  updated_at: Timestamp;
}

/** actor_mailboxes: per actor, the PostgreSQL transport's seq counter and lease. */
export interface ActorMailboxesTable {
  /** Actor kind; with `id`, the primary key. */
  kind: string;
  /** Actor id within its kind. */
  id: string;
  /** Sequence number the next posted message gets. */
  next_seq: Generated<number>;
  /** Fencing token, bumped each time the lease changes hands. */
  fence: Generated<number>;
  /** Node that holds the drain lease; null when free. */
  lease_node: string | null;
  /** Epoch ms when the lease lapses; null when free. */
  lease_expires_at: number | null;
  /** True when messages arrived that no holder has drained yet. */
  owed: Generated<boolean>;
}

/** telegram_pollers: per bot, the long-polling lease and confirmed offset (bot/polling.ts). */
export interface TelegramPollersTable {
  /** The bot's id (the number before ":" in its token). */
  bot_id: number;
  /** Fencing token, bumped whenever the lease changes hands. */
  fence: Generated<number>;
  /** The holder's node id; null when free. */
  owner: string | null;
  /** Lease expiry in ms on the nodes' clocks; null when free. */
  expires_at: number | null;
  /** The next update id to fetch; null until the first commit. */
  update_offset: number | null;
  /** Last write. */
  updated_at: Timestamp;
}

/** actor_messages: mailbox entries of the PostgreSQL transport. */
export interface ActorMessagesTable {
  /** Actor kind of the addressee. */
  kind: string;
  /** Actor id of the addressee. */
  id: string;
  /** The message's place in the actor's mailbox. */
  seq: number;
  /** The message with its sender, reply address and metadata. */
  envelope: JsonColumn;
}

/** actor_reminders: delayed posts of the PostgreSQL transport. */
export interface ActorRemindersTable {
  /** Primary key, an increasing number. */
  id: Generated<number>;
  /** Epoch ms at which the envelope is posted. */
  deliver_at: number;
  /** The message to post, addressed. */
  envelope: JsonColumn;
}

/** actor_replies: replies too large for a NOTIFY payload. */
export interface ActorRepliesTable {
  /** Primary key, an increasing number (carried in the NOTIFY). */
  id: Generated<number>;
  /** Node waiting for the reply. */
  node: string;
  /** The reply itself. */
  reply: JsonColumn;
  /** When the reply was stored (old rows are swept). */
  created_at: Generated<Timestamp>;
}

/** dead_letters: messages that failed too often. */
export interface DeadLettersTable {
  /** Primary key, an increasing number. */
  id: Generated<number>;
  /** Actor kind the message was for. */
  kind: string;
  /** Actor id the message was for. */
  actor_id: string;
  /** The message's sequence number in that actor's mailbox. */
  seq: number;
  /** The message that failed. */
  message: JsonColumn;
  /** The last error it raised. */
  error: string;
  /** How many times it was tried. */
  attempts: number;
  /** When it was given up on. */
  created_at: CreatedAt;
}

/** evals: eval harness runs started through the API (eval/). */
export interface EvalsTable {
  /** Primary key, a UUID the database generates. */
  id: Generated<string>;
  /** The user who started the run; null if that user is gone. */
  created_by: string | null;
  /** Where the run is (default `running`). */
  status: ColumnType<EvalStatus, EvalStatus | undefined, EvalStatus>;
  /** The run's settings (models, tasks, repeats). */
  settings: JsonColumn;
  /** Tasks done so far out of all; null before the first. */
  progress: NullableJsonColumn;
  /** The finished report; null until the run succeeds. */
  report: NullableJsonColumn;
  /** Why the run failed; null unless it failed. */
  error: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the run started. */
  created_at: CreatedAt;
  /** When the run ended; null while running. */
  finished_at: NullableTimestamp;
}

/** cluster_nodes: each node's published runtime figures (see actors/metrics/figures.ts). */
export interface ClusterNodesTable {
  /** The publishing node's id. */
  node_id: string;
  /** When that node started. */
  started_at: Timestamp;
  /** When it last published; rows older than a cut-off are pruned. */
  last_seen: Timestamp;
  /** Its published runtime figures (validated by the reader). */
  figures: JsonColumn;
}

/** Status of an eval run. */
export type EvalStatus = "running" | "succeeded" | "failed";

/** The whole schema, as Kysely sees it. */
export interface Schema {
  /** Accounts of people who use Troupe. */
  users: UsersTable;
  /** API keys, stored as prefix and hash. */
  api_keys: ApiKeysTable;
  /** Builds and their outcome. */
  builds: BuildsTable;
  /** Each build's ordered event log. */
  build_events: BuildEventsTable;
  /** Code analysis results. */
  code_analyses: CodeAnalysesTable;
  /** Index of the vectors kept in Chroma. */
  vector_memories: VectorMemoriesTable;
  /** Users' key/value memories. */
  memories: MemoriesTable;
  /** Telegram accounts the bot knows. */
  telegram_users: TelegramUsersTable;
  /** One-time codes that link a Telegram account to a user. */
  telegram_link_codes: TelegramLinkCodesTable;
  /** The audit log of security-relevant actions. */
  audit_logs: AuditLogsTable;
  /** Durable actor snapshots. */
  actor_state: ActorStateTable;
  /** Messages given up on after too many failures. */
  dead_letters: DeadLettersTable;
  /** Per-actor mailbox counters and leases of the PostgreSQL transport. */
  actor_mailboxes: ActorMailboxesTable;
  /** Mailbox entries of the PostgreSQL transport. */
  actor_messages: ActorMessagesTable;
  /** Delayed posts of the PostgreSQL transport. */
  actor_reminders: ActorRemindersTable;
  /** Replies too large for a NOTIFY payload. */
  actor_replies: ActorRepliesTable;
  /** Runs of the eval harness. */
  evals: EvalsTable;
  /** The Telegram long-polling lease and confirmed offset, per bot. */
  telegram_pollers: TelegramPollersTable;
  /** Each node's published runtime figures. */
  cluster_nodes: ClusterNodesTable;
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
  "telegram_pollers",
  "cluster_nodes",
];
