import { assert } from "../deps.ts";
import { ManualClock } from "../../runtime/clock.ts";
import { tokenBucket } from "../../http/middleware/rate_limit.ts";
import { ADMIN, testApp, USER } from "./_app.ts";

Deno.test("a token bucket allows a burst, then refills at its rate", async () => {
  const clock = new ManualClock(0);
  const limiter = tokenBucket({ capacity: 3, refillPerSecond: 0.5, clock });
  assert.deepEqual(
    [1, 2, 3].map(() => limiter.take("k").allowed),
    [true, true, true],
  );
  const refused = limiter.take("k");
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterSeconds, 2);
  await clock.advance(1000);
  assert.equal(limiter.take("k").allowed, false);
  assert.equal(limiter.take("k").retryAfterSeconds, 1);
  await clock.advance(1000);
  assert.equal(limiter.take("k").allowed, true);
  assert.equal(limiter.take("other").remaining, 2, "keys are independent");
});

Deno.test("full buckets are swept when the key table is full", async () => {
  const clock = new ManualClock(0);
  const limiter = tokenBucket({
    capacity: 1,
    refillPerSecond: 1,
    clock,
    maxKeys: 2,
  });
  limiter.take("a");
  limiter.take("b");
  await clock.advance(5000);
  limiter.take("c"); // sweeps a and b, which have refilled
  assert.equal(limiter.take("a").allowed, true);
  assert.equal(limiter.take("a").allowed, false);
});

Deno.test("over the per-key rate, requests get 429 with Retry-After", async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const { app } = testApp({
    clock,
    rateLimit: { perMinute: 60, burst: 2 },
  });
  for (let i = 0; i < 2; i++) {
    const res = await app.request("/v1/me", { headers: ADMIN });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("RateLimit-Remaining"), String(1 - i));
    await res.body?.cancel();
  }
  const limited = await app.request("/v1/me", { headers: ADMIN });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("Retry-After"), "1");
  const { error } = await limited.json();
  assert.equal(error.code, "rate_limited");
  assert.equal(error.details.retryAfterSeconds, 1);

  const other = await app.request("/v1/me", { headers: USER });
  assert.equal(other.status, 200, "another key has its own bucket");
  await other.body?.cancel();

  await clock.advance(1000);
  const again = await app.request("/v1/me", { headers: ADMIN });
  assert.equal(again.status, 200, "a token came back after a second");
  await again.body?.cancel();
});

Deno.test("the rate limit does not apply to health and metrics", async () => {
  const clock = new ManualClock(0);
  const { app } = testApp({ clock, rateLimit: { perMinute: 1, burst: 1 } });
  for (let i = 0; i < 5; i++) {
    const res = await app.request("/livez");
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }
});
