export class PriorityQueue<T> {
  #heap: { item: T; seq: number }[] = [];
  #seq = 0;
  constructor(private compare: (a: T, b: T) => number) {}
  #less(i: number, j: number) { const a = this.#heap[i]!, b = this.#heap[j]!; const c = this.compare(a.item, b.item); return c < 0 || (c === 0 && a.seq < b.seq); }
  #swap(i: number, j: number) { [this.#heap[i], this.#heap[j]] = [this.#heap[j]!, this.#heap[i]!]; }
  push(item: T): void {
    this.#heap.push({ item, seq: this.#seq++ });
    for (let i = this.#heap.length - 1; i > 0;) { const p = (i - 1) >> 1; if (!this.#less(i, p)) break; this.#swap(i, p); i = p; }
  }
  pop(): T | undefined {
    if (!this.#heap.length) return undefined;
    const top = this.#heap[0]!.item; const last = this.#heap.pop()!;
    if (this.#heap.length) {
      this.#heap[0] = last;
      for (let i = 0;;) { const l = 2 * i + 1, r = l + 1; let m = i;
        if (l < this.#heap.length && this.#less(l, m)) m = l; if (r < this.#heap.length && this.#less(r, m)) m = r;
        if (m === i) break; this.#swap(i, m); i = m; }
    }
    return top;
  }
  peek(): T | undefined { return this.#heap[0]?.item; }
  get size(): number { return this.#heap.length; }
}
