/**
 * A fake Telegram Bot API server on loopback. It speaks the real protocol at
 * `/bot<token>/<method>` (JSON, form or query parameters in, `{ ok, result }`
 * or `{ ok: false, error_code, description, parameters? }` out), so grammY is
 * exercised end to end by pointing `client.apiRoot` at {@linkcode FakeTelegram.apiRoot}.
 *
 * Supported: getMe, logOut, close, getWebhookInfo, deleteWebhook, setWebhook,
 * getUpdates (long polling with offset/limit/timeout; a newer getUpdates ends
 * an older pending one with 409, as Telegram does; 409 while a webhook is
 * set), sendMessage,
 * editMessageText, answerCallbackQuery, setMyCommands, getMyCommands.
 * Faults on demand: {@linkcode FakeTelegram.failNext} (429 with
 * `parameters.retry_after`, 409, 500 ...), slow answers
 * ({@linkcode FakeTelegram.stallNext}: the client times out although the
 * call took effect), and {@linkcode FakeTelegram.restart}:
 * update ids that start again from a lower number.
 *
 * getUpdates follows the documented offset rules and the Bot API server's
 * handling of odd offsets (telegram-bot-api, `Client::do_get_updates` with
 * `TQueue::get`): an offset confirms every update below it (they are
 * forgotten); no offset (or 0) starts at the earliest unconfirmed update; a
 * negative offset keeps only the last `-offset` updates; an offset more than
 * 10 beyond the next update id is "in the future" and answered from the head
 * of the queue, confirming nothing.
 *
 * @example
 * ```ts
 * import { FakeTelegram } from "./telegram.ts";
 * await using tg = await FakeTelegram.start();
 * tg.sendText(42, "/start");
 * // new Bot(tg.token, { client: { apiRoot: tg.apiRoot } }) ...
 * ```
 *
 * @module
 */
import type {
  BotCommand,
  CallbackQuery,
  InlineKeyboardMarkup,
  Message,
  Update,
  User,
  UserFromGetMe,
} from "grammy/types";

/** A message the bot sent, as this server stored it. */
export interface SentMessage {
  readonly chatId: number;
  readonly messageId: number;
  text: string;
  parseMode: string | undefined;
  replyMarkup: InlineKeyboardMarkup | undefined;
  /** Earlier texts, oldest first, when the message was edited. */
  readonly edits: string[];
}

/** One recorded API call. */
export interface ApiCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
  /** The error code answered, or 200. */
  readonly status: number;
}

/** A fault to answer instead of processing a call. */
export interface Fault {
  /** Telegram's `error_code`: 429, 409, 400, 500 ... */
  readonly code: number;
  readonly description?: string;
  /** Seconds, sent as `parameters.retry_after` (429). */
  readonly retryAfter?: number;
  /** Only calls whose `chat_id` is this one. */
  readonly chatId?: number;
}

interface PendingPoll {
  /** The first update id the poll may return. */
  readonly from: number;
  readonly limit: number;
  readonly resolve: (response: Response) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface FaultRule extends Fault {
  readonly method: string;
  remaining: number;
}

const HTML_TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "code",
  "pre",
  "a",
  "tg-spoiler",
  "span",
  "blockquote",
  "tg-emoji",
]);

/** The fake server. Start it with {@linkcode FakeTelegram.start}. */
export class FakeTelegram implements AsyncDisposable {
  /** The token this server accepts; any other gets 401. */
  readonly token: string;
  readonly botInfo: UserFromGetMe;
  /** Every call, in arrival order. */
  readonly calls: ApiCall[] = [];
  /** Successful calls per method (cheaper than filtering {@linkcode calls}). */
  readonly succeeded = new Map<string, number>();
  /** Commands registered with setMyCommands. */
  commands: BotCommand[] = [];
  webhook: { url: string; secretToken: string | undefined } | undefined;

  #server: Deno.HttpServer<Deno.NetAddr>;
  #updates: Update[] = [];
  #nextUpdateId = 1;
  #confirmed = 0;
  #poll: PendingPoll | undefined;
  #sent = new Map<number, SentMessage[]>();
  #nextMessageId = new Map<number, number>();
  #callbacks = new Map<string, { answered: boolean; chatId: number }>();
  #answers: { id: string; text: string | undefined; showAlert: boolean }[] = [];
  #faults: FaultRule[] = [];
  #stalls: { method: string; remaining: number; ms: number }[] = [];
  #waiters = new Set<() => void>();
  #nextCallbackId = 1;
  #closed = false;

  private constructor(
    server: Deno.HttpServer<Deno.NetAddr>,
    token: string,
    botInfo: UserFromGetMe,
  ) {
    this.#server = server;
    this.token = token;
    this.botInfo = botInfo;
  }

  /** Starts a server on 127.0.0.1 and a free port. */
  static start(
    options: { token?: string; username?: string; firstUpdateId?: number } = {},
  ): Promise<FakeTelegram> {
    const token = options.token ?? "123456:TEST-token-for-the-fake-bot-api";
    const id = Number(token.split(":")[0]);
    const botInfo: UserFromGetMe = {
      id,
      is_bot: true,
      first_name: "Troupe",
      username: options.username ?? "troupe_test_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
    } as UserFromGetMe;
    const holder: { self?: FakeTelegram } = {};
    const ready = Promise.withResolvers<void>();
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: () => ready.resolve(),
    }, (req) => holder.self!.#handle(req));
    const self = new FakeTelegram(server, token, botInfo);
    holder.self = self;
    self.#nextUpdateId = options.firstUpdateId ?? 1;
    return ready.promise.then(() => self);
  }

  /** `http://127.0.0.1:<port>`: pass as grammY's `client.apiRoot`. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  // ---- injecting updates -------------------------------------------------

  /** Queues an update as Telegram would; returns it with its `update_id`. */
  pushUpdate(update: Omit<Update, "update_id">): Update {
    const full = { ...update, update_id: this.#nextUpdateId++ } as Update;
    this.#updates.push(full);
    this.#wakePoll();
    this.#notify();
    return full;
  }

  /**
   * A Bot API restart (or a week without updates): the queue is emptied, a
   * pending long poll fails with 502 as a restarting server's proxy answers,
   * and the next update id is `fromId`, below ids already handed out. Message
   * ids and chats stay: they are Telegram's, not the Bot API server's.
   */
  restart(options: { fromId: number }): void {
    this.#updates = [];
    this.#confirmed = 0;
    this.#nextUpdateId = options.fromId;
    const poll = this.#poll;
    if (poll) {
      this.#poll = undefined;
      clearTimeout(poll.timer);
      poll.resolve(error(502, "Bad Gateway"));
    }
  }

  /** Queues the same update again, as Telegram does when it was not confirmed (at-least-once delivery). */
  redeliver(update: Update): void {
    this.#updates.push(update);
    this.#updates.sort((a, b) => a.update_id - b.update_id);
    this.#wakePoll();
    this.#notify();
  }

  /** A text message from a user in a private chat (user id = chat id unless `from` says otherwise). */
  sendText(
    chatId: number,
    text: string,
    from: Partial<User> = {},
  ): Update {
    return this.pushUpdate({
      message: this.userMessage(chatId, text, from) as
        & Message
        & Update.NonChannel,
    });
  }

  /** Builds (without queueing) the message object of {@linkcode sendText}. */
  userMessage(chatId: number, text: string, from: Partial<User> = {}): Message {
    const user = this.#user(chatId, from);
    const entities = text.startsWith("/")
      ? [{
        type: "bot_command" as const,
        offset: 0,
        length: text.split(/\s/)[0]!.length,
      }]
      : undefined;
    return {
      message_id: this.#allocMessageId(chatId),
      date: Math.floor(Date.now() / 1000),
      chat: chatId > 0
        ? {
          id: chatId,
          type: "private",
          first_name: user.first_name,
          ...(user.username ? { username: user.username } : {}),
        }
        : { id: chatId, type: "group", title: `group ${chatId}` },
      from: user,
      text,
      ...(entities ? { entities } : {}),
    } as Message;
  }

  /**
   * A press of an inline button under one of the bot's messages (the latest
   * one carrying a button with this `data` when `messageId` is omitted).
   * Returns the callback query id.
   */
  pressButton(
    chatId: number,
    data: string,
    options: { messageId?: number; from?: Partial<User> } = {},
  ): string {
    const messages = this.#sent.get(chatId) ?? [];
    const message = options.messageId !== undefined
      ? messages.find((m) => m.messageId === options.messageId)
      : messages.findLast((m) =>
        m.replyMarkup?.inline_keyboard.some((row) =>
          row.some((b) => "callback_data" in b && b.callback_data === data)
        )
      );
    const messageId = message?.messageId ?? options.messageId ?? 1;
    const id = String(this.#nextCallbackId++);
    this.#callbacks.set(id, { answered: false, chatId });
    const query: CallbackQuery = {
      id,
      from: this.#user(chatId, options.from ?? {}),
      chat_instance: `ci${chatId}`,
      data,
      message: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: chatId > 0
          ? { id: chatId, type: "private", first_name: `user${chatId}` }
          : { id: chatId, type: "group", title: `group ${chatId}` },
        from: this.botInfo,
        text: message?.text ?? "",
        ...(message?.replyMarkup ? { reply_markup: message.replyMarkup } : {}),
      } as Message,
    };
    this.pushUpdate({ callback_query: query });
    return id;
  }

  /** Sends an update to the webhook set with setWebhook, with its secret header; returns the HTTP status. */
  async deliverWebhook(
    update: Omit<Update, "update_id">,
    options: { secretToken?: string } = {},
  ): Promise<number> {
    if (!this.webhook) throw new Error("no webhook is set");
    const full = { ...update, update_id: this.#nextUpdateId++ } as Update;
    const secret = options.secretToken ?? this.webhook.secretToken;
    const res = await fetch(this.webhook.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}),
      },
      body: JSON.stringify(full),
    });
    await res.body?.cancel();
    return res.status;
  }

  // ---- faults -------------------------------------------------------------

  /** Answers the next `times` calls of `method` with `fault` instead of processing them. */
  failNext(method: string, times: number, fault: Fault): void {
    this.#faults.push({ ...fault, method, remaining: times });
  }

  /**
   * Holds the next `times` calls of `method` for `ms` before processing and
   * answering them, as an overloaded server does: a client that gives up
   * sooner sees a timeout although the call took effect.
   */
  stallNext(method: string, times: number, ms: number): void {
    this.#stalls.push({ method, remaining: times, ms });
  }

  /** Forgets every fault not yet answered. */
  clearFaults(): void {
    this.#faults = [];
    this.#stalls = [];
  }

  // ---- reading what the bot did ------------------------------------------

  /** Messages the bot sent to `chatId`, in order (edits applied in place). */
  messages(chatId: number): SentMessage[] {
    return [...(this.#sent.get(chatId) ?? [])];
  }

  /** Texts the bot sent to `chatId` as the user sees them (HTML tags removed, entities decoded), in order. */
  texts(chatId: number): string[] {
    return this.messages(chatId).map((m) => stripHtml(m.text, m.parseMode));
  }

  /** Chats the bot has written to. */
  chats(): number[] {
    return [...this.#sent.keys()];
  }

  /** Answers given to callback queries, in order. */
  get callbackAnswers(): readonly {
    id: string;
    text: string | undefined;
    showAlert: boolean;
  }[] {
    return this.#answers;
  }

  /** Calls of `method` so far. */
  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Updates not yet confirmed by a getUpdates offset. */
  get pendingUpdates(): number {
    return this.#updates.filter((u) => u.update_id >= this.#confirmed).length;
  }

  /**
   * Resolves once `predicate` holds (checked after every API call and update);
   * rejects after `timeoutMs` with `describe()` in the message.
   */
  waitFor(
    predicate: () => boolean,
    options: { timeoutMs?: number; describe?: () => string } = {},
  ): Promise<void> {
    if (predicate()) return Promise.resolve();
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const check = () => {
      if (predicate()) {
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve();
      }
    };
    const timer = setTimeout(() => {
      this.#waiters.delete(check);
      reject(
        new Error(
          `FakeTelegram.waitFor timed out after ${
            options.timeoutMs ?? 10_000
          } ms${options.describe ? `: ${options.describe()}` : ""}`,
        ),
      );
    }, options.timeoutMs ?? 10_000);
    this.#waiters.add(check);
    return promise;
  }

  /** Waits until `chatId` has at least `count` messages; returns their texts. */
  async waitForMessages(
    chatId: number,
    count: number,
    timeoutMs = 10_000,
  ): Promise<string[]> {
    await this.waitFor(() => this.messages(chatId).length >= count, {
      timeoutMs,
      describe: () =>
        `chat ${chatId} has ${this.messages(chatId).length}/${count}: ${
          JSON.stringify(this.texts(chatId))
        }`,
    });
    return this.texts(chatId);
  }

  /** Ends pending long polls and stops the server. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#poll) {
      clearTimeout(this.#poll.timer);
      this.#poll.resolve(ok([]));
      this.#poll = undefined;
    }
    await this.#server.shutdown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- protocol ------------------------------------------------------------

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return error(404, "Not Found");
    const [, token, method] = match as unknown as [string, string, string];
    let params: Record<string, unknown>;
    try {
      params = await readParams(req, url);
    } catch {
      return error(400, "Bad Request: invalid request body");
    }
    const stall = this.#stalls.find((s) =>
      s.method === method && s.remaining > 0
    );
    if (stall) {
      stall.remaining--;
      if (stall.remaining === 0) {
        this.#stalls.splice(this.#stalls.indexOf(stall), 1);
      }
      await new Promise((r) => setTimeout(r, stall.ms));
    }
    const response = this.#dispatch(token, method, params);
    const settled = await response;
    this.calls.push({ method, params, status: settled.status });
    if (settled.status === 200) {
      this.succeeded.set(method, (this.succeeded.get(method) ?? 0) + 1);
    }
    this.#notify();
    return settled;
  }

  #dispatch(
    token: string,
    method: string,
    params: Record<string, unknown>,
  ): Response | Promise<Response> {
    if (token !== this.token) return error(401, "Unauthorized");
    const fault = this.#takeFault(method, params);
    if (fault) {
      return error(
        fault.code,
        fault.description ?? defaultDescription(fault.code),
        fault.retryAfter !== undefined
          ? { retry_after: fault.retryAfter }
          : undefined,
      );
    }
    switch (method) {
      case "getMe":
        return ok(this.botInfo);
      case "logOut":
      case "close":
        return ok(true);
      case "getWebhookInfo":
        return ok({
          url: this.webhook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: this.pendingUpdates,
        });
      case "deleteWebhook":
        this.webhook = undefined;
        if (params.drop_pending_updates) this.#updates = [];
        return ok(true);
      case "setWebhook": {
        const url = String(params.url ?? "");
        if (url === "") {
          this.webhook = undefined;
          return ok(true);
        }
        if (!/^https?:\/\//.test(url)) {
          return error(400, "Bad Request: bad webhook: invalid URL");
        }
        const secret = params.secret_token === undefined
          ? undefined
          : String(params.secret_token);
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
          return error(400, "Bad Request: bad webhook: invalid secret token");
        }
        this.webhook = { url, secretToken: secret };
        return ok(true);
      }
      case "getUpdates":
        return this.#getUpdates(params);
      case "sendMessage":
        return this.#sendMessage(params);
      case "editMessageText":
        return this.#editMessageText(params);
      case "answerCallbackQuery": {
        const id = String(params.callback_query_id ?? "");
        const query = this.#callbacks.get(id);
        if (!query || query.answered) {
          return error(
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
          );
        }
        query.answered = true;
        this.#answers.push({
          id,
          text: params.text === undefined ? undefined : String(params.text),
          showAlert: params.show_alert === true,
        });
        return ok(true);
      }
      case "setMyCommands": {
        const commands = params.commands;
        if (!Array.isArray(commands)) {
          return error(400, "Bad Request: commands must be an array");
        }
        for (const c of commands as BotCommand[]) {
          if (!/^[a-z0-9_]{1,32}$/.test(c.command ?? "")) {
            return error(400, "Bad Request: BOT_COMMAND_INVALID");
          }
          if (!c.description || c.description.length > 256) {
            return error(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID");
          }
        }
        this.commands = commands as BotCommand[];
        return ok(true);
      }
      case "getMyCommands":
        return ok(this.commands);
      default:
        return error(404, "Not Found: method not found");
    }
  }

  #takeFault(
    method: string,
    params: Record<string, unknown>,
  ): FaultRule | undefined {
    const rule = this.#faults.find((f) =>
      f.method === method && f.remaining > 0 &&
      (f.chatId === undefined || Number(params.chat_id) === f.chatId)
    );
    if (!rule) return undefined;
    rule.remaining--;
    if (rule.remaining === 0) {
      this.#faults.splice(this.#faults.indexOf(rule), 1);
    }
    return rule;
  }

  #getUpdates(
    params: Record<string, unknown>,
  ): Response | Promise<Response> {
    if (this.webhook) {
      return error(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = Number(params.offset ?? 0);
    const limit = Math.min(100, Math.max(1, Number(params.limit ?? 100)));
    const timeout = Math.max(0, Number(params.timeout ?? 0));
    const head = () => this.#updates[0]?.update_id ?? this.#nextUpdateId;
    let from: number;
    if (offset < 0) {
      this.#updates = this.#updates.slice(offset);
      from = head();
    } else if (offset === 0 || offset > this.#nextUpdateId + 10) {
      // Omitted, or "in the future": from the queue head, nothing confirmed.
      from = head();
    } else {
      this.#confirmed = offset;
      this.#updates = this.#updates.filter((u) => u.update_id >= offset);
      from = offset;
    }
    if (this.#poll) {
      // Telegram ends the older request when a newer one arrives.
      const old = this.#poll;
      this.#poll = undefined;
      clearTimeout(old.timer);
      old.resolve(
        error(
          409,
          "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
        ),
      );
    }
    const ready = this.#available(from, limit);
    if (ready.length > 0 || timeout === 0 || this.#closed) return ok(ready);
    const { promise, resolve } = Promise.withResolvers<Response>();
    const poll: PendingPoll = {
      from,
      limit,
      resolve,
      timer: setTimeout(() => {
        if (this.#poll === poll) this.#poll = undefined;
        resolve(ok([]));
      }, timeout * 1000),
    };
    this.#poll = poll;
    return promise;
  }

  #available(from: number, limit: number): Update[] {
    return this.#updates.filter((u) => u.update_id >= from).slice(0, limit);
  }

  #wakePoll(): void {
    const poll = this.#poll;
    if (!poll) return;
    const ready = this.#available(poll.from, poll.limit);
    if (ready.length === 0) return;
    this.#poll = undefined;
    clearTimeout(poll.timer);
    poll.resolve(ok(ready));
  }

  #sendMessage(params: Record<string, unknown>): Response {
    const chatId = Number(params.chat_id);
    if (!Number.isSafeInteger(chatId) || chatId === 0) {
      return error(400, "Bad Request: chat not found");
    }
    const text = params.text === undefined ? "" : String(params.text);
    const invalid = checkText(text, params.parse_mode);
    if (invalid) return error(400, `Bad Request: ${invalid}`);
    const markup = params.reply_markup as InlineKeyboardMarkup | undefined;
    const markupInvalid = checkMarkup(markup);
    if (markupInvalid) return error(400, `Bad Request: ${markupInvalid}`);
    const message: SentMessage = {
      chatId,
      messageId: this.#allocMessageId(chatId),
      text,
      parseMode: params.parse_mode === undefined
        ? undefined
        : String(params.parse_mode),
      replyMarkup: markup,
      edits: [],
    };
    const list = this.#sent.get(chatId) ?? [];
    list.push(message);
    this.#sent.set(chatId, list);
    return ok(this.#asMessage(message));
  }

  #editMessageText(params: Record<string, unknown>): Response {
    const chatId = Number(params.chat_id);
    const messageId = Number(params.message_id);
    const message = this.#sent.get(chatId)?.find((m) =>
      m.messageId === messageId
    );
    if (!message) return error(400, "Bad Request: message to edit not found");
    const text = params.text === undefined ? "" : String(params.text);
    const invalid = checkText(text, params.parse_mode);
    if (invalid) return error(400, `Bad Request: ${invalid}`);
    const markup = params.reply_markup as InlineKeyboardMarkup | undefined;
    const markupInvalid = checkMarkup(markup);
    if (markupInvalid) return error(400, `Bad Request: ${markupInvalid}`);
    if (
      text === message.text &&
      JSON.stringify(markup) === JSON.stringify(message.replyMarkup)
    ) {
      return error(
        400,
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    message.edits.push(message.text);
    message.text = text;
    message.replyMarkup = markup;
    message.parseMode = params.parse_mode === undefined
      ? undefined
      : String(params.parse_mode);
    return ok(this.#asMessage(message));
  }

  #asMessage(m: SentMessage): Message {
    return {
      message_id: m.messageId,
      date: Math.floor(Date.now() / 1000),
      chat: m.chatId > 0
        ? { id: m.chatId, type: "private", first_name: `user${m.chatId}` }
        : { id: m.chatId, type: "group", title: `group ${m.chatId}` },
      from: this.botInfo,
      text: stripHtml(m.text, m.parseMode),
      ...(m.replyMarkup ? { reply_markup: m.replyMarkup } : {}),
    } as Message;
  }

  #allocMessageId(chatId: number): number {
    const id = this.#nextMessageId.get(chatId) ?? 1;
    this.#nextMessageId.set(chatId, id + 1);
    return id;
  }

  #user(chatId: number, from: Partial<User>): User {
    const id = from.id ?? Math.abs(chatId);
    return {
      is_bot: false,
      first_name: `user${id}`,
      language_code: "en",
      ...from,
      id,
    };
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

async function readParams(
  req: Request,
  url: URL,
): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) params[k] = parseLoose(v);
  if (req.method !== "POST") return params;
  const type = req.headers.get("content-type") ?? "";
  if (type.includes("application/json")) {
    const text = await req.text();
    if (text.trim() !== "") Object.assign(params, JSON.parse(text));
  } else if (
    type.includes("multipart/form-data") ||
    type.includes("application/x-www-form-urlencoded")
  ) {
    const form = await req.formData();
    for (const [k, v] of form) {
      if (typeof v === "string") params[k] = parseLoose(v);
    }
  } else {
    await req.body?.cancel();
  }
  return params;
}

/** Form fields carry JSON-serialized objects and numbers, as the Bot API accepts. */
function parseLoose(value: string): unknown {
  if (
    /^[[{]/.test(value) || /^-?\d+$/.test(value) || /^(true|false)$/.test(value)
  ) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

function ok(result: unknown): Response {
  return Response.json({ ok: true, result });
}

function error(
  code: number,
  description: string,
  parameters?: Record<string, unknown>,
): Response {
  return Response.json(
    {
      ok: false,
      error_code: code,
      description,
      ...(parameters ? { parameters } : {}),
    },
    { status: code },
  );
}

function defaultDescription(code: number): string {
  switch (code) {
    case 429:
      return "Too Many Requests: retry later";
    case 409:
      return "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";
    case 403:
      return "Forbidden: bot was blocked by the user";
    case 500:
      return "Internal Server Error";
    default:
      return "Bad Request";
  }
}

/** Validates a message text the way Telegram does, for the HTML parse mode. */
function checkText(text: string, parseMode: unknown): string | undefined {
  const visible = stripHtml(text, parseMode);
  if (visible.trim() === "") return "message text is empty";
  if (visible.length > 4096) return "message is too long";
  if (parseMode === undefined) return undefined;
  if (parseMode !== "HTML") {
    return `unsupported parse_mode ${String(parseMode)}`;
  }
  const stack: string[] = [];
  const re =
    /<(\/?)([a-zA-Z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>|<|&(#\d+|#x[0-9a-fA-F]+|[a-z]+);|&/g;
  for (const m of text.matchAll(re)) {
    if (m[0] === "<") {
      return `can't parse entities: unsupported start tag at byte offset ${m.index}`;
    }
    if (m[0] === "&") {
      return `can't parse entities: character '&' must be escaped at byte offset ${m.index}`;
    }
    if (m[0].startsWith("&")) {
      const name = m[4]!;
      if (
        !name.startsWith("#") && !["lt", "gt", "amp", "quot"].includes(name)
      ) {
        return `can't parse entities: unsupported entity &${name};`;
      }
      continue;
    }
    const tag = m[2]!.toLowerCase();
    if (!HTML_TAGS.has(tag)) {
      return `can't parse entities: unsupported start tag "${tag}" at byte offset ${m.index}`;
    }
    if (m[1] === "/") {
      if (stack.pop() !== tag) {
        return `can't parse entities: can't find end tag corresponding to start tag "${tag}"`;
      }
    } else stack.push(tag);
  }
  if (stack.length > 0) {
    return `can't parse entities: can't find end tag corresponding to start tag "${
      stack.at(-1)
    }"`;
  }
  return undefined;
}

function checkMarkup(
  markup: InlineKeyboardMarkup | undefined,
): string | undefined {
  if (markup === undefined) return undefined;
  if (!Array.isArray(markup.inline_keyboard)) {
    return 'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array';
  }
  for (const row of markup.inline_keyboard) {
    for (const button of row) {
      if (!button.text) return "BUTTON_TEXT_INVALID";
      if ("callback_data" in button) {
        const bytes = new TextEncoder().encode(button.callback_data).length;
        if (bytes < 1 || bytes > 64) return "BUTTON_DATA_INVALID";
      }
    }
  }
  return undefined;
}

function stripHtml(text: string, parseMode: unknown): string {
  if (parseMode !== "HTML") return text;
  return text.replace(/<[^>]*>/g, "").replaceAll("&lt;", "<").replaceAll(
    "&gt;",
    ">",
  ).replaceAll("&quot;", '"').replaceAll("&amp;", "&");
}
