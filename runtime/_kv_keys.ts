/**
 * Key layout, queue message shapes and size limits of the Deno KV transport.
 * Internal to runtime/kv.ts.
 *
 * @module
 */
import { serialize } from "node:v8";
import type { Address } from "./actor.ts";
import type { Outgoing, Reply } from "./transport.ts";

/** Every key of the transport starts with this part. */
export const ROOT = "troupe";

/** Deno KV limits (same for the SQLite backend and KV Connect). */
export const KV_MAX_VALUE_BYTES = 65_536;
export const KV_MAX_MUTATIONS = 1_000;
export const KV_MAX_CHECKS = 100;
export const KV_MAX_COMMIT_BYTES = 819_200;
export const KV_MAX_GET_MANY = 10;
export const KV_MAX_DELAY_MS = 30 * 24 * 60 * 60 * 1000;

/** Per-actor sequence counter: the last seq handed out. */
export const seqKey = (t: Address): Deno.KvKey => [ROOT, "seq", t.kind, t.id];
/** Prefix of one actor's mailbox; entries are `[...prefix, seq]` so they sort by seq. */
export const mailboxPrefix = (t: Address): Deno.KvKey => [
  ROOT,
  "mb",
  t.kind,
  t.id,
];
export const mailboxKey = (t: Address, seq: number): Deno.KvKey => [
  ROOT,
  "mb",
  t.kind,
  t.id,
  seq,
];
/** The activation lease: `{ node, fence, expiresAt }`. */
export const leaseKey = (t: Address): Deno.KvKey => [
  ROOT,
  "lease",
  t.kind,
  t.id,
];
/** The last fence handed out; outlives the lease so fences never repeat. */
export const fenceKey = (t: Address): Deno.KvKey => [
  ROOT,
  "fence",
  t.kind,
  t.id,
];
/** Replies waiting for node `node`. */
export const replyPrefix = (node: string): Deno.KvKey => [ROOT, "reply", node];
/**
 * Doorbells for actors leased by `node`: written by a node whose `acquire` was
 * refused, polled by the holder (queue messages from another process reach a
 * listening node only after about a minute).
 */
export const ringPrefix = (node: string): Deno.KvKey => [ROOT, "ring", node];
export const ringKey = (node: string, t: Address): Deno.KvKey => [
  ROOT,
  "ring",
  node,
  t.kind,
  t.id,
];
/**
 * Doorbells any listening node may answer: written with a post by a node that
 * does not listen (a CLI command), whose queue wake-up another process would
 * see only after about a minute.
 */
export const bellPrefix: Deno.KvKey = [ROOT, "bell"];
export const bellKey = (t: Address): Deno.KvKey => [ROOT, "bell", t.kind, t.id];
/** Queue messages KV gave up on (`keysIfUndelivered`), re-enqueued by the sweeper. */
export const lostPrefix: Deno.KvKey = [ROOT, "lost"];
export const lostWakeKey = (t: Address): Deno.KvKey => [
  ROOT,
  "lost",
  "wake",
  t.kind,
  t.id,
];
export const lostReminderKey = (rid: string): Deno.KvKey => [
  ROOT,
  "lost",
  "remind",
  rid,
];
/** Marks a reminder as posted, so a redelivered reminder is not posted twice. */
export const reminderDoneKey = (rid: string): Deno.KvKey => [
  ROOT,
  "remdone",
  rid,
];

/** This KV store's identity: a random id written once, also kept by the state store. */
export const epochKey: Deno.KvKey = [ROOT, "epoch"];

/** The value stored under {@linkcode leaseKey}. */
export interface LeaseValue {
  readonly node: string;
  readonly fence: number;
  readonly expiresAt: number;
}

/** What the transport puts on the KV queue. `troupe: 1` tells it apart from other users of the queue. */
export type QueueMessage =
  | {
    readonly troupe: 1;
    readonly t: "wake";
    readonly kind: string;
    readonly id: string;
    /** Set on wake-ups re-enqueued because another node held the lease. */
    readonly retry?: true;
    /** Set on a lease's watch: the fence of the lease it watches. */
    readonly watch?: number;
    /** Set on a post's wake-up: the last seq that post wrote to the actor. */
    readonly upto?: number;
  }
  | {
    readonly troupe: 1;
    readonly t: "remind";
    readonly rid: string;
    readonly message: Outgoing;
  }
  | { readonly troupe: 1; readonly t: "reply"; readonly node: string };

export function wakeMessage(
  t: Address,
  options: { retry?: boolean; upto?: number } = {},
): QueueMessage {
  const base = { troupe: 1, t: "wake", kind: t.kind, id: t.id } as const;
  if (options.retry) return { ...base, retry: true };
  if (options.upto !== undefined) return { ...base, upto: options.upto };
  return base;
}

export function isQueueMessage(value: unknown): value is QueueMessage {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.troupe !== 1) return false;
  switch (v.t) {
    case "wake":
      return typeof v.kind === "string" && typeof v.id === "string" &&
        (v.watch === undefined || typeof v.watch === "number") &&
        (v.upto === undefined || typeof v.upto === "number");
    case "remind":
      return typeof v.rid === "string" && typeof v.message === "object" &&
        v.message !== null;
    case "reply":
      return typeof v.node === "string";
    default:
      return false;
  }
}

/**
 * The size Deno KV measures for a value: its V8 structured serialization
 * (checked against KV's own "Value too large" boundary, byte for byte).
 */
export function serializedSize(value: unknown): number {
  return serialize(value).byteLength;
}

/** An upper bound of a key's encoded size (strings may take 3 bytes a UTF-16 unit). */
export function keySizeBound(key: Deno.KvKey): number {
  let n = 2;
  for (const part of key) {
    n += typeof part === "string" ? part.length * 3 + 2 : 10;
  }
  return n;
}

/** Splits `"<node>:<id>"`; node ids never contain `:`. */
export function parseReplyTo(
  replyTo: string,
): { node: string; id: string } | undefined {
  const at = replyTo.indexOf(":");
  if (at <= 0) return undefined;
  return { node: replyTo.slice(0, at), id: replyTo.slice(at + 1) };
}

/** A stored reply, as written by `sendReply`. */
export type StoredReply = Reply;
