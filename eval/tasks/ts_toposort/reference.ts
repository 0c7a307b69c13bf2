export function topoSort(deps: Record<string, string[]>): string[] {
  const nodes = new Set<string>(); const indeg = new Map<string, number>(); const users = new Map<string, string[]>();
  for (const [k, ds] of Object.entries(deps)) { nodes.add(k); for (const d of ds) nodes.add(d); }
  for (const n of nodes) { indeg.set(n, 0); users.set(n, []); }
  for (const [k, ds] of Object.entries(deps)) for (const d of new Set(ds)) { indeg.set(k, indeg.get(k)! + 1); users.get(d)!.push(k); }
  const ready = [...nodes].filter((n) => indeg.get(n) === 0).sort(); const out: string[] = [];
  while (ready.length) {
    const n = ready.shift()!; out.push(n);
    for (const u of users.get(n)!) { indeg.set(u, indeg.get(u)! - 1); if (indeg.get(u) === 0) { ready.push(u); ready.sort(); } }
  }
  if (out.length < nodes.size) throw new Error(`cycle among: ${[...nodes].filter((n) => indeg.get(n)! > 0).sort().join(", ")}`);
  return out;
}
