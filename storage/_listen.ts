/**
 * LISTEN on a PostgreSQL channel over a dedicated connection that comes back
 * after it is lost.
 *
 * @module
 */
import pg from "pg";
import { exponentialDelay, retry, sleep } from "../runtime/retry.ts";

/** What a channel subscription is told. */
export interface ChannelListener {
  /** A NOTIFY payload sent on the channel. */
  notify(payload: string): void;
  /**
   * Listening, after the first connect or a reconnect. Anything sent while
   * not listening was missed.
   */
  listening(): void;
  /** The connection is gone (why); notifications stop until `listening`. */
  lost(error: unknown): void;
}

/** Stops a subscription. */
export type Unlisten = () => Promise<void>;

/** Reconnect delays: doubling from 500 ms up to 30 s. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * Subscribes over a connection of its own (a pooled one would be handed to
 * other queries). Resolves once the first LISTEN succeeded; rejects when that
 * first connect fails.
 */
export async function listenOnServer(
  connectionString: string,
  channel: string,
  listener: ChannelListener,
  connectTimeoutMs: number,
): Promise<Unlisten> {
  let stopped = false;
  let client: pg.Client | undefined;
  /** Aborted on unlisten: ends a reconnect schedule under way. */
  const stop = new AbortController();

  const connect = async () => {
    const c = new pg.Client({
      connectionString,
      keepAlive: true,
      connectionTimeoutMillis: connectTimeoutMs,
    });
    // Until LISTEN succeeded, failures surface as connect()'s rejection.
    let live = false;
    const drop = (error: unknown) => {
      if (!live) return;
      live = false;
      c.end().catch(() => {});
      if (client === c) client = undefined;
      retryAfter(error);
    };
    c.on("error", drop);
    c.on("end", () => drop(new Error("the server closed the connection")));
    c.on("notification", (message) => {
      if (message.channel === channel) listener.notify(message.payload ?? "");
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      c.end().catch(() => {});
      throw error;
    }
    live = true;
    client = c;
    listener.listening();
  };

  /** Reports the loss, then reconnects on an exponential schedule until it works or unlisten. */
  function retryAfter(error: unknown): void {
    if (stopped) return;
    listener.lost(error);
    const wait = (n: number) =>
      exponentialDelay(n, { initialMs: FIRST_RETRY_MS, maxMs: MAX_RETRY_MS });
    sleep(wait(1), stop.signal)
      .then(() =>
        retry(connect, {
          retries: Infinity,
          delay: (n) => wait(n + 1),
          shouldRetry: () => !stopped,
          onRetry: (lost) => listener.lost(lost),
          signal: stop.signal,
        })
      )
      // Only unlisten ends an endless schedule.
      .catch(() => {});
  }

  await connect();
  return async () => {
    stopped = true;
    stop.abort();
    const c = client;
    client = undefined;
    await c?.end().catch(() => {});
  };
}
