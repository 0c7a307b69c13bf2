import { assert } from "../deps.ts";
import { createBuildEventHub } from "../../http/build_event_hub.ts";
import type { BuildEvent } from "../../storage/build_events.ts";

const event = (buildId: string, seq: number): BuildEvent => ({
  buildId,
  seq,
  type: "status",
  data: {},
  createdAt: new Date(0),
});

Deno.test("build event hub delivers each build's events only to its subscribers", () => {
  const hub = createBuildEventHub();
  const a: number[] = [];
  const b: number[] = [];
  const stopA = hub.subscribe(
    "a",
    (events) => a.push(...events.map((e) => e.seq)),
  );
  hub.subscribe("b", (events) => b.push(...events.map((e) => e.seq)));
  hub.publish([event("a", 1), event("b", 1), event("a", 2)]);
  assert.deepEqual(a, [1, 2]);
  assert.deepEqual(b, [1]);
  stopA();
  stopA(); // twice is harmless
  hub.publish([event("a", 3)]);
  assert.deepEqual(a, [1, 2]);
  assert.equal(hub.size, 1);
});

Deno.test("build event hub: a throwing listener neither reaches the publisher nor starves others", () => {
  const hub = createBuildEventHub();
  const seen: number[] = [];
  hub.subscribe("a", () => {
    throw new Error("broken subscriber");
  });
  hub.subscribe("a", (events) => seen.push(events.length));
  hub.publish([event("a", 1)]);
  assert.deepEqual(seen, [1]);
});

Deno.test("build event hub: the same function subscribed twice is two subscriptions", () => {
  const hub = createBuildEventHub();
  let calls = 0;
  const listener = () => calls++;
  const stop1 = hub.subscribe("a", listener);
  hub.subscribe("a", listener);
  hub.publish([event("a", 1)]);
  assert.equal(calls, 2);
  stop1();
  hub.publish([event("a", 2)]);
  assert.equal(calls, 3);
});
