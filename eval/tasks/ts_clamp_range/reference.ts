export function clamp(value: number, min: number, max: number): number {
  if (min > max) throw new RangeError("min > max");
  return Math.min(max, Math.max(min, value));
}
export function range(start: number, end: number, step = 1): number[] {
  if (step === 0) throw new RangeError("step 0");
  const out: number[] = [];
  for (let x = start; step > 0 ? x < end : x > end; x += step) out.push(x);
  return out;
}
