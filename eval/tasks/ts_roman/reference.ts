const TABLE: [number, string][] = [[1000,"M"],[900,"CM"],[500,"D"],[400,"CD"],[100,"C"],[90,"XC"],[50,"L"],[40,"XL"],[10,"X"],[9,"IX"],[5,"V"],[4,"IV"],[1,"I"]];
export function toRoman(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 3999) throw new RangeError("out of range");
  let out = "";
  for (const [v, s] of TABLE) while (n >= v) { out += s; n -= v; }
  return out;
}
export function fromRoman(s: string): number {
  if (!/^[MDCLXVI]+$/.test(s)) throw new Error("not a numeral");
  let total = 0, i = 0;
  for (const [v, sym] of TABLE) while (s.startsWith(sym, i)) { total += v; i += sym.length; }
  if (i !== s.length || total > 3999 || toRoman(total) !== s) throw new Error("not canonical");
  return total;
}
