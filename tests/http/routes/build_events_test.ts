import { assert } from "../../deps.ts";
import { appendBuildEvents } from "../../../storage/build_events.ts";
import { updateBuild } from "../../../storage/builds.ts";
import { makeBuild } from "../../storage/_db.ts";
import { openRouteFixture, read, until } from "./_setup.ts";

interface Frame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  retry?: string;
}

/** Reads an SSE body frame by frame. */
class SseReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new TextDecoder();
  #buffer = "";
  done = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  /** The next frame, or undefined when the stream ended. */
  async next(): Promise<Frame | undefined> {
    while (true) {
      const end = this.#buffer.indexOf("\n\n");
      if (end >= 0) {
        const raw = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const frame: Frame = {};
        for (const line of raw.split("\n")) {
          if (line.startsWith(":")) frame.comment = line.slice(1).trim();
          const m = /^(id|event|data|retry): ?(.*)$/.exec(line);
          if (m) frame[m[1] as "id" | "event" | "data" | "retry"] = m[2]!;
        }
        return frame;
      }
      const { value, done } = await this.#reader.read();
      if (done) {
        this.done = true;
        return undefined;
      }
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  /** Frames (comments skipped) until `stop` says so, or the stream ends. */
  async until(stop: (f: Frame) => boolean): Promise<Frame[]> {
    const frames: Frame[] = [];
    while (true) {
      const f = await this.next();
      if (!f) return frames;
      if (
        (f.comment !== undefined || f.retry !== undefined) &&
        f.event === undefined
      ) continue;
      frames.push(f);
      if (stop(f)) return frames;
    }
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

const statusEvent = (from: string, to: string) => ({
  type: "status",
  data: { from, to },
});

Deno.test("build events over SSE", async (t) => {
  await using f = await openRouteFixture({
    deps: { ssePollMs: 10, sseHeartbeatMs: 60_000 },
  });
  const { app, db, bob, eve } = f;
  const sse = (path: string, headers: Record<string, string> = {}) =>
    app.request(path, {
      headers: { ...bob.auth, Accept: "text/event-stream", ...headers },
    });

  await t.step(
    "a client joining mid-build gets the backlog after Last-Event-ID, then live events until the end",
    async () => {
      const b = await makeBuild(db, bob.user.id);
      await appendBuildEvents(db, b.id, [
        statusEvent("queued", "analyzing"),
        { type: "log", data: { line: "reading requirements" } },
        statusEvent("analyzing", "planning"),
      ]);
      await updateBuild(db, b.id, { status: "planning" });

      const res = await sse(`/v1/builds/${b.id}/events`, {
        "Last-Event-ID": "1",
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("Content-Type") ?? "", /text\/event-stream/);
      const reader = new SseReader(res.body!);
      const backlog = await reader.until((fr) => fr.id === "3");
      assert.deepEqual(backlog.map((fr) => fr.id), ["2", "3"]);
      assert.deepEqual(backlog.map((fr) => fr.event), ["log", "status"]);
      assert.deepEqual(JSON.parse(backlog[0]!.data!).data, {
        line: "reading requirements",
      });

      // Live: appended after the client connected.
      await appendBuildEvents(db, b.id, [
        statusEvent("planning", "generating"),
      ]);
      await updateBuild(db, b.id, { status: "generating" });
      const live = await reader.until((fr) => fr.id === "4");
      assert.deepEqual(live.map((fr) => fr.id), ["4"]);

      await appendBuildEvents(db, b.id, [
        { type: "tests", data: { passed: 3, failed: 0 } },
        statusEvent("generating", "succeeded"),
      ]);
      await updateBuild(db, b.id, { status: "succeeded" });
      const rest = await reader.until(() => false);
      assert.deepEqual(rest.map((fr) => fr.id ?? fr.event), ["5", "6", "end"]);
      assert.deepEqual(JSON.parse(rest.at(-1)!.data!), { status: "succeeded" });
      assert.ok(reader.done, "the stream ends once the build is final");
    },
  );

  await t.step(
    "?lastEventId= works for clients that cannot set the header",
    async () => {
      const b = await makeBuild(db, bob.user.id);
      await appendBuildEvents(db, b.id, [
        statusEvent("queued", "analyzing"),
        statusEvent("analyzing", "failed"),
      ]);
      await updateBuild(db, b.id, { status: "failed", error: "boom" });
      const res = await sse(`/v1/builds/${b.id}/events?lastEventId=1`);
      const frames = await new SseReader(res.body!).until(() => false);
      assert.deepEqual(frames.map((fr) => fr.id ?? fr.event), ["2", "end"]);
    },
  );

  await t.step(
    "a backlog longer than one page arrives whole and in order",
    async () => {
      const b = await makeBuild(db, bob.user.id);
      await appendBuildEvents(
        db,
        b.id,
        Array.from({ length: 1_234 }, (_, i) => ({
          type: "log",
          data: { line: i },
        })),
      );
      await updateBuild(db, b.id, { status: "succeeded" });
      const res = await sse(`/v1/builds/${b.id}/events`);
      const frames = await new SseReader(res.body!).until(() => false);
      assert.equal(frames.length, 1_235);
      assert.deepEqual(
        frames.slice(0, -1).map((fr) => Number(fr.id)),
        Array.from({ length: 1_234 }, (_, i) => i + 1),
      );
      assert.equal(frames.at(-1)!.event, "end");
    },
  );

  await t.step(
    "a finished build with nothing after Last-Event-ID ends at once",
    async () => {
      const b = await makeBuild(db, bob.user.id);
      await appendBuildEvents(db, b.id, [statusEvent("queued", "cancelled")]);
      await updateBuild(db, b.id, { status: "cancelled" });
      const res = await sse(`/v1/builds/${b.id}/events`, {
        "Last-Event-ID": "1",
      });
      const frames = await new SseReader(res.body!).until(() => false);
      assert.deepEqual(frames.map((fr) => fr.event), ["end"]);
    },
  );

  await t.step(
    "another user's build is a 404; a malformed Last-Event-ID a 400",
    async () => {
      const b = await makeBuild(db, bob.user.id);
      const theirs = await read(
        await app.request(`/v1/builds/${b.id}/events`, { headers: eve.auth }),
      );
      assert.equal(theirs.status, 404);
      const bad = await read(
        await sse(`/v1/builds/${b.id}/events`, { "Last-Event-ID": "abc" }),
      );
      assert.equal(bad.status, 400);
      assert.equal(
        bad.body.error.details.issues[0].path,
        "header.last-event-id",
      );
    },
  );

  await t.step(
    "a client that disconnects stops its stream and subscription",
    async () => {
      const b = await makeBuild(db, bob.user.id);
      await appendBuildEvents(db, b.id, [statusEvent("queued", "analyzing")]);
      const res = await sse(`/v1/builds/${b.id}/events`);
      const reader = new SseReader(res.body!);
      await reader.until((fr) => fr.id === "1");
      assert.equal(f.hub.size, 1);
      await reader.cancel();
      assert.equal(f.hub.size, 0);
    },
  );
});

Deno.test("build events: the build actor's notifications wake streams before the next poll", async () => {
  // Polling is effectively off: only the hub can deliver in time.
  await using f = await openRouteFixture({
    deps: { ssePollMs: 60_000, sseHeartbeatMs: 120_000 },
  });
  const b = await makeBuild(f.db, f.bob.user.id);
  const res = await f.app.request(`/v1/builds/${b.id}/events`, {
    headers: f.bob.auth,
  });
  const reader = new SseReader(res.body!);
  await until(() => f.hub.size === 1, "subscription");
  const cancel = await read(
    await f.app.request(`/v1/builds/${b.id}/cancel`, {
      method: "POST",
      headers: f.bob.auth,
    }),
  );
  assert.equal(cancel.status, 200);
  const frames = await reader.until(() => false);
  assert.deepEqual(frames.map((fr) => fr.event), ["status", "end"]);
  assert.deepEqual(JSON.parse(frames[0]!.data!).data.to, "cancelled");
});

Deno.test("build events: idle streams get heartbeat comments", async () => {
  await using f = await openRouteFixture({
    deps: { ssePollMs: 5, sseHeartbeatMs: 20 },
  });
  const b = await makeBuild(f.db, f.bob.user.id);
  const res = await f.app.request(`/v1/builds/${b.id}/events`, {
    headers: f.bob.auth,
  });
  const reader = new SseReader(res.body!);
  const first = await reader.next();
  assert.equal(first?.retry, "3000", "the stream opens with a retry: field");
  const frame = await reader.next();
  assert.equal(frame?.comment, "heartbeat");
  await reader.cancel();
});

Deno.test("build events over WebSocket", async (t) => {
  await using f = await openRouteFixture({
    deps: { ssePollMs: 10 },
    app: { queryTokenForStreams: true },
  });
  const { db, bob } = f;
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    f.app.fetch,
  );
  const base = `127.0.0.1:${server.addr.port}`;

  await t.step(
    "replays after lastEventId, follows live events, ends with `end` and code 1000",
    async () => {
      const b = await makeBuild(db, bob.user.id);
      await appendBuildEvents(db, b.id, [
        statusEvent("queued", "analyzing"),
        statusEvent("analyzing", "planning"),
      ]);
      await updateBuild(db, b.id, { status: "planning" });
      const ws = new WebSocket(
        `ws://${base}/v1/builds/${b.id}/ws?lastEventId=1&access_token=${bob.token}`,
      );
      const messages: { seq?: number; type: string; status?: string }[] = [];
      const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
      ws.onmessage = (e) => messages.push(JSON.parse(e.data));
      await until(() => messages.length === 1, "backlog");
      assert.equal(messages[0]!.seq, 2);
      await appendBuildEvents(db, b.id, [statusEvent("planning", "failed")]);
      await updateBuild(db, b.id, { status: "failed", error: "x" });
      const close = await closed;
      assert.equal(close.code, 1000);
      assert.deepEqual(messages.map((m) => m.seq ?? m.type), [2, 3, "end"]);
      assert.equal(messages.at(-1)!.status, "failed");
    },
  );

  await t.step(
    "a plain GET is told to upgrade; another user's build is a 404",
    async () => {
      const b = await makeBuild(db, bob.user.id);
      const plain = await read(
        await fetch(`http://${base}/v1/builds/${b.id}/ws`, {
          headers: bob.auth,
        }),
      );
      assert.equal(plain.status, 426);
      const theirs = await read(
        await fetch(`http://${base}/v1/builds/${b.id}/ws`, {
          headers: { ...f.eve.auth, Upgrade: "websocket" },
        }),
      );
      assert.equal(theirs.status, 404);
    },
  );

  await t.step("closing the socket stops following", async () => {
    const b = await makeBuild(db, bob.user.id);
    const ws = new WebSocket(
      `ws://${base}/v1/builds/${b.id}/ws?access_token=${bob.token}`,
    );
    await new Promise((resolve) => ws.onopen = resolve);
    await until(() => f.hub.size === 1, "subscription");
    const closed = new Promise((resolve) => ws.onclose = resolve);
    ws.close();
    await closed;
    await until(() => f.hub.size === 0, "unsubscribed");
  });
});
