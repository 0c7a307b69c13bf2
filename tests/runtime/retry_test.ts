/** The one retry helper: what it retries, what it hands back, how it stops. */
import { assert } from "../deps.ts";
import { exponentialDelay, retry, sleep } from "../../runtime/retry.ts";

Deno.test("retry gives up after `retries` and rethrows the last error as thrown", async () => {
  const attempts: number[] = [];
  const waits: number[] = [];
  const last = new TypeError("still broken");
  await assert.rejects(
    retry((attempt) => {
      attempts.push(attempt);
      return Promise.reject(
        attempt === 3 ? last : new TypeError(`broken ${attempt}`),
      );
    }, {
      retries: 2,
      delay: (n) => {
        waits.push(n);
        return 0;
      },
    }),
    (error) => error === last,
  );
  assert.deepEqual(attempts, [1, 2, 3]);
  assert.deepEqual(waits, [1, 2], "no wait after the last attempt");
});

Deno.test("retry stops at an error shouldRetry refuses, even a non-error value", async () => {
  let calls = 0;
  await assert.rejects(
    retry(() => {
      calls++;
      return Promise.reject(calls === 1 ? "transient" : "final");
    }, {
      retries: 10,
      delay: () => 0,
      shouldRetry: (error) => error === "transient",
    }),
    (error) => error === "final",
  );
  assert.equal(calls, 2);
});

Deno.test("an abort during the wait rejects with the signal's reason", async () => {
  const stop = new AbortController();
  const reason = new Error("stopped");
  let calls = 0;
  const run = retry(() => {
    calls++;
    return Promise.reject(new Error("down"));
  }, {
    retries: Infinity,
    delay: () => 60_000,
    onRetry: () => stop.abort(reason),
    signal: stop.signal,
  });
  await assert.rejects(run, (error) => error === reason);
  assert.equal(calls, 1);
  await assert.rejects(sleep(60_000, stop.signal), (e) => e === reason);
});

Deno.test("exponentialDelay doubles from initialMs up to maxMs", () => {
  const schedule = { initialMs: 500, maxMs: 30_000 };
  assert.deepEqual(
    [1, 2, 3, 7, 8].map((n) => exponentialDelay(n, schedule)),
    [500, 1_000, 2_000, 30_000, 30_000],
  );
});
