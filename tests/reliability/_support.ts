/**
 * Helpers of the reliability suite: Troupe nodes as real subprocesses
 * (`deno run -A main.ts start`), the fake Ollama in its own process, a
 * private PostgreSQL cluster that a test may restart, an HTTP client for the
 * API, and the exactly-once checks made on the database afterwards.
 *
 * Every process a helper starts is returned with a `stop()` the test calls in
 * `finally`; processes the node itself starts (embedded Chroma, sandboxed
 * test runs) are found by the node's temporary directory in their command
 * line and ended by id ({@linkcode reapProcesses}).
 *
 * @module
 */
import { configSchema } from "../../config.ts";
import { type Database, openDatabase } from "../../storage/db.ts";
import { type Db, isTerminalStatus } from "../../storage/schema.ts";
import { sql } from "kysely";

/** The repository root (where main.ts is). */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** True for `succeeded`, `failed` and `cancelled` (the schema's one definition). */
export const isTerminal: (status: string | undefined) => boolean =
  isTerminalStatus;

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A free loopback TCP port (free when asked; good enough for tests). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Seconds since `start` (a `performance.now()` reading), one decimal. */
export function secondsSince(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(1);
}

// --- processes ---

/** A child process whose output is kept (the last lines) and watched. */
export interface Child {
  readonly pid: number;
  readonly exited: Promise<Deno.CommandStatus>;
  /** The last lines of stdout and stderr. */
  output(): string;
  /** Resolves with the first stdout/stderr line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Sends a signal; ignored once the process is gone. */
  kill(signal: Deno.Signal): void;
  /** SIGTERM, then SIGKILL after `graceMs`; waits for the exit. */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
}

interface Watcher {
  pattern: RegExp;
  resolve(match: RegExpMatchArray): void;
}

/** Spawns `deno <args>` in the repository root with piped output. */
export function spawnDeno(
  args: string[],
  env: Record<string, string>,
  options: { keepLines?: number } = {},
): Child {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env,
    clearEnv: true,
    // The fake Ollama exits when this pipe closes; nodes ignore it.
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const keep = options.keepLines ?? 200;
  const lines: string[] = [];
  const watchers = new Set<Watcher>();
  const consume = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        lines.push(line);
        if (lines.length > keep) lines.shift();
        for (const w of watchers) {
          const m = line.match(w.pattern);
          if (m) {
            watchers.delete(w);
            w.resolve(m);
          }
        }
      }
    }
    if (rest) lines.push(rest);
  };
  const streams = Promise.all([
    consume(child.stdout),
    consume(child.stderr),
  ]).catch(() => {});
  const exited = child.status.then(async (status) => {
    await streams;
    await child.stdin.close().catch(() => {});
    return status;
  });
  let gone = false;
  exited.then(() => gone = true);
  const output = () => lines.join("\n");
  const kill = (signal: Deno.Signal) => {
    if (gone) return;
    try {
      child.kill(signal);
    } catch {
      // already exited
    }
  };
  return {
    pid: child.pid,
    exited,
    output,
    kill,
    waitForLine(pattern, timeoutMs) {
      const found = lines.map((l) => l.match(pattern)).find((m) => m);
      if (found) return Promise.resolve(found);
      const { promise, resolve, reject } = Promise.withResolvers<
        RegExpMatchArray
      >();
      const watcher: Watcher = { pattern, resolve };
      watchers.add(watcher);
      const timer = setTimeout(() => {
        watchers.delete(watcher);
        reject(
          new Error(
            `no line matching ${pattern} within ${timeoutMs} ms; output:\n${output()}`,
          ),
        );
      }, timeoutMs);
      exited.then((status) => {
        if (!watchers.has(watcher)) return;
        watchers.delete(watcher);
        reject(
          new Error(
            `process exited (code ${status.code}) before printing ${pattern}; output:\n${output()}`,
          ),
        );
      });
      return promise.finally(() => clearTimeout(timer));
    },
    async stop(graceMs = 15_000) {
      kill("SIGTERM");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hard = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          kill("SIGKILL");
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, hard]);
      clearTimeout(timer);
      return await exited;
    },
  };
}

/** The environment of a child: ours without any Troupe setting, plus `vars`. */
export function childEnv(vars: Record<string, string>): Record<string, string> {
  const env = Deno.env.toObject();
  for (const key of Object.keys(configSchema.shape)) delete env[key];
  return { ...env, RUST_BACKTRACE: "0", NO_COLOR: "1", ...vars };
}

/** Pids of live processes whose command line contains `needle`. */
export function processesMatching(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    if (pid === Deno.pid) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`)
        .replaceAll("\0", " ");
      if (cmdline.includes(needle) && !isZombie(pid)) pids.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function isZombie(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

/**
 * Waits until no process mentions `needle` (a test's own temporary
 * directory), SIGKILLing those left after `graceMs`. Returns the pids that
 * had to be killed.
 */
export async function reapProcesses(
  needle: string,
  graceMs = 5_000,
): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  while (processesMatching(needle).length > 0 && Date.now() < deadline) {
    await sleep(100);
  }
  const left = processesMatching(needle);
  for (const pid of left) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  return left;
}

/** Resident set size of a process in MiB (0 when it is gone). */
export function rssMiB(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

/** Pids of the direct children of `pid`. */
export function childrenOf(pid: number): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) pids.push(Number(entry.name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

// --- the fake model ---

/** The fake Ollama of fixtures/fake_ollama_server.ts, in its own process. */
export interface ModelProcess {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the always-passing fake Ollama in a child process. */
export async function startModelProcess(
  env: Record<string, string> = {},
): Promise<ModelProcess> {
  const child = spawnDeno(
    ["run", "-A", "tests/reliability/fixtures/fake_ollama_server.ts"],
    childEnv(env),
  );
  try {
    const m = await child.waitForLine(/"url":"([^"]+)"/, 30_000);
    return {
      url: m[1]!,
      stop: async () => {
        await child.stop(5_000);
      },
    };
  } catch (error) {
    await child.stop(1_000);
    throw error;
  }
}

// --- Troupe nodes ---

/** A node started with `deno run -A main.ts start`. */
export interface NodeProcess extends Child {
  readonly url: string;
  /** The first admin's API key, when this start created it. */
  readonly adminKey: string | undefined;
}

/** Settings of a node; DATA_DIR is required, the rest are Troupe variables. */
export type NodeEnv = Record<string, string> & { DATA_DIR: string };

/**
 * Starts a node and waits for "troupe is listening on ...". Logs go at warn
 * level so a long run does not flood the pipe.
 */
export async function startNode(
  env: NodeEnv,
  startTimeoutMs = 90_000,
): Promise<NodeProcess> {
  const child = spawnDeno(
    ["run", "-A", "main.ts", "start"],
    childEnv({
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "warn",
      RATE_LIMIT_PER_MINUTE: "1000000",
      // A killed node's actors move on after this long (30 s by default).
      ACTOR_LEASE_TTL_MS: "10000",
      ...env,
    }),
  );
  try {
    const m = await child.waitForLine(
      /troupe is listening on (http:\/\/\S+)/,
      startTimeoutMs,
    );
    const key = child.output().match(/^\s+(trp_\S+)\s*$/m)?.[1];
    return { ...child, url: m[1]!, adminKey: key };
  } catch (error) {
    await child.stop(2_000);
    throw error;
  }
}

// --- the HTTP API ---

/** The JSON API of one node, as one API key. */
export class Api {
  constructor(readonly url: string, readonly key: string) {}

  /** One request; throws on network errors, returns status and JSON body. */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (a plain-text probe)
    }
    return { status: response.status, body: parsed as T };
  }

  /** Lifts the admin's daily build quota so a long run is not refused. */
  async liftQuota(): Promise<void> {
    const users = await this.request<{ items: { id: string; role: string }[] }>(
      "GET",
      "/v1/admin/users?limit=100",
    );
    const admin = users.body.items?.find((u) => u.role === "admin");
    if (!admin) {
      throw new Error(`no admin in ${JSON.stringify(users.body)}`);
    }
    const r = await this.request("PATCH", `/v1/admin/users/${admin.id}`, {
      dailyBuildQuota: 100_000,
    });
    if (r.status !== 200) {
      throw new Error(
        `quota not lifted: ${r.status} ${JSON.stringify(r.body)}`,
      );
    }
  }

  /** POST /v1/builds; the new build's id (throws unless 202). */
  async submitBuild(n: number): Promise<string> {
    const r = await this.request<{ id?: string }>("POST", "/v1/builds", {
      project: `stack-${n}`,
      language: "typescript",
      requirements: "A typed LIFO stack with push, pop, peek and size.",
    });
    if (r.status !== 202 || typeof r.body.id !== "string") {
      throw new Error(
        `POST /v1/builds answered ${r.status}: ${JSON.stringify(r.body)}`,
      );
    }
    return r.body.id;
  }

  /** Every build of this key's user: id -> status (GET /v1/builds, all pages). */
  async statuses(): Promise<Map<string, string>> {
    return new Map(
      [...(await this.builds()).entries()].map(([id, b]) => [id, b.status]),
    );
  }

  /** The number of build events of this key's user: it grows while builds make progress. */
  async eventCount(): Promise<number> {
    let n = 0;
    for (const b of (await this.builds()).values()) n += b.lastEventSeq;
    return n;
  }

  /** Every build of this key's user with its status and latest event seq. */
  async builds(): Promise<
    Map<string, { status: string; lastEventSeq: number }>
  > {
    const out = new Map<string, { status: string; lastEventSeq: number }>();
    let cursor: string | null = null;
    do {
      const query: string = cursor
        ? `?limit=100&cursor=${encodeURIComponent(cursor)}`
        : "?limit=100";
      const r: {
        status: number;
        body: {
          items: { id: string; status: string; lastEventSeq: number }[];
          nextCursor: string | null;
        };
      } = await this.request("GET", `/v1/builds${query}`);
      if (r.status !== 200) {
        throw new Error(`GET /v1/builds answered ${r.status}`);
      }
      for (const b of r.body.items) {
        out.set(b.id, { status: b.status, lastEventSeq: b.lastEventSeq });
      }
      cursor = r.body.nextCursor;
    } while (cursor);
    return out;
  }

  /** GET /readyz's status code (0 when the node does not answer). */
  async readyz(): Promise<number> {
    try {
      const r = await fetch(`${this.url}/readyz`, {
        signal: AbortSignal.timeout(5_000),
      });
      await r.body?.cancel();
      return r.status;
    } catch {
      return 0;
    }
  }
}

/**
 * Polls until every id in `ids` is terminal; tolerates a node that is down
 * for a moment (`api()` is asked again each round, so a restarted node's new
 * URL is used). Throws after `timeoutMs` naming the builds still open.
 */
export async function waitAllTerminal(
  api: () => Api,
  ids: readonly string[],
  timeoutMs: number,
  onRound?: (statuses: Map<string, string>) => void,
): Promise<Map<string, string>> {
  const deadline = Date.now() + timeoutMs;
  let last = new Map<string, string>();
  let lastError = "";
  for (;;) {
    try {
      last = await api().statuses();
      onRound?.(last);
      if (ids.every((id) => isTerminal(last.get(id)))) return last;
    } catch (error) {
      lastError = String(error);
    }
    if (Date.now() > deadline) {
      const open = ids.filter((id) => !isTerminal(last.get(id)));
      const byStatus: Record<string, number> = {};
      for (const id of open) {
        const s = last.get(id) ?? "(missing)";
        byStatus[s] = (byStatus[s] ?? 0) + 1;
      }
      throw new Error(
        `${open.length} of ${ids.length} builds not terminal after ${timeoutMs} ms: ${
          JSON.stringify(byStatus)
        }${lastError ? `; last error: ${lastError}` : ""}`,
      );
    }
    await sleep(500);
  }
}

/** Counts of each status in `statuses` restricted to `ids`. */
export function tally(
  statuses: Map<string, string>,
  ids: readonly string[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) {
    const s = statuses.get(id) ?? "(missing)";
    out[s] = (out[s] ?? 0) + 1;
  }
  return out;
}

// --- the database, afterwards ---

/** Opens a node's PGlite (the node must have exited) or a server URL. */
export function openNodeDatabase(
  target: { pgliteDir: string } | { url: string },
): Promise<Database> {
  return openDatabase(target);
}

/** What {@linkcode checkExactlyOnce} found wrong, per build (empty: all good). */
export interface ExactlyOnceReport {
  readonly builds: number;
  readonly byStatus: Record<string, number>;
  readonly problems: string[];
  /** Error texts of failed builds, for the log. */
  readonly errors: string[];
}

/**
 * Checks the exactly-once properties of the builds `ids` in the database:
 * every build exists and is terminal; its events' seqs are 1..n without gaps
 * or repeats; its status events form one chain from `queued` (each `from` is
 * the previous `to`) with exactly one terminal status event, the last; a
 * succeeded build has exactly one code analysis and no other build more than
 * one; no event type that marks a one-time step (a terminal `status`) repeats.
 */
export async function checkExactlyOnce(
  db: Db,
  ids: readonly string[],
): Promise<ExactlyOnceReport> {
  const problems: string[] = [];
  const errors: string[] = [];
  const byStatus: Record<string, number> = {};
  const rows = await db.selectFrom("builds").select([
    "id",
    "status",
    "error",
  ]).where("id", "in", [...ids]).execute();
  const builds = new Map(rows.map((r) => [r.id, r]));
  const analyses = new Map<string, number>();
  for (
    const r of await db.selectFrom("code_analyses")
      .select(["build_id", db.fn.countAll<number>().as("n")])
      .where("build_id", "in", [...ids]).groupBy("build_id").execute()
  ) {
    if (r.build_id) analyses.set(r.build_id, Number(r.n));
  }
  const events = new Map<
    string,
    { seq: number; type: string; data: unknown }[]
  >();
  for (
    const e of await db.selectFrom("build_events")
      .select(["build_id", "seq", "type", "data"])
      .where("build_id", "in", [...ids]).orderBy("build_id").orderBy("seq")
      .execute()
  ) {
    const list = events.get(e.build_id) ?? [];
    list.push({ seq: Number(e.seq), type: e.type, data: e.data });
    events.set(e.build_id, list);
  }
  for (const id of ids) {
    const build = builds.get(id);
    if (!build) {
      problems.push(`${id}: lost (no row)`);
      continue;
    }
    byStatus[build.status] = (byStatus[build.status] ?? 0) + 1;
    if (build.status === "failed" && build.error) {
      errors.push(`${id}: ${build.error}`);
    }
    if (!isTerminal(build.status)) {
      problems.push(`${id}: not terminal (${build.status})`);
    }
    const list = events.get(id) ?? [];
    const seqs = list.map((e) => e.seq);
    if (!seqs.every((s, i) => s === i + 1)) {
      problems.push(`${id}: event seqs not 1..${seqs.length}: ${seqs.join()}`);
    }
    const trail = list.filter((e) => e.type === "status").map((e) =>
      e.data as { from: string; to: string }
    );
    let at = "queued";
    for (const step of trail) {
      if (step.from !== at) {
        problems.push(
          `${id}: status chain broken: ${
            trail.map((s) => `${s.from}>${s.to}`).join(" ")
          }`,
        );
        break;
      }
      at = step.to;
    }
    const terminalEvents = trail.filter((s) => isTerminal(s.to)).length;
    if (terminalEvents !== 1) {
      problems.push(`${id}: ${terminalEvents} terminal status events`);
    } else if (!isTerminal(trail.at(-1)?.to)) {
      problems.push(`${id}: events continue after the terminal status`);
    }
    if (at !== build.status) {
      problems.push(`${id}: row says ${build.status}, events end at ${at}`);
    }
    const n = analyses.get(id) ?? 0;
    if (n > 1) problems.push(`${id}: ${n} code analyses`);
    if (build.status === "succeeded" && n !== 1) {
      problems.push(`${id}: succeeded with ${n} code analyses`);
    }
  }
  return { builds: ids.length, byStatus, problems, errors };
}

// --- a private PostgreSQL server ---

/** A throwaway PostgreSQL cluster that a test owns (and may restart). */
export interface PostgresCluster {
  readonly url: string;
  /** `pg_ctl restart -m fast`: every connection is dropped, the server comes back. */
  restart(): Promise<void>;
  /** `pg_ctl stop -m fast`: the server is down until {@linkcode PostgresCluster.up}. */
  down(): Promise<void>;
  /** `pg_ctl start` after {@linkcode PostgresCluster.down}. */
  up(): Promise<void>;
  /** Stops the server and deletes its files. */
  stop(): Promise<void>;
}

/** The directory of PostgreSQL's server binaries, if installed. */
export function postgresBinDir(): string | undefined {
  try {
    for (const entry of Deno.readDirSync("/usr/lib/postgresql")) {
      const bin = `/usr/lib/postgresql/${entry.name}/bin`;
      try {
        Deno.statSync(`${bin}/initdb`);
        return bin;
      } catch {
        // not this one
      }
    }
  } catch {
    // not installed
  }
  return undefined;
}

const isRoot = Deno.uid?.() === 0;

async function sh(script: string): Promise<string> {
  const args = isRoot
    ? ["su", "postgres", "-s", "/bin/bash", "-c", script]
    : ["bash", "-c", script];
  const out = await new Deno.Command(args[0]!, {
    args: args.slice(1),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) +
    new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${script} failed:\n${text}`);
  return text;
}

/**
 * initdb + pg_ctl start in a temporary directory, on a free loopback port,
 * with fsync off (the data is throwaway) unless `durable` (benchmarks want
 * the default settings). Needs the server binaries
 * ({@linkcode postgresBinDir}); as root it runs them as `postgres`.
 */
export async function startPostgresCluster(
  options: { durable?: boolean } = {},
): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL server binaries are not installed");
  const base = await Deno.makeTempDir({ prefix: "troupe-rel-pg-" });
  const data = `${base}/data`;
  const sock = `${base}/sock`;
  await Deno.mkdir(sock);
  if (isRoot) {
    const r = await new Deno.Command("chown", {
      args: ["-R", "postgres:postgres", base],
    }).output();
    if (!r.success) throw new Error(`chown ${base} failed`);
  }
  const port = freePort();
  const opts =
    `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c max_connections=200` +
    (options.durable ? "" : " -c fsync=off -c synchronous_commit=off");
  const ctl = (cmd: string) =>
    sh(`${bin}/pg_ctl -D '${data}' -o '${opts}' -l '${base}/log' -w ${cmd}`);
  try {
    await sh(`${bin}/initdb -D '${data}' -A trust -U postgres >/dev/null`);
    await ctl("start");
  } catch (error) {
    await Deno.remove(base, { recursive: true }).catch(() => {});
    throw error;
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async () => {
      await ctl("-m fast restart");
    },
    down: async () => {
      await ctl("-m fast stop");
    },
    up: async () => {
      await ctl("start");
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await sh(`${bin}/pg_ctl -D '${data}' -m immediate -w stop`).catch(
        () => {},
      );
      await Deno.remove(base, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * A failed build's story, for the log: its events (type, and the status
 * steps) and the LangGraph checkpoints of its thread (step, source, writes).
 */
export async function describeBuild(db: Db, id: string): Promise<string> {
  const events = await db.selectFrom("build_events").select([
    "seq",
    "type",
    "data",
    "created_at",
  ]).where("build_id", "=", id).orderBy("seq").execute();
  const lines = events.map((e) =>
    `  #${e.seq} ${e.created_at.toISOString()} ${e.type}${
      e.type === "status" || e.type === "step" || e.type === "error"
        ? ` ${JSON.stringify(e.data).slice(0, 200)}`
        : ""
    }`
  );
  try {
    const { rows } = await sql<
      { checkpoint_id: string; metadata: unknown; parent_checkpoint_id: string }
    >`select checkpoint_id, parent_checkpoint_id, metadata from checkpoints where thread_id = ${id} order by checkpoint_id`
      .execute(db);
    for (const r of rows) {
      lines.push(
        `  checkpoint ${r.checkpoint_id} (parent ${r.parent_checkpoint_id}) ${
          JSON.stringify(r.metadata).slice(0, 200)
        }`,
      );
    }
  } catch (error) {
    lines.push(`  (checkpoints unreadable: ${error})`);
  }
  const actors = await db.selectFrom("actor_state").select([
    "kind",
    "version",
    "last_seq",
    "fence",
    "updated_at",
    "state",
  ]).where("id", "=", id).execute();
  for (const a of actors) {
    lines.push(
      `  actor ${a.kind}: version ${a.version}, last_seq ${a.last_seq}, fence ${a.fence}, at ${a.updated_at.toISOString()}, state ${
        JSON.stringify(a.state).slice(0, 160)
      }`,
    );
  }
  const dead = await db.selectFrom("dead_letters").selectAll()
    .where("actor_id", "=", id).execute().catch(() => []);
  for (const d of dead) {
    lines.push(`  dead letter ${JSON.stringify(d).slice(0, 300)}`);
  }
  return `build ${id}:\n${lines.join("\n")}`;
}

/** Every runtime KV entry whose key mentions `id` (mailbox, lease, fence, seq), for the log. */
export async function describeKv(path: string, id: string): Promise<string> {
  const kv = await Deno.openKv(path);
  const lines: string[] = [];
  try {
    for await (const entry of kv.list({ prefix: [] })) {
      if (!entry.key.some((part) => String(part).includes(id))) continue;
      const text = (v: unknown) =>
        JSON.stringify(v, (_, x) => typeof x === "bigint" ? String(x) : x);
      lines.push(`  ${text(entry.key)} = ${text(entry.value)?.slice(0, 200)}`);
    }
  } finally {
    kv.close();
  }
  return `KV entries of ${id} (now ${new Date().toISOString()}):\n${
    lines.join("\n") || "  (none)"
  }`;
}
