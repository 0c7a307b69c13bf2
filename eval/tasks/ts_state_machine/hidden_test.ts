import assert from "node:assert/strict";
import { createMachine } from "./traffic_machine.ts";

Deno.test("transitions", () => {
const m = createMachine({ initial: "green", context: {}, states: { green: { on: { TIMER: "yellow" } }, yellow: { on: { TIMER: "red" } }, red: { on: { TIMER: "green" } } } }); assert.equal(m.state, "green"); assert.equal(m.send("TIMER"), true); assert.equal(m.send("TIMER"), true); assert.equal(m.state, "red"); assert.equal(m.send("NOPE"), false); assert.deepEqual(m.history, ["green", "yellow", "red"]);
});

Deno.test("guards", () => {
const ctx = { coins: 0 }; const m = createMachine({ initial: "locked", context: ctx, states: { locked: { on: { COIN: { target: "open", guard: (c, p) => (c.coins += p as number) >= 2 } } }, open: { on: { PUSH: "locked" } } } }); assert.equal(m.can("COIN", 0), false); assert.equal(m.send("COIN", 1), false); assert.equal(m.state, "locked"); assert.equal(m.send("COIN", 1), true); assert.equal(m.state, "open");
});

Deno.test("hooks order", () => {
const log: string[] = []; const m = createMachine({ initial: "a", context: log, states: { a: { entry: (l) => l.push("enter a"), exit: (l) => l.push("exit a"), on: { GO: "b", STAY: "a" } }, b: { entry: (l) => l.push("enter b") } } }); m.send("STAY"); m.send("GO"); m.send("GO"); assert.deepEqual(log, ["enter a", "exit a", "enter a", "exit a", "enter b"]);
});

Deno.test("unknown target", () => {
assert.throws(() => createMachine({ initial: "a", context: {}, states: { a: { on: { X: "nowhere" } } } })); assert.throws(() => createMachine({ initial: "zz", context: {}, states: { a: {} } }));
});
