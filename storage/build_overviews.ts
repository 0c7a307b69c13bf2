/**
 * Build overviews: a build as its owner polls it, everything but the
 * generated files (counted instead), read many at a time.
 *
 * Status polling is the platform's hottest read. {@link buildOverviewReader}
 * answers each poll from a batch read that serves every poll waiting at that
 * moment, so under load one round trip answers many requests.
 *
 * @module
 */
import { sql } from "kysely";
import { type Build, toBuildSummary } from "./builds.ts";
import type { BuildRow, Db } from "./schema.ts";
import { coalesce, type CoalesceOptions } from "./_coalesce.ts";
import { isUuid, run } from "./_sql.ts";

/** A build without its files: how many well-formed files it has instead. */
export interface BuildOverview extends Omit<Build, "files"> {
  /** How many well-formed `{ path, content }` files the build has. */
  readonly fileCount: number;
}

/** One build asked for by its owner. */
export interface OwnedBuildId {
  /** The user asking, who must own the build. */
  readonly userId: string;
  /** The build asked for. */
  readonly buildId: string;
}

type OverviewRow = Omit<BuildRow, "files"> & { file_count: number };

function toOverview(row: OverviewRow): BuildOverview {
  return {
    ...toBuildSummary(row),
    requirements: row.requirements,
    plan: row.plan,
    result: row.result,
    fileCount: row.file_count,
  };
}

const ownedKey = (userId: string, buildId: string) => `${userId}/${buildId}`;

/**
 * The overviews of the wanted builds that exist and belong to the user named
 * with each, keyed `userId/buildId`. One statement whatever the count.
 *
 * @example
 * ```ts
 * import { getBuildOverviews } from "./build_overviews.ts";
 * // const found = await getBuildOverviews(db, [{ userId, buildId }]);
 * // found.get(`${userId}/${buildId}`)?.status
 * ```
 */
export async function getBuildOverviews(
  db: Db,
  wanted: readonly OwnedBuildId[],
): Promise<Map<string, BuildOverview>> {
  const valid = wanted.filter((w) => isUuid(w.userId) && isUuid(w.buildId));
  if (valid.length === 0) return new Map();
  const { rows } = await run(() =>
    sql<OverviewRow>`
      SELECT b.id, b.user_id, b.project, b.language, b.requirements, b.status,
        b.source, b.model, b.plan, b.result, b.error, b.attempts, b.last_event_seq,
        b.telegram_chat_id, b.created_at, b.updated_at, b.started_at,
        b.finished_at,
        (SELECT count(*)::int FROM jsonb_array_elements(
            CASE WHEN jsonb_typeof(b.files) = 'array' THEN b.files
              ELSE '[]'::jsonb END) AS f
          WHERE jsonb_typeof(f -> 'path') = 'string'
            AND jsonb_typeof(f -> 'content') = 'string') AS file_count
      FROM unnest(${valid.map((w) => w.buildId)}::uuid[],
          ${valid.map((w) => w.userId)}::uuid[]) AS wanted(id, user_id)
        JOIN builds b ON b.id = wanted.id AND b.user_id = wanted.user_id`
      .execute(db)
  );
  return new Map(rows.map((r) => [ownedKey(r.user_id, r.id), toOverview(r)]));
}

/** Reads one owner's build overview; undefined when not theirs or missing. */
export type BuildOverviewReader = (
  userId: string,
  buildId: string,
) => Promise<BuildOverview | undefined>;

/**
 * A reader whose concurrent lookups are answered by shared batch reads
 * ({@link getBuildOverviews}). A lookup never joins a read already sent, so
 * it sees every change committed before it was made.
 *
 * @example
 * ```ts
 * import { buildOverviewReader } from "./build_overviews.ts";
 * // const read = buildOverviewReader(db);
 * // const overview = await read(userId, buildId);
 * ```
 */
export function buildOverviewReader(
  db: Db,
  options: Partial<CoalesceOptions> = {},
): BuildOverviewReader {
  const lookup = coalesce<BuildOverview>(
    (keys) =>
      getBuildOverviews(
        db,
        keys.map((k) => {
          const slash = k.indexOf("/");
          return { userId: k.slice(0, slash), buildId: k.slice(slash + 1) };
        }),
      ),
    {
      maxInFlight: options.maxInFlight ?? 4,
      maxBatch: options.maxBatch ?? 256,
    },
  );
  return (userId, buildId) =>
    isUuid(userId) && isUuid(buildId)
      ? lookup(ownedKey(userId, buildId))
      : Promise.resolve(undefined);
}
