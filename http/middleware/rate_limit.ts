/**
 * Per-user request rate limiting with a token bucket: each user may burst up
 * to `capacity` requests and then gets `refillPerSecond` more per second,
 * however many API keys they spread them over. Over the limit: 429
 * `rate_limited` with `Retry-After`.
 *
 * This is a per-node limit on request rate. Quotas (builds per day) are a
 * different thing, enforced by the user's session actor so that concurrent
 * requests on several nodes cannot race past them.
 *
 * @module
 */
import type { MiddlewareHandler } from "../_npm_types.ts";
import { realClock } from "../../runtime/clock.ts";
import type { Clock } from "../_room_types.ts";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";

/** What a limiter decided about one request. */
export interface RateDecision {
  /** Whether the request may go ahead. */
  readonly allowed: boolean;
  /** The bucket's capacity, for the `RateLimit-Limit` header. */
  readonly limit: number;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Seconds until one token is available again; 0 when allowed. */
  readonly retryAfterSeconds: number;
}

/** Something that decides whether a key may make one more request. */
export interface RateLimiter {
  /**
   * Spends one token of `key`'s bucket, if there is one, and says what
   * happened.
   */
  take(key: string): RateDecision;
}

/** Options of {@linkcode tokenBucket}. */
export interface TokenBucketOptions {
  /** Burst size: the most requests a key can make at once. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
  /** Where time comes from. Default: the wall clock. */
  clock?: Pick<Clock, "now">;
  /** Buckets kept before full ones are swept out. Default 10,000. */
  maxKeys?: number;
}

/**
 * An in-memory token bucket per key. Time comes from the injected clock.
 *
 * @example
 * ```ts
 * import { tokenBucket } from "./rate_limit.ts";
 * const limiter = tokenBucket({ capacity: 120, refillPerSecond: 2 });
 * limiter.take("key-1").allowed; // true
 * ```
 */
export function tokenBucket(options: TokenBucketOptions): RateLimiter {
  const { capacity, refillPerSecond } = options;
  if (!(capacity >= 1) || !(refillPerSecond > 0)) {
    throw new RangeError(
      "tokenBucket needs capacity >= 1 and refillPerSecond > 0",
    );
  }
  const clock = options.clock ?? realClock;
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const level = (b: { tokens: number; at: number }, now: number) =>
    Math.min(
      capacity,
      b.tokens + Math.max(0, now - b.at) / 1000 * refillPerSecond,
    );

  const sweep = (now: number) => {
    for (const [key, b] of buckets) {
      if (level(b, now) >= capacity) buckets.delete(key);
    }
  };

  return {
    take(key) {
      const now = clock.now();
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= maxKeys) sweep(now);
        bucket = { tokens: capacity, at: now };
        buckets.set(key, bucket);
      }
      const tokens = level(bucket, now);
      bucket.at = now;
      if (tokens >= 1) {
        bucket.tokens = tokens - 1;
        return {
          allowed: true,
          limit: capacity,
          remaining: Math.floor(bucket.tokens),
          retryAfterSeconds: 0,
        };
      }
      bucket.tokens = tokens;
      return {
        allowed: false,
        limit: capacity,
        remaining: 0,
        retryAfterSeconds: Math.max(
          1,
          Math.ceil((1 - tokens) / refillPerSecond),
        ),
      };
    },
  };
}

/**
 * Applies a limiter per user (after auth; one bucket for all of a user's API
 * keys) and sets `RateLimit-Limit` / `RateLimit-Remaining`; over the limit,
 * 429 with `Retry-After`. Requests without a principal are limited by
 * `anonymousKey`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { rateLimit, tokenBucket } from "./rate_limit.ts";
 * import type { AppEnv } from "../context.ts";
 * const app = new Hono<AppEnv>();
 * app.use("/v1/*", rateLimit(tokenBucket({ capacity: 60, refillPerSecond: 1 })));
 * ```
 */
export function rateLimit(
  limiter: RateLimiter,
  options: { anonymousKey?: string } = {},
): MiddlewareHandler<AppEnv> {
  const anonymous = options.anonymousKey ?? "anonymous";
  return async function rateLimitMiddleware(c, next) {
    const user = c.get("principal")?.user.id;
    const key = user === undefined ? anonymous : `user:${user}`;
    const decision = limiter.take(key);
    const headers = {
      "RateLimit-Limit": String(decision.limit),
      "RateLimit-Remaining": String(decision.remaining),
    };
    if (!decision.allowed) {
      throw new ApiError(
        429,
        "rate_limited",
        `too many requests; retry in ${decision.retryAfterSeconds} s`,
        { retryAfterSeconds: decision.retryAfterSeconds },
        { ...headers, "Retry-After": String(decision.retryAfterSeconds) },
      );
    }
    await next();
    for (const [name, value] of Object.entries(headers)) {
      c.res.headers.set(name, value);
    }
  };
}
