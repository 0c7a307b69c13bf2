export function groupAnagrams(words: string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const w of words) { const k = [...w.toLowerCase()].sort().join(""); (groups.get(k) ?? groups.set(k, []).get(k)!).push(w); }
  return [...groups.values()];
}
