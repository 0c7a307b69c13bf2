export function transpose(m: number[][]): number[][] {
  return m.length ? m[0]!.map((_, j) => m.map((row) => row[j]!)) : [];
}
export function multiply(a: number[][], b: number[][]): number[][] {
  if ((a[0]?.length ?? 0) !== b.length) throw new Error("size mismatch");
  return a.map((row) => (b[0] ?? []).map((_, j) => row.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
}
export function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}
