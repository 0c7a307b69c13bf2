export function memoize<A extends unknown[], R>(fn: (...args: A) => R, keyOf: (...args: A) => string = (...a) => JSON.stringify(a)) {
  const cache = new Map<string, R>();
  const m = (...args: A): R => {
    const k = keyOf(...args);
    if (cache.has(k)) return cache.get(k)!;
    const v = fn(...args);
    cache.set(k, v);
    return v;
  };
  return Object.assign(m, { clear: () => cache.clear() });
}
