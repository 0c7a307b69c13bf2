/**
 * The PostgreSQL actor transport: durable mailboxes, leases with fencing
 * tokens, delayed posts and replies, all through the database every node of
 * a cluster already shares (Deno KV's queues do not work across machines:
 * KV Connect does not deliver queue messages).
 *
 * Tables (migration 0003): `actor_mailboxes` (per actor: last seq handed out,
 * fence, lease holder and expiry, a wake-up owed), `actor_messages` (mailbox
 * entries), `actor_reminders` (delayed posts) and `actor_replies` (replies
 * too large for a NOTIFY).
 *
 * Doorbells are NOTIFYs, sent inside the writing transaction so they go out
 * exactly when it commits: a post rings the lease holder's node channel
 * (`troupe_node_<node>`), or, when nobody holds the lease, wakes the actor on
 * the posting node itself (or rings the shared `troupe_actors` channel when
 * the posting node does not listen, like a CLI command). A NOTIFY can be
 * missed (a listening connection lost, a node killed after commit), so every
 * listening node also sweeps now and then for mailboxes with messages and no
 * live lease, which is also how a dead node's actors are recovered once its
 * leases expire.
 *
 * Lease expiry and delays are measured on the injected clock (ms), so nodes'
 * wall clocks should agree to well within the lease TTL.
 *
 * @module
 */
import { sql } from "kysely";
import type { Address } from "../runtime/actor.ts";
import { type Clock, realClock, type TimerId } from "../runtime/clock.ts";
import type {
  Envelope,
  Lease,
  Outgoing,
  Reply,
  Transport,
  TransportHandlers,
} from "../runtime/transport.ts";
import type { Database, Unlisten } from "./db.ts";
import type { Db } from "./schema.ts";
import { json } from "./_sql.ts";
import { toStorageError } from "./errors.ts";
import { omitUndefined } from "../runtime/optional.ts";

/** The channel every listening node hears: wake-ups for anyone, reminder announcements. */
export const SHARED_CHANNEL = "troupe_actors";
/** NOTIFY payloads must stay under 8000 bytes; larger replies go through a table. */
const MAX_NOTIFY_BYTES = 7_900;
/** Reminders moved into mailboxes per transaction. */
const REMINDER_BATCH = 100;
/** Replies nobody picked up are deleted after this long (s). */
const REPLY_TTL_S = 600;
/** Mailboxes woken per sweep. */
const SWEEP_LIMIT = 500;

/** Options of {@linkcode PgTransport}. */
export interface PgTransportOptions {
  /** An opened database (only storage/ opens connections), migrated to the latest schema. */
  readonly database: Pick<Database, "db" | "listen">;
  /** Unique among nodes sharing the database (default: a random one). */
  readonly nodeId?: string;
  /** Lease expiry, delays and sweeps are measured on this clock (default: the wall clock). */
  readonly clock?: Clock;
  /** How often a listening node looks for mailboxes nobody serves (default 1000 ms). */
  readonly sweepIntervalMs?: number;
}

/** The NOTIFY channel of one node: a lowercase identifier (PGlite does not quote it). */
export function nodeChannel(nodeId: string): string {
  return `troupe_node_${nodeId.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`
    .slice(0, 63);
}

/** What a NOTIFY carries. */
type Bell =
  | { readonly type: "wake"; readonly kind: string; readonly id: string }
  | { readonly type: "reply"; readonly ref: number; readonly reply: Reply }
  | { readonly type: "reply_ref"; readonly ref: number }
  | { readonly type: "due"; readonly at: number };

/** A mailbox entry as stored (the target is the row's key). */
interface StoredEnvelope {
  readonly message: unknown;
  readonly replyTo?: string;
  readonly parent?: Address;
  readonly control?: NonNullable<Envelope["control"]>;
}

interface HeadRow {
  kind: string;
  id: string;
  next_seq: number;
  lease_node: string | null;
  lease_expires_at: number | null;
}

/** Where a post's wake-ups go once its transaction commits. */
interface Routing {
  readonly local: Address[];
}

/**
 * Durable delivery over PostgreSQL (a real server or PGlite).
 *
 * `post` is one transaction: the per-actor seq counters are bumped in one
 * multi-row upsert (in a fixed actor order, so concurrent posts neither
 * deadlock nor interleave differently in different mailboxes), the entries
 * go in with one multi-row INSERT, and the doorbells are NOTIFYs in the same
 * transaction. A lease is one upsert that takes the actor if its lease is
 * free or expired (bumping the fence) or else marks a wake-up as owed to be
 * sent when the holder lets go.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./db.ts";
 * import { migrateToLatest } from "./migrate.ts";
 * import { PgTransport } from "./pg_transport.ts";
 * await using database = await openDatabase();
 * await migrateToLatest(database.db);
 * const transport = new PgTransport({ database, nodeId: "n1" });
 * await transport.post([{ target: { kind: "k", id: "1" }, message: { type: "hi" } }]);
 * const lease = await transport.acquire({ kind: "k", id: "1" }, 30_000);
 * console.assert((await lease!.read(0, 10)).length === 1);
 * await transport.close();
 * ```
 */
export class PgTransport implements Transport {
  readonly nodeId: string;
  readonly #database: Pick<Database, "db" | "listen">;
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #sweepIntervalMs: number;
  readonly #channel: string;
  #handlers: TransportHandlers | undefined;
  #closed = false;
  #unlisten: Unlisten[] = [];
  #starting: Promise<void> | undefined;
  #sweepTimer: TimerId | undefined;
  #sweeping: Promise<void> | undefined;
  #dueTimer: TimerId | undefined;
  #dueAt: number | undefined;
  #moving: Promise<void> | undefined;
  #moveAgain = false;
  #background = new Set<Promise<unknown>>();
  #delivered: number[] = [];
  #forgetting: Promise<void> | undefined;

  constructor(options: PgTransportOptions) {
    this.nodeId = options.nodeId ?? `node-${crypto.randomUUID().slice(0, 8)}`;
    if (this.nodeId.includes(":")) {
      throw new RangeError(`node id ${this.nodeId} must not contain ":"`);
    }
    this.#database = options.database;
    this.#db = options.database.db;
    this.#clock = options.clock ?? realClock;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 1_000;
    this.#channel = nodeChannel(this.nodeId);
  }

  /** Whether this node takes wake-ups (listening and not closed). */
  get #listening(): boolean {
    return this.#handlers !== undefined && !this.#closed;
  }

  async post(messages: readonly Outgoing[]): Promise<void> {
    if (messages.length === 0) return;
    const routing = await this.#transaction((trx) =>
      this.insertMessages(trx, messages)
    );
    this.#wakeLocal(routing.local);
  }

  /**
   * Writes `messages` into their mailboxes within the caller's transaction
   * `trx` and queues their doorbells; returns the actors to wake on this node
   * once `trx` has committed (pass them to {@linkcode wakeLocal}).
   */
  async insertMessages(
    trx: Db,
    messages: readonly Outgoing[],
  ): Promise<Routing> {
    const groups = new Map<string, { target: Address; entries: string[] }>();
    for (const m of messages) {
      const key = JSON.stringify([m.target.kind, m.target.id]);
      let group = groups.get(key);
      if (!group) {
        group = {
          target: { kind: m.target.kind, id: m.target.id },
          entries: [],
        };
        groups.set(key, group);
      }
      group.entries.push(json(storedEnvelope(m)));
    }
    // A fixed lock order: no deadlocks, one interleaving in every mailbox.
    const ordered = [...groups.entries()].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0
    ).map(([, g]) => g);
    const heads = await sql<HeadRow>`
      INSERT INTO actor_mailboxes AS b (kind, id, next_seq)
      SELECT * FROM unnest(
        ${ordered.map((g) => g.target.kind)}::text[],
        ${ordered.map((g) => g.target.id)}::text[],
        ${ordered.map((g) => g.entries.length)}::bigint[])
      ON CONFLICT (kind, id) DO UPDATE SET next_seq = b.next_seq + EXCLUDED.next_seq
      RETURNING kind, id, next_seq, lease_node, lease_expires_at`.execute(trx);
    const byKey = new Map(
      heads.rows.map((h) => [JSON.stringify([h.kind, h.id]), h]),
    );
    const kinds: string[] = [];
    const ids: string[] = [];
    const seqs: number[] = [];
    const bodies: string[] = [];
    const channels: string[] = [];
    const payloads: string[] = [];
    const local: Address[] = [];
    const now = this.#clock.now();
    for (const group of ordered) {
      const head = byKey.get(
        JSON.stringify([group.target.kind, group.target.id]),
      );
      if (!head) throw new Error("post: a mailbox row was not returned");
      const last = Number(head.next_seq);
      group.entries.forEach((body, i) => {
        kinds.push(group.target.kind);
        ids.push(group.target.id);
        seqs.push(last - group.entries.length + 1 + i);
        bodies.push(body);
      });
      const holder = head.lease_node !== null &&
          head.lease_expires_at !== null &&
          Number(head.lease_expires_at) > now
        ? head.lease_node
        : undefined;
      if (holder === this.nodeId || (!holder && this.#listening)) {
        local.push(group.target);
      } else {
        channels.push(holder ? nodeChannel(holder) : SHARED_CHANNEL);
        payloads.push(wakeBell(group.target));
      }
    }
    await sql`
      INSERT INTO actor_messages (kind, id, seq, envelope)
      SELECT k, i, s, e::jsonb
      FROM unnest(${kinds}::text[], ${ids}::text[], ${seqs}::bigint[], ${bodies}::text[])
        AS t(k, i, s, e)`.execute(trx);
    if (channels.length > 0) await notifyAll(trx, channels, payloads);
    return { local };
  }

  /** Wakes actors on this node (after the transaction that posted to them committed). */
  wakeLocal(routing: Routing): void {
    this.#wakeLocal(routing.local);
  }

  async postLater(message: Outgoing, delayMs: number): Promise<void> {
    const at = this.#clock.now() + Math.max(0, delayMs);
    await this.#transaction(async (trx) => {
      await sql`
        INSERT INTO actor_reminders (deliver_at, envelope)
        VALUES (${at}, ${
        json({ ...storedEnvelope(message), target: message.target })
      }::jsonb)`.execute(trx);
      await notifyAll(trx, [SHARED_CHANNEL], [bell({ type: "due", at })]);
    });
    if (this.#listening) this.#armDue(at);
  }

  async acquire(target: Address, ttlMs: number): Promise<Lease | undefined> {
    const now = this.#clock.now();
    const expires = now + ttlMs;
    const result = await this.#run(() =>
      sql<{ fence: number; owed: boolean }>`
        INSERT INTO actor_mailboxes AS b (kind, id, fence, lease_node, lease_expires_at)
        VALUES (${target.kind}, ${target.id}, 1, ${this.nodeId}, ${expires})
        ON CONFLICT (kind, id) DO UPDATE SET
          fence = CASE WHEN ${free(now)} THEN b.fence + 1 ELSE b.fence END,
          lease_node = CASE WHEN ${
        free(now)
      } THEN EXCLUDED.lease_node ELSE b.lease_node END,
          lease_expires_at = CASE WHEN ${free(now)}
            THEN EXCLUDED.lease_expires_at ELSE b.lease_expires_at END,
          owed = NOT ${free(now)}
        RETURNING fence, owed`.execute(this.#db)
    );
    const row = result.rows[0];
    if (!row || row.owed) return undefined;
    return new PgLease(this, target, Number(row.fence), ttlMs);
  }

  /**
   * Replies are rows (`actor_replies`) announced by a NOTIFY that carries them
   * when they fit: a node that was not listening yet (its LISTEN connection
   * still opening, or reconnecting) picks up what it missed from the table.
   */
  async sendReply(reply: Reply): Promise<void> {
    const node = reply.replyTo.slice(0, reply.replyTo.lastIndexOf(":"));
    if (node === this.nodeId && this.#listening) {
      const copy = structuredClone(reply);
      queueMicrotask(() => this.#handlers?.reply(copy));
      return;
    }
    const body = json(reply);
    const inline = new TextEncoder().encode(body).length <= MAX_NOTIFY_BYTES;
    await this.#run(() =>
      sql`
        WITH r AS (
          INSERT INTO actor_replies (node, reply) VALUES (${node}, ${body}::jsonb)
          RETURNING id)
        SELECT pg_notify(${nodeChannel(node)}, CASE WHEN ${inline}
          THEN json_build_object('type', 'reply', 'ref', r.id, 'reply', ${body}::json)::text
          ELSE json_build_object('type', 'reply_ref', 'ref', r.id)::text END)
        FROM r`.execute(this.#db)
    );
  }

  listen(handlers: TransportHandlers): void {
    if (this.#closed) return;
    this.#handlers = handlers;
    this.#starting = this.#subscribe();
    this.#track(this.#starting);
    this.#sweepNow();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweepTimer !== undefined) {
      this.#clock.clearTimeout(this.#sweepTimer);
    }
    if (this.#dueTimer !== undefined) this.#clock.clearTimeout(this.#dueTimer);
    await this.#starting?.catch(() => {});
    const stops = this.#unlisten.splice(0);
    await Promise.allSettled(stops.map((stop) => stop()));
    await Promise.allSettled([...this.#background]);
  }

  // --- internals used by the lease ---

  /** @internal */
  get db(): Db {
    return this.#db;
  }

  /** @internal */
  get clock(): Clock {
    return this.#clock;
  }

  /** @internal Wakes `target` somewhere: here if this node listens, else any node. */
  async wakeAnywhere(target: Address): Promise<void> {
    if (this.#listening) {
      this.#wakeLocal([target]);
      return;
    }
    await this.#run(() =>
      notifyAll(this.#db, [SHARED_CHANNEL], [wakeBell(target)])
    );
  }

  /** @internal */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.#run(fn);
  }

  /** @internal */
  transaction<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    return this.#transaction(fn);
  }

  // --- listening ---

  async #subscribe(): Promise<void> {
    const listener = {
      notify: (payload: string) => this.#onBell(payload),
      listening: () => {
        this.#sweepNow();
        this.#track(this.#fetchMissedReplies());
      },
      lost: () => {},
    };
    try {
      this.#unlisten.push(
        await this.#database.listen(this.#channel, listener),
        await this.#database.listen(SHARED_CHANNEL, listener),
      );
    } catch {
      // The server is away: sweeps keep trying, and a reconnect happens
      // inside `listen` once it answered once.
      const stops = this.#unlisten.splice(0);
      await Promise.allSettled(stops.map((stop) => stop()));
      if (!this.#closed) {
        this.#clock.setTimeout(() => {
          if (!this.#closed) {
            this.#starting = this.#subscribe();
            this.#track(this.#starting);
          }
        }, this.#sweepIntervalMs);
      }
      return;
    }
    if (this.#closed) {
      const stops = this.#unlisten.splice(0);
      await Promise.allSettled(stops.map((stop) => stop()));
    }
  }

  #onBell(payload: string): void {
    if (!this.#listening) return;
    let message: Bell;
    try {
      message = JSON.parse(payload) as Bell;
    } catch {
      return;
    }
    switch (message.type) {
      case "wake":
        this.#wakeLocal([{ kind: message.kind, id: message.id }]);
        return;
      case "reply":
        this.#handlers?.reply(message.reply);
        this.#forgetReply(message.ref);
        return;
      case "reply_ref":
        this.#track(this.#fetchReply(message.ref));
        return;
      case "due":
        this.#armDue(message.at);
        return;
    }
  }

  async #fetchReply(ref: number): Promise<void> {
    const { rows } = await this.#run(() =>
      sql<{ reply: Reply }>`
        DELETE FROM actor_replies WHERE id = ${ref} RETURNING reply`
        .execute(this.#db)
    );
    const reply = rows[0]?.reply;
    if (reply && this.#listening) this.#handlers?.reply(reply);
  }

  /** Replies sent to this node while it was not listening yet. */
  async #fetchMissedReplies(): Promise<void> {
    const { rows } = await this.#run(() =>
      sql<{ reply: Reply }>`
        DELETE FROM actor_replies WHERE node = ${this.nodeId} RETURNING reply`
        .execute(this.#db)
    );
    for (const { reply } of rows) {
      if (this.#listening) this.#handlers?.reply(reply);
    }
  }

  /** Deletes delivered replies' rows, batched. */
  #forgetReply(ref: number): void {
    this.#delivered.push(ref);
    if (this.#forgetting) return;
    this.#forgetting = (async () => {
      while (this.#delivered.length > 0) {
        await Promise.resolve();
        const refs = this.#delivered.splice(0);
        await this.#run(() =>
          sql`DELETE FROM actor_replies WHERE id = ANY(${refs}::bigint[])`
            .execute(this.#db)
        );
      }
    })().catch(() => {
      // Left behind: the sweep deletes old replies.
    }).finally(() => {
      this.#forgetting = undefined;
    });
    this.#track(this.#forgetting);
  }

  #wakeLocal(targets: readonly Address[]): void {
    const handlers = this.#handlers;
    if (!handlers || this.#closed) return;
    for (const target of targets) {
      try {
        const result = handlers.wake({ kind: target.kind, id: target.id });
        if (result instanceof Promise) result.catch(() => {});
      } catch {
        // A failing handler must not stop the other wake-ups.
      }
    }
  }

  // --- sweeping: recovery of mailboxes nobody serves ---

  /** Sweeps now (unless a sweep runs), then every sweep interval. */
  #sweepNow(): void {
    if (!this.#listening || this.#sweeping) return;
    if (this.#sweepTimer !== undefined) {
      this.#clock.clearTimeout(this.#sweepTimer);
      this.#sweepTimer = undefined;
    }
    this.#sweeping = this.#sweep().catch(() => {}).finally(() => {
      this.#sweeping = undefined;
      if (!this.#listening) return;
      this.#sweepTimer = this.#clock.setTimeout(() => {
        this.#sweepTimer = undefined;
        this.#sweepNow();
      }, this.#sweepIntervalMs);
    });
    this.#track(this.#sweeping);
  }

  async #sweep(): Promise<void> {
    const now = this.#clock.now();
    const { rows } = await this.#run(() =>
      sql<{ kind: string; id: string }>`
        SELECT b.kind, b.id
        FROM (SELECT DISTINCT kind, id FROM actor_messages) m
        JOIN actor_mailboxes b ON b.kind = m.kind AND b.id = m.id
        WHERE b.lease_node IS NULL OR b.lease_expires_at <= ${now}
        UNION
        SELECT kind, id FROM actor_mailboxes
        WHERE owed AND lease_expires_at <= ${now}
        LIMIT ${SWEEP_LIMIT}`.execute(this.#db)
    );
    this.#wakeLocal(rows);
    const due = await this.#run(() =>
      sql<{ at: number | null }>`
        SELECT min(deliver_at) AS at FROM actor_reminders`.execute(this.#db)
    );
    const at = due.rows[0]?.at;
    if (at !== null && at !== undefined) this.#armDue(Number(at));
    await this.#run(() =>
      sql`DELETE FROM actor_replies
        WHERE created_at < now() - make_interval(secs => ${REPLY_TTL_S})`
        .execute(this.#db)
    );
  }

  // --- reminders ---

  #armDue(at: number): void {
    if (!this.#listening) return;
    if (this.#dueAt !== undefined && this.#dueAt <= at) return;
    if (this.#dueTimer !== undefined) this.#clock.clearTimeout(this.#dueTimer);
    if (at <= this.#clock.now()) {
      this.#dueTimer = undefined;
      this.#dueAt = undefined;
      this.#moveDue();
      return;
    }
    this.#dueAt = at;
    this.#dueTimer = this.#clock.setTimeout(() => {
      this.#dueTimer = undefined;
      this.#dueAt = undefined;
      this.#moveDue();
    }, Math.max(0, at - this.#clock.now()));
  }

  #moveDue(): void {
    if (this.#moving) {
      this.#moveAgain = true;
      return;
    }
    this.#moving = (async () => {
      do {
        this.#moveAgain = false;
        const moved = await this.#moveBatch();
        if (moved >= REMINDER_BATCH) this.#moveAgain = true;
      } while (this.#moveAgain && this.#listening);
      const { rows } = await this.#run(() =>
        sql<{ at: number | null }>`
          SELECT min(deliver_at) AS at FROM actor_reminders`.execute(this.#db)
      );
      const at = rows[0]?.at;
      if (at !== null && at !== undefined) this.#armDue(Number(at));
    })().catch(() => {
      // The database is away: the next sweep re-arms the timer.
    }).finally(() => {
      this.#moving = undefined;
    });
    this.#track(this.#moving);
  }

  /** Moves due reminders into their mailboxes, one transaction; returns how many. */
  async #moveBatch(): Promise<number> {
    const now = this.#clock.now();
    let routing: Routing = { local: [] };
    const moved = await this.#transaction(async (trx) => {
      const { rows } = await sql<
        { envelope: StoredEnvelope & { target: Address } }
      >`
        DELETE FROM actor_reminders WHERE id IN (
          SELECT id FROM actor_reminders WHERE deliver_at <= ${now}
          ORDER BY deliver_at, id LIMIT ${REMINDER_BATCH}
          FOR UPDATE SKIP LOCKED)
        RETURNING envelope`.execute(trx);
      if (rows.length === 0) return 0;
      routing = await this.insertMessages(
        trx,
        rows.map((r) => ({ ...r.envelope, target: r.envelope.target })),
      );
      return rows.length;
    });
    this.#wakeLocal(routing.local);
    return moved;
  }

  // --- plumbing ---

  #track(promise: Promise<unknown>): void {
    const p = promise.catch(() => {});
    this.#background.add(p);
    p.finally(() => this.#background.delete(p));
  }

  async #run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toStorageError(error);
    }
  }

  #transaction<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    return this.#run(() => this.#db.transaction().execute(fn));
  }
}

/** A lease on one actor's mailbox, checked by its fence in every write. */
class PgLease implements Lease {
  constructor(
    readonly transport: PgTransport,
    readonly target: Address,
    readonly fence: number,
    readonly ttlMs: number,
  ) {}

  #swept = false;

  async read(afterSeq: number, limit: number): Promise<Envelope[]> {
    const { kind, id } = this.target;
    if (!this.#swept && afterSeq > 0) {
      // Entries a dead holder committed but never acknowledged: the reader
      // skips them (their seq is processed), so acknowledge them here, or
      // the mailbox would look non-empty forever (swept, never passivated).
      this.#swept = true;
      await this.ack(afterSeq);
    }
    const { rows } = await this.transport.run(() =>
      sql<{ seq: number; envelope: StoredEnvelope }>`
        SELECT seq, envelope FROM actor_messages
        WHERE kind = ${kind} AND id = ${id} AND seq > ${afterSeq}
        ORDER BY seq LIMIT ${limit}`.execute(this.transport.db)
    );
    return rows.map((r) => ({
      ...r.envelope,
      target: { kind, id },
      seq: Number(r.seq),
    }));
  }

  async ack(uptoSeq: number): Promise<void> {
    const { kind, id } = this.target;
    await this.transport.run(() =>
      sql`
        DELETE FROM actor_messages
        WHERE kind = ${kind} AND id = ${id} AND seq <= ${uptoSeq}
          AND EXISTS (SELECT 1 FROM actor_mailboxes
            WHERE kind = ${kind} AND id = ${id} AND fence = ${this.fence})`
        .execute(this.transport.db)
    );
  }

  async renew(): Promise<boolean> {
    const { kind, id } = this.target;
    const now = this.transport.clock.now();
    const { rows } = await this.transport.run(() =>
      sql`
        UPDATE actor_mailboxes SET lease_expires_at = ${now + this.ttlMs}
        WHERE kind = ${kind} AND id = ${id} AND fence = ${this.fence}
          AND lease_node = ${this.transport.nodeId}
          AND lease_expires_at > ${now}
        RETURNING fence`.execute(this.transport.db)
    );
    return rows.length > 0;
  }

  async release(force = false): Promise<boolean> {
    const { kind, id } = this.target;
    const outcome = await this.transport.transaction(async (trx) => {
      // Lock the row first: a post holds it until it commits, so the check
      // for messages below (a new statement, a new snapshot) sees its entries.
      const { rows } = await sql<
        { fence: number; lease_node: string | null; owed: boolean }
      >`
        SELECT fence, lease_node, owed FROM actor_mailboxes
        WHERE kind = ${kind} AND id = ${id} FOR UPDATE`.execute(trx);
      const any = await sql<{ one: number }>`
        SELECT 1 AS one FROM actor_messages
        WHERE kind = ${kind} AND id = ${id} LIMIT 1`.execute(trx);
      const empty = any.rows.length === 0;
      const row = rows[0];
      if (
        !row || Number(row.fence) !== this.fence ||
        row.lease_node !== this.transport.nodeId
      ) {
        return { empty, released: false, owed: false };
      }
      if (!empty && !force) return { empty, released: false, owed: false };
      await sql`
        UPDATE actor_mailboxes
        SET lease_node = NULL, lease_expires_at = NULL, owed = false
        WHERE kind = ${kind} AND id = ${id}`.execute(trx);
      return { empty, released: true, owed: row.owed };
    });
    if (outcome.released && (!outcome.empty || outcome.owed)) {
      await this.transport.wakeAnywhere(this.target);
    }
    return outcome.empty;
  }
}

function storedEnvelope(m: Outgoing): StoredEnvelope {
  return {
    message: m.message,
    ...omitUndefined({ replyTo: m.replyTo }),
    ...(m.parent === undefined
      ? {}
      : { parent: { kind: m.parent.kind, id: m.parent.id } }),
    ...omitUndefined({ control: m.control }),
  };
}

/** SQL: the existing row's lease is free (absent or expired) at `now`. */
function free(now: number) {
  return sql`(b.lease_node IS NULL OR b.lease_expires_at <= ${now})`;
}

function bell(message: Bell): string {
  return JSON.stringify(message);
}

function wakeBell(target: Address): string {
  return bell({ type: "wake", kind: target.kind, id: target.id });
}

async function notifyAll(
  db: Db,
  channels: readonly string[],
  payloads: readonly string[],
): Promise<void> {
  await sql`
    SELECT pg_notify(c, p) FROM unnest(${channels}::text[], ${payloads}::text[])
      AS t(c, p)`.execute(db);
}
