export class LruCache<K, V> {
  #map = new Map<K, { value: V; expires: number }>();
  constructor(private capacity: number, private ttlMs: number, private now: () => number = Date.now) {}
  #live(key: K) {
    const e = this.#map.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) { this.#map.delete(key); return undefined; }
    return e;
  }
  get(key: K): V | undefined {
    const e = this.#live(key);
    if (!e) return undefined;
    this.#map.delete(key); this.#map.set(key, e);
    return e.value;
  }
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, { value, expires: this.now() + this.ttlMs });
    for (const k of [...this.#map.keys()]) if (!this.#live(k)) continue;
    while (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value as K);
  }
  has(key: K): boolean { return this.#live(key) !== undefined; }
  delete(key: K): boolean { const had = this.has(key); this.#map.delete(key); return had; }
  get size(): number { for (const k of [...this.#map.keys()]) this.#live(k); return this.#map.size; }
}
