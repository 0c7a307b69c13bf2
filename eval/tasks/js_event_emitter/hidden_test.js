import assert from "node:assert/strict";
import { EventEmitter } from "./emitter.js";

Deno.test("on and emit", () => {
const e = new EventEmitter(); const got = []; e.on("x", (a, b) => got.push(["1", a, b])); e.on("x", (a) => got.push(["2", a])); assert.equal(e.emit("x", 1, 2), 2); assert.deepEqual(got, [["1", 1, 2], ["2", 1]]); assert.equal(e.emit("nothing"), 0);
});

Deno.test("once and unsubscribe", () => {
const e = new EventEmitter(); let n = 0, m = 0; e.once("t", () => n++); const stop = e.on("t", () => m++); e.emit("t"); e.emit("t"); stop(); e.emit("t"); assert.equal(n, 1); assert.equal(m, 2); assert.equal(e.listenerCount("t"), 0);
});

Deno.test("removal during emit", () => {
const e = new EventEmitter(); const got = []; const b = () => got.push("b"); e.on("x", () => { got.push("a"); e.off("x", b); }); e.on("x", b); e.emit("x"); e.emit("x"); assert.deepEqual(got, ["a", "b", "a"]);
});
