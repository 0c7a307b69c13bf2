/**
 * `prune` and `dlq`: the operator's maintenance commands.
 *
 * @module
 */
import { join } from "node:path";
import { KvTransport } from "../runtime/kv.ts";
import { reconcileKvEpoch } from "../runtime/kv_epoch.ts";
import { pruneBuildEvents } from "../storage/build_events.ts";
import { pruneCheckpoints } from "../storage/checkpoints.ts";
import {
  deleteDeadLetter,
  getDeadLetter,
  listDeadLetters,
} from "../storage/dead_letters.ts";
import { NotFoundError } from "../storage/errors.ts";
import { openKv } from "../storage/kv.ts";
import { pruneExpiredMemories } from "../storage/memories.ts";
import { PostgresStateStore } from "../storage/state_store.ts";
import { type Command, table, UsageError, withDatabase } from "./_context.ts";

const DAY_MS = 86_400_000;

/** `deno task prune`: expired memories, checkpoints and events of old finished builds. */
export const prune: Command = async (_args, { config, write, node }) =>
  await withDatabase(config, async ({ db }) => {
    const now = Date.now();
    const memories = await pruneExpiredMemories(db, new Date(now));
    const checkpoints = await pruneCheckpoints(
      db,
      new Date(now - config.CHECKPOINT_RETENTION_DAYS * DAY_MS),
    );
    const events = await pruneBuildEvents(
      db,
      new Date(now - config.EVENT_RETENTION_DAYS * DAY_MS),
    );
    write(`removed ${memories} expired memories`);
    write(
      `removed ${checkpoints} checkpoint rows of builds finished over ${config.CHECKPOINT_RETENTION_DAYS} days ago`,
    );
    write(
      `removed ${events} build events older than ${config.EVENT_RETENTION_DAYS} days`,
    );
    return 0;
  }, node);

const DLQ_USAGE = "usage: deno task dlq [list [kind]] | retry <id> | drop <id>";

function letterId(value: string | undefined): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1) {
    throw new UsageError(
      `expected a dead letter id, got "${value ?? ""}"\n${DLQ_USAGE}`,
    );
  }
  return id;
}

/** `deno task dlq`: list, retry (re-deliver to its actor) or drop dead letters. */
export const dlq: Command = async (args, { config, write, node }) => {
  const [action = "list", arg] = args;
  return await withDatabase(config, async ({ db }) => {
    switch (action) {
      case "list": {
        const letters = await listDeadLetters(db, { kind: arg, limit: 1000 });
        write(table(letters.map((l) => ({
          id: l.id,
          actor: `${l.kind}/${l.actorId}`,
          seq: l.seq,
          type: (l.message as { type?: unknown } | null)?.type ?? "?",
          attempts: l.attempts,
          at: l.createdAt,
          error: l.error.slice(0, 80),
        }))));
        return 0;
      }
      case "retry": {
        const id = letterId(arg);
        const letter = await getDeadLetter(db, id);
        if (!letter) throw new NotFoundError("dead letter", String(id));
        const kv = node?.kv ?? await openKv({
          url: config.DENO_KV_URL,
          dataDir: config.DATA_DIR,
        });
        // The same checks a node makes: a lost or replaced KV is noticed, and
        // the re-sent message gets a seq after what PostgreSQL committed.
        const store = new PostgresStateStore(db);
        if (!node) {
          await reconcileKvEpoch({
            kv,
            store,
            logger: {
              warn: (message) => write(`warning: ${message}`),
              error: (message) => write(`error: ${message}`),
            },
            location: config.DENO_KV_URL
              ? "DENO_KV_URL"
              : join(config.DATA_DIR, "kv.sqlite3"),
          });
        }
        const transport = new KvTransport({
          kv,
          seqFloor: (target) => store.lastSeq(target.kind, target.id),
        });
        try {
          await transport.post([{
            target: { kind: letter.kind, id: letter.actorId },
            message: letter.message,
          }]);
        } finally {
          await transport.close();
          if (!node) kv.close();
        }
        await deleteDeadLetter(db, id);
        write(`re-sent dead letter ${id} to ${letter.kind}/${letter.actorId}`);
        return 0;
      }
      case "drop": {
        const id = letterId(arg);
        if (!await deleteDeadLetter(db, id)) {
          throw new NotFoundError("dead letter", String(id));
        }
        write(`dropped dead letter ${id}`);
        return 0;
      }
      default:
        throw new UsageError(DLQ_USAGE);
    }
  }, node);
};
