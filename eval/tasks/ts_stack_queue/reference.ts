export class Queue<T> {
  #in: T[] = [];
  #out: T[] = [];
  enqueue(item: T): void { this.#in.push(item); }
  #shift() { if (!this.#out.length) while (this.#in.length) this.#out.push(this.#in.pop()!); }
  dequeue(): T | undefined { this.#shift(); return this.#out.pop(); }
  peek(): T | undefined { this.#shift(); return this.#out[this.#out.length - 1]; }
  get size(): number { return this.#in.length + this.#out.length; }
  isEmpty(): boolean { return this.size === 0; }
}
