interface Node { start: number; end: number; id: string; max: number; prio: number; left?: Node; right?: Node }
const maxOf = (n?: Node) => (n ? n.max : -Infinity);
const fix = (n: Node) => { n.max = Math.max(n.end, maxOf(n.left), maxOf(n.right)); return n; };
const less = (a: Node, s: number, id: string) => a.start < s || (a.start === s && a.id < id);
function rotR(n: Node): Node { const l = n.left!; n.left = l.right; l.right = fix(n); return fix(l); }
function rotL(n: Node): Node { const r = n.right!; n.right = r.left; r.left = fix(n); return fix(r); }
function ins(n: Node | undefined, x: Node): Node {
  if (!n) return x;
  if (less(x, n.start, n.id)) { n.left = ins(n.left, x); if (n.left.prio > n.prio) n = rotR(n); }
  else { n.right = ins(n.right, x); if (n.right.prio > n.prio) n = rotL(n); }
  return fix(n);
}
function del(n: Node | undefined, s: number, id: string): Node | undefined {
  if (!n) return undefined;
  if (n.id === id && n.start === s) {
    if (!n.left) return n.right;
    if (!n.right) return n.left;
    if (n.left.prio > n.right.prio) { n = rotR(n); n.right = del(n.right, s, id); }
    else { n = rotL(n); n.left = del(n.left, s, id); }
    return fix(n);
  }
  if (less(n, s, id)) n.right = del(n.right, s, id); else n.left = del(n.left, s, id);
  return fix(n);
}
export class IntervalTree {
  #root?: Node;
  #byId = new Map<string, number>();
  insert(start: number, end: number, id: string): void {
    if (start > end) throw new RangeError("start > end");
    if (this.#byId.has(id)) this.remove(id);
    this.#byId.set(id, start);
    this.#root = ins(this.#root, { start, end, id, max: end, prio: Math.random() });
  }
  remove(id: string): boolean {
    const s = this.#byId.get(id);
    if (s === undefined) return false;
    this.#byId.delete(id);
    this.#root = del(this.#root, s, id);
    return true;
  }
  overlapping(start: number, end: number): string[] {
    const out: string[] = [];
    const walk = (n?: Node) => {
      if (!n || n.max < start) return;
      walk(n.left);
      if (n.start <= end && n.end >= start) out.push(n.id);
      if (n.start <= end) walk(n.right);
    };
    walk(this.#root);
    return out;
  }
  stab(point: number): string[] { return this.overlapping(point, point); }
  get size(): number { return this.#byId.size; }
}
