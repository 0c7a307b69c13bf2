export class RateLimiter {
  #buckets = new Map();
  constructor({ capacity, refillPerSecond, now = Date.now }) {
    this.capacity = capacity; this.rate = refillPerSecond; this.now = now;
  }
  #bucket(key) {
    const t = this.now();
    let b = this.#buckets.get(key);
    if (!b) { b = { tokens: this.capacity, at: t }; this.#buckets.set(key, b); }
    b.tokens = Math.min(this.capacity, b.tokens + ((t - b.at) / 1000) * this.rate);
    b.at = t;
    return b;
  }
  #check(cost) { if (cost > this.capacity) throw new RangeError("cost above capacity"); }
  tryTake(key, cost = 1) {
    this.#check(cost);
    const b = this.#bucket(key);
    if (b.tokens + 1e-9 < cost) return false;
    b.tokens -= cost;
    return true;
  }
  available(key) { return this.#bucket(key).tokens; }
  retryAfterMs(key, cost = 1) {
    this.#check(cost);
    const missing = cost - this.#bucket(key).tokens;
    return missing <= 1e-9 ? 0 : Math.ceil((missing / this.rate) * 1000);
  }
}
