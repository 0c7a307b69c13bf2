/**
 * An end-to-end rig for the bot: the fake Bot API server, a test database, an
 * actor system with the chat actor (and whatever else a test registers), and
 * the real grammY bot polling the fake.
 *
 * @module
 */
import type { Update, User } from "grammy/types";
import { ActorSystem } from "../../runtime/system.ts";
import { MemoryTransport } from "../../runtime/memory_transport.ts";
import type { AnyBehavior } from "../../runtime/_host.ts";
import { PostgresStateStore } from "../../storage/state_store.ts";
import type { ChatState } from "../../actors/chat.ts";
import { createUser, type User as PlatformUser } from "../../storage/users.ts";
import { createTelegramLinkCode } from "../../storage/telegram_users.ts";
import type { Db } from "../../storage/schema.ts";
import {
  type BotLog,
  type BotOptions,
  createBot,
  dbChatData,
  type TelegramBot,
} from "../../bot/mod.ts";
import { FakeTelegram } from "../fakes/telegram.ts";

/** What a test gets. */
export interface Rig {
  readonly tg: FakeTelegram;
  readonly db: Db;
  readonly kv: Deno.Kv;
  readonly transport: MemoryTransport;
  /** Every log line of the bot, across restarts. */
  readonly logs: { level: string; message: string }[];
  system: ActorSystem;
  telegram: TelegramBot;
  /** Sends `text` from user `chatId` (private chat) and waits for `replies` more bot messages; returns the new texts. */
  say(
    chatId: number,
    text: string,
    options?: { replies?: number; from?: Partial<User> },
  ): Promise<string[]>;
  /** Presses a button and waits until its callback query is answered; returns the answer text. */
  press(
    chatId: number,
    data: string,
    options?: { messageId?: number; from?: Partial<User>; replies?: number },
  ): Promise<string | undefined>;
  /** A platform user with a link code consumed by `/link` from `chatId`. */
  linkedUser(
    chatId: number,
    options?: { email?: string; role?: "user" | "admin"; quota?: number },
  ): Promise<PlatformUser>;
  /**
   * Stops the bot and the system and starts both again on the same store and
   * transport (a node restart). `drainMs: 0` gives unsent replies no time
   * (as a crash would); `between` runs while the node is down.
   */
  restart(
    options?: { drainMs?: number; between?: () => void | Promise<void> },
  ): Promise<void>;
  /** Resolves once the chat actor has handled `update` and has no reply left to send. */
  settled(chatId: number, update: Update): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@linkcode openRig}. */
export interface RigOptions {
  readonly db: Db;
  /** More kinds (session, build, workflow ...), given the rig's system getter. */
  readonly behaviors?: (rig: () => Rig) => AnyBehavior[];
  readonly bot?: Partial<Omit<BotOptions, "token" | "data" | "nodeId">>;
  /** Where the fake's update ids start (default 1). */
  readonly firstUpdateId?: number;
}

/** Starts a rig; close it at the end of the test. */
export async function openRig(options: RigOptions): Promise<Rig> {
  const tg = await FakeTelegram.start(
    options.firstUpdateId !== undefined
      ? { firstUpdateId: options.firstUpdateId }
      : {},
  );
  const logs: { level: string; message: string }[] = [];
  const log: BotLog = (level, message) => logs.push({ level, message });
  const kv = await Deno.openKv(":memory:");
  const transport = new MemoryTransport({ nodeId: "node-a" });
  const store = new PostgresStateStore(options.db);
  const holder: { rig?: Rig } = {};

  const boot = async () => {
    const telegram = createBot({
      token: tg.token,
      apiRoot: tg.apiRoot,
      data: dbChatData(options.db),
      kv,
      nodeId: "node-a",
      adminIds: [],
      outbox: { perChatIntervalMs: 0, globalPerSecond: Infinity },
      polling: {
        pollTimeoutSeconds: 1,
        leaseMs: 2000,
        backoff: { initialMs: 10, maxMs: 200 },
      },
      askTimeoutMs: 10_000,
      log,
      ...options.bot,
    });
    const system = new ActorSystem({
      behaviors: [
        telegram.chatBehavior,
        ...(options.behaviors?.(() => holder.rig!) ?? []),
      ],
      store,
      transport,
    });
    system.start();
    await telegram.start(system);
    return { telegram, system };
  };

  const first = await boot();
  let codes = 0;
  const rig: Rig = {
    tg,
    db: options.db,
    kv,
    transport,
    logs,
    system: first.system,
    telegram: first.telegram,
    async say(chatId, text, opts = {}) {
      const before = tg.messages(chatId).length;
      tg.sendText(chatId, text, opts.from ?? {});
      const replies = opts.replies ?? 1;
      const texts = await tg.waitForMessages(chatId, before + replies);
      return texts.slice(before);
    },
    async press(chatId, data, opts = {}) {
      const before = tg.messages(chatId).length;
      const id = tg.pressButton(chatId, data, {
        ...(opts.messageId !== undefined ? { messageId: opts.messageId } : {}),
        ...(opts.from ? { from: opts.from } : {}),
      });
      await tg.waitFor(() => tg.callbackAnswers.some((a) => a.id === id), {
        describe: () => `callback ${id} (${data}) not answered`,
      });
      if (opts.replies) await tg.waitForMessages(chatId, before + opts.replies);
      return tg.callbackAnswers.find((a) => a.id === id)?.text;
    },
    async linkedUser(chatId, opts = {}) {
      const user = await createUser(options.db, {
        email: opts.email ?? `user${chatId}-${++codes}@example.com`,
        name: `User ${chatId}`,
        ...(opts.role ? { role: opts.role } : {}),
        ...(opts.quota !== undefined ? { dailyBuildQuota: opts.quota } : {}),
      }, { actorUserId: null });
      const { code } = await createTelegramLinkCode(options.db, user.id, {
        actorUserId: user.id,
      });
      const [reply] = await rig.say(chatId, `/link ${code}`);
      if (!reply?.startsWith("✅ Linked")) {
        throw new Error(`linking failed: ${reply}`);
      }
      return user;
    },
    async restart(opts = {}) {
      await rig.telegram.stop(
        opts.drainMs !== undefined ? { drainMs: opts.drainMs } : {},
      );
      await rig.system.shutdown();
      await opts.between?.();
      const next = await boot();
      rig.system = next.system;
      rig.telegram = next.telegram;
    },
    async settled(chatId, update) {
      const store = new PostgresStateStore(options.db);
      const message = update.message;
      const identity = message
        ? `m:${message.message_id}:${message.date}`
        : `q:${update.callback_query?.id}`;
      for (let i = 0;; i++) {
        const saved = await store.load("chat", String(chatId));
        const state = saved?.state as ChatState | undefined;
        if (state?.seen.includes(identity) && state.outbox.length === 0) {
          return;
        }
        if (i > 1000) {
          throw new Error(
            `chat ${chatId} did not settle on ${identity}: ${
              JSON.stringify(state)
            }`,
          );
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await rig.telegram.stop();
      await rig.system.shutdown();
      transport.dispose();
      kv.close();
      await tg.close();
    },
  };
  holder.rig = rig;
  return rig;
}
