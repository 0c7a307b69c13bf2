export function evaluate(text, vars = {}) {
  const toks = text.match(/\d+(?:\.\d+)?|[A-Za-z_]\w*|[-+*/%^()]|\S/g) ?? [];
  let i = 0;
  const peek = () => toks[i];
  const take = () => toks[i++];
  function expr() {
    let v = term();
    while (peek() === "+" || peek() === "-") v = take() === "+" ? v + term() : v - term();
    return v;
  }
  function term() {
    let v = unary();
    while (peek() === "*" || peek() === "/" || peek() === "%") {
      const op = take(); const r = unary();
      v = op === "*" ? v * r : op === "/" ? v / r : v % r;
    }
    return v;
  }
  function unary() { if (peek() === "-") { take(); return -unary(); } if (peek() === "+") { take(); return unary(); } return power(); }
  function power() { const b = atom(); if (peek() === "^") { take(); return b ** unary(); } return b; }
  function atom() {
    const t = take();
    if (t === undefined) throw new SyntaxError("unexpected end");
    if (t === "(") { const v = expr(); if (take() !== ")") throw new SyntaxError("missing )"); return v; }
    if (/^\d/.test(t)) return Number(t);
    if (/^[A-Za-z_]/.test(t)) { if (!Object.hasOwn(vars, t)) throw new ReferenceError(`unknown variable ${t}`); return vars[t]; }
    throw new SyntaxError(`unexpected ${t}`);
  }
  const v = expr();
  if (i < toks.length) throw new SyntaxError(`unexpected ${toks[i]}`);
  return v;
}
