export function lowerBound(sorted: number[], target: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid]! < target) lo = mid + 1; else hi = mid; }
  return lo;
}
export function binarySearch(sorted: number[], target: number): number {
  const i = lowerBound(sorted, target);
  return sorted[i] === target ? i : -1;
}
