const UNITS = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 };
export function parseDuration(text) {
  const s = text.trim();
  if (!s) throw new SyntaxError("empty");
  const re = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*/y;
  let total = 0, i = 0;
  const seen = new Set();
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) throw new SyntaxError(`bad duration at ${i}`);
    if (seen.has(m[2])) throw new SyntaxError("repeated unit");
    seen.add(m[2]);
    total += Number(m[1]) * UNITS[m[2]];
    i = re.lastIndex;
  }
  return total;
}
