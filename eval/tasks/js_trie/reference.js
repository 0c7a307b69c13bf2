export class Trie {
  #root = { children: new Map(), end: false };
  #size = 0;
  #find(word) { let n = this.#root; for (const c of word) { n = n.children.get(c); if (!n) return undefined; } return n; }
  insert(word) { let n = this.#root; for (const c of word) { if (!n.children.has(c)) n.children.set(c, { children: new Map(), end: false }); n = n.children.get(c); } if (!n.end) { n.end = true; this.#size++; } }
  has(word) { return this.#find(word)?.end === true; }
  delete(word) { const n = this.#find(word); if (!n?.end) return false; n.end = false; this.#size--; return true; }
  withPrefix(prefix) {
    const out = []; const start = this.#find(prefix); if (!start) return out;
    const walk = (n, s) => { if (n.end) out.push(s); for (const c of [...n.children.keys()].sort()) walk(n.children.get(c), s + c); };
    walk(start, prefix); return out;
  }
  get size() { return this.#size; }
}
