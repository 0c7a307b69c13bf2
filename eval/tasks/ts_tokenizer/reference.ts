export interface Token { type: "number" | "string" | "ident" | "keyword" | "op"; value: string; line: number; column: number }
const KEYWORDS = new Set(["let", "if", "else", "while", "return"]);
const OPS = ["==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "=", "<", ">", "!", "(", ")", "{", "}", ";", ","];
export function tokenize(source: string): Token[] {
  const out: Token[] = [];
  let i = 0, line = 1, col = 1;
  const adv = (n: number) => { for (let k = 0; k < n; k++) { if (source[i] === "\n") { line++; col = 1; } else col++; i++; } };
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) { adv(1); continue; }
    if (source.startsWith("//", i)) { while (i < source.length && source[i] !== "\n") adv(1); continue; }
    const at = { line, column: col };
    let m: RegExpMatchArray | null;
    const rest = source.slice(i);
    if ((m = rest.match(/^\d+(?:\.\d+)?/))) { out.push({ type: "number", value: m[0], ...at }); adv(m[0].length); continue; }
    if ((m = rest.match(/^[A-Za-z_]\w*/))) { out.push({ type: KEYWORDS.has(m[0]) ? "keyword" : "ident", value: m[0], ...at }); adv(m[0].length); continue; }
    if (c === '"') {
      let j = i + 1, value = "";
      while (j < source.length && source[j] !== '"' && source[j] !== "\n") {
        if (source[j] === "\\") { const e = source[j + 1]; value += e === "n" ? "\n" : e ?? ""; j += 2; } else value += source[j++];
      }
      if (source[j] !== '"') throw new SyntaxError(`unterminated string at ${at.line}:${at.column}`);
      out.push({ type: "string", value, ...at }); adv(j + 1 - i); continue;
    }
    const op = OPS.find((o) => source.startsWith(o, i));
    if (op) { out.push({ type: "op", value: op, ...at }); adv(op.length); continue; }
    throw new SyntaxError(`unexpected ${JSON.stringify(c)} at ${at.line}:${at.column}`);
  }
  return out;
}
