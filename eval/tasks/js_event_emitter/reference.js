export class EventEmitter {
  #map = new Map();
  on(event, listener) { const list = this.#map.get(event) ?? []; list.push({ listener, fn: listener }); this.#map.set(event, list); return () => this.off(event, listener); }
  once(event, listener) {
    const wrapper = (...args) => { this.#remove(event, wrapper); listener(...args); };
    const list = this.#map.get(event) ?? []; list.push({ listener, fn: wrapper }); this.#map.set(event, list);
    return () => this.off(event, listener);
  }
  #remove(event, fn) { const list = this.#map.get(event) ?? []; const i = list.findIndex((e) => e.fn === fn); if (i !== -1) list.splice(i, 1); }
  off(event, listener) { const list = this.#map.get(event) ?? []; const i = list.findIndex((e) => e.listener === listener); if (i !== -1) list.splice(i, 1); }
  emit(event, ...args) { const list = [...(this.#map.get(event) ?? [])]; for (const e of list) e.fn(...args); return list.length; }
  listenerCount(event) { return (this.#map.get(event) ?? []).length; }
}
