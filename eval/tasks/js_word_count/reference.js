export function wordCount(text) {
  const counts = new Map();
  for (const w of text.toLowerCase().match(/[a-z]+(?:'[a-z]+)*/g) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  return new Map([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}
