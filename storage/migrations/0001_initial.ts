/**
 * The platform's first schema: users, keys, builds and their events,
 * analyses, vector bookkeeping, memories, Telegram links, audit trail and the
 * runtime's actor state and dead letters.
 *
 * Frozen: limits are written out here (not imported from schema.ts) so a later
 * change to LIMITS needs a new migration rather than silently editing this one.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

const upSql: string[] = [
  `CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    name text NOT NULL,
    role text NOT NULL DEFAULT 'user',
    daily_build_quota integer NOT NULL DEFAULT 50,
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_unique UNIQUE (email),
    CONSTRAINT users_email_check CHECK (
      char_length(email) BETWEEN 3 AND 320 AND email = lower(btrim(email))
      AND position('@' IN email) > 1),
    CONSTRAINT users_name_check CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT users_role_check CHECK (role IN ('user', 'admin')),
    CONSTRAINT users_daily_build_quota_check CHECK (daily_build_quota >= 0)
  )`,

  `CREATE TABLE api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    prefix text NOT NULL,
    hash text NOT NULL,
    scopes text[] NOT NULL DEFAULT '{}',
    last_used_at timestamptz,
    expires_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT api_keys_prefix_unique UNIQUE (prefix),
    CONSTRAINT api_keys_name_check CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT api_keys_prefix_check CHECK (prefix ~ '^[a-z0-9]{8}$'),
    CONSTRAINT api_keys_hash_check CHECK (hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT api_keys_scopes_check CHECK (cardinality(scopes) <= 32)
  )`,
  `CREATE INDEX api_keys_user_id_idx ON api_keys (user_id, created_at DESC)`,

  `CREATE TABLE builds (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project text NOT NULL,
    language text NOT NULL,
    requirements text NOT NULL,
    status text NOT NULL DEFAULT 'queued',
    source text NOT NULL,
    plan jsonb,
    result jsonb,
    files jsonb,
    error text,
    attempts integer NOT NULL DEFAULT 0,
    last_event_seq integer NOT NULL DEFAULT 0,
    telegram_chat_id bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    CONSTRAINT builds_project_check CHECK (char_length(project) BETWEEN 1 AND 200),
    CONSTRAINT builds_language_check CHECK (char_length(language) BETWEEN 1 AND 50),
    CONSTRAINT builds_requirements_check CHECK (char_length(requirements) <= 20000),
    CONSTRAINT builds_status_check CHECK (status IN ('queued', 'analyzing', 'planning',
      'generating', 'testing', 'finalizing', 'succeeded', 'failed', 'cancelled')),
    CONSTRAINT builds_source_check CHECK (source IN ('api', 'telegram')),
    CONSTRAINT builds_error_check CHECK (char_length(error) <= 10000),
    CONSTRAINT builds_attempts_check CHECK (attempts >= 0)
  )`,
  `CREATE INDEX builds_user_id_created_at_idx ON builds (user_id, created_at DESC, id DESC)`,
  `CREATE INDEX builds_status_idx ON builds (status)`,

  `CREATE TABLE build_events (
    build_id uuid NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    type text NOT NULL,
    data jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (build_id, seq),
    CONSTRAINT build_events_seq_check CHECK (seq > 0),
    CONSTRAINT build_events_type_check CHECK (char_length(type) BETWEEN 1 AND 100)
  )`,
  `CREATE INDEX build_events_created_at_idx ON build_events (created_at)`,

  `CREATE TABLE code_analyses (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    build_id uuid REFERENCES builds (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    security integer NOT NULL,
    quality integer NOT NULL,
    maintainability integer NOT NULL,
    findings jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT code_analyses_security_check CHECK (security BETWEEN 0 AND 100),
    CONSTRAINT code_analyses_quality_check CHECK (quality BETWEEN 0 AND 100),
    CONSTRAINT code_analyses_maintainability_check CHECK (maintainability BETWEEN 0 AND 100)
  )`,
  `CREATE UNIQUE INDEX code_analyses_build_id_unique ON code_analyses (build_id)
    WHERE build_id IS NOT NULL`,
  `CREATE INDEX code_analyses_user_id_idx ON code_analyses (user_id, created_at DESC)`,

  `CREATE TABLE vector_memories (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    collection text NOT NULL,
    chroma_id text NOT NULL,
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    build_id uuid REFERENCES builds (id) ON DELETE CASCADE,
    content_hash text NOT NULL,
    model text NOT NULL,
    dimensions integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT vector_memories_collection_chroma_id_unique UNIQUE (collection, chroma_id),
    CONSTRAINT vector_memories_collection_check CHECK (char_length(collection) BETWEEN 1 AND 100),
    CONSTRAINT vector_memories_chroma_id_check CHECK (char_length(chroma_id) BETWEEN 1 AND 500),
    CONSTRAINT vector_memories_dimensions_check CHECK (dimensions > 0)
  )`,
  `CREATE INDEX vector_memories_build_id_idx ON vector_memories (build_id) WHERE build_id IS NOT NULL`,
  `CREATE INDEX vector_memories_user_id_idx ON vector_memories (user_id) WHERE user_id IS NOT NULL`,

  `CREATE TABLE memories (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key text NOT NULL,
    value jsonb NOT NULL,
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT memories_user_id_key_unique UNIQUE (user_id, key),
    CONSTRAINT memories_key_check CHECK (char_length(key) BETWEEN 1 AND 200)
  )`,
  `CREATE INDEX memories_expires_at_idx ON memories (expires_at) WHERE expires_at IS NOT NULL`,

  `CREATE TABLE telegram_users (
    telegram_user_id bigint PRIMARY KEY,
    chat_id bigint NOT NULL,
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    username text,
    linked_at timestamptz,
    CONSTRAINT telegram_users_username_check CHECK (char_length(username) <= 64)
  )`,
  `CREATE INDEX telegram_users_user_id_idx ON telegram_users (user_id) WHERE user_id IS NOT NULL`,

  `CREATE TABLE telegram_link_codes (
    code text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT telegram_link_codes_code_check CHECK (char_length(code) BETWEEN 4 AND 64)
  )`,
  `CREATE INDEX telegram_link_codes_user_id_idx ON telegram_link_codes (user_id)`,
  `CREATE INDEX telegram_link_codes_expires_at_idx ON telegram_link_codes (expires_at)`,

  `CREATE TABLE audit_logs (
    id bigserial PRIMARY KEY,
    actor_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    action text NOT NULL,
    target text,
    details jsonb,
    ip text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audit_logs_action_check CHECK (char_length(action) BETWEEN 1 AND 100),
    CONSTRAINT audit_logs_target_check CHECK (char_length(target) <= 500),
    CONSTRAINT audit_logs_ip_check CHECK (char_length(ip) <= 64)
  )`,
  `CREATE INDEX audit_logs_created_at_idx ON audit_logs (created_at)`,
  `CREATE INDEX audit_logs_actor_user_id_created_at_idx ON audit_logs (actor_user_id, created_at)`,
  `CREATE INDEX audit_logs_action_idx ON audit_logs (action)`,

  `CREATE TABLE actor_state (
    kind text NOT NULL,
    id text NOT NULL,
    state jsonb NOT NULL,
    version integer NOT NULL,
    last_seq bigint NOT NULL,
    fence bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, id),
    CONSTRAINT actor_state_kind_check CHECK (char_length(kind) BETWEEN 1 AND 100),
    CONSTRAINT actor_state_id_check CHECK (char_length(id) BETWEEN 1 AND 500),
    CONSTRAINT actor_state_version_check CHECK (version > 0),
    CONSTRAINT actor_state_last_seq_check CHECK (last_seq >= 0)
  )`,

  `CREATE TABLE dead_letters (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    actor_id text NOT NULL,
    seq bigint NOT NULL,
    message jsonb NOT NULL,
    error text NOT NULL,
    attempts integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX dead_letters_kind_idx ON dead_letters (kind, id)`,
];

const downSql: string[] = [
  "dead_letters",
  "actor_state",
  "audit_logs",
  "telegram_link_codes",
  "telegram_users",
  "memories",
  "vector_memories",
  "code_analyses",
  "build_events",
  "builds",
  "api_keys",
  "users",
].map((table) => `DROP TABLE IF EXISTS ${table}`);

/** Creates every table of the first schema. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of upSql) await sql.raw(statement).execute(db);
}

/** Drops every table of the first schema. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of downSql) await sql.raw(statement).execute(db);
}
