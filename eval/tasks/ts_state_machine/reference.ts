type Target<C> = string | { target: string; guard?: (context: C, payload: unknown) => boolean };
interface StateDef<C> { on?: Record<string, Target<C>>; entry?: (context: C) => void; exit?: (context: C) => void }
export interface Machine { readonly state: string; readonly history: string[]; send(event: string, payload?: unknown): boolean; can(event: string, payload?: unknown): boolean }
export function createMachine<C>(config: { initial: string; context: C; states: Record<string, StateDef<C>> }): Machine {
  const { states, context } = config;
  if (!states[config.initial]) throw new Error(`unknown initial state ${config.initial}`);
  for (const [name, def] of Object.entries(states)) {
    for (const t of Object.values(def.on ?? {})) {
      const target = typeof t === "string" ? t : t.target;
      if (!states[target]) throw new Error(`${name}: unknown target ${target}`);
    }
  }
  let state = config.initial;
  const history = [state];
  states[state]!.entry?.(context);
  const resolve = (event: string, payload: unknown) => {
    const t = states[state]!.on?.[event];
    if (t === undefined) return undefined;
    if (typeof t === "string") return t;
    return !t.guard || t.guard(context, payload) ? t.target : undefined;
  };
  return {
    get state() { return state; },
    get history() { return [...history]; },
    can: (event, payload) => resolve(event, payload) !== undefined,
    send(event, payload) {
      const next = resolve(event, payload);
      if (next === undefined) return false;
      states[state]!.exit?.(context);
      state = next;
      history.push(next);
      states[next]!.entry?.(context);
      return true;
    },
  };
}
