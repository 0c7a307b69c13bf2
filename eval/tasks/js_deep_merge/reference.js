const isPlain = (x) => x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype;
export function deepMerge(target, ...sources) {
  const out = { ...target };
  for (const s of sources) for (const [k, v] of Object.entries(s)) {
    if (v === undefined) continue;
    out[k] = isPlain(v) && isPlain(out[k]) ? deepMerge(out[k], v) : isPlain(v) ? deepMerge({}, v) : v;
  }
  return out;
}
