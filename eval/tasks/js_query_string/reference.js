const dec = (s) => decodeURIComponent(s.replace(/\+/g, " "));
export function parseQuery(text) {
  const out = {};
  for (const part of text.replace(/^\?/, "").split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const k = dec(eq === -1 ? part : part.slice(0, eq));
    const v = eq === -1 ? "" : dec(part.slice(eq + 1));
    if (Object.hasOwn(out, k)) out[k] = [].concat(out[k], v); else out[k] = v;
  }
  return out;
}
export function stringifyQuery(obj) {
  return Object.entries(obj).flatMap(([k, v]) => [].concat(v).map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`)).join("&");
}
