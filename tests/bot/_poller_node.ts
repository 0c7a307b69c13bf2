/**
 * A Telegram poller against the fake Bot API, as the poller tests run one:
 * short long-polls, a 2 s lease and fast backoff, recording what it handled
 * and the events it reported. Its lease and offset live in `kv` or `store`.
 */
import { Api } from "grammy";
import type { Update } from "grammy/types";
import type { FakeTelegram } from "../fakes/telegram.ts";
import { Poller, type PollerEvent } from "../../bot/polling.ts";
import type { PollerStore } from "../../bot/poller_store.ts";
import type { Clock } from "../../runtime/clock.ts";
import { omitUndefined } from "../../runtime/optional.ts";

/** One poller and what it saw. */
export interface PollerNode {
  poller: Poller;
  /** Update ids handled, in order. */
  handled: number[];
  events: PollerEvent[];
}

/** Where the lease lives and how the node behaves. */
export interface PollerNodeOptions {
  kv?: Deno.Kv;
  store?: PollerStore;
  /** Default: the fake's own token. */
  token?: string;
  clock?: Clock;
  /** While it returns true, handling a batch fails. */
  failHandle?: () => boolean;
}

/** A poller named `nodeId` on the fake Bot API `tg`. */
export function pollerNode(
  tg: FakeTelegram,
  nodeId: string,
  options: PollerNodeOptions,
): PollerNode {
  const handled: number[] = [];
  const events: PollerEvent[] = [];
  const token = options.token ?? tg.token;
  const poller = new Poller({
    api: new Api(token, { apiRoot: tg.apiRoot }),
    ...omitUndefined({
      kv: options.kv,
      store: options.store,
      clock: options.clock,
    }),
    botId: Number(token.split(":")[0]),
    nodeId,
    pollTimeoutSeconds: 1,
    leaseMs: 2000,
    backoff: { initialMs: 10, maxMs: 100 },
    apiRoot: tg.apiRoot,
    onEvent: (e) => events.push(e),
    handle: (updates: Update[]) => {
      if (options.failHandle?.()) {
        return Promise.reject(new Error("handler down"));
      }
      handled.push(...updates.map((u) => u.update_id));
      return Promise.resolve();
    },
  });
  return { poller, handled, events };
}
