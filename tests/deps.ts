/** Test libraries, imported from one place. */
export { default as assert } from "node:assert/strict";
export { expect } from "expect";
export { mock } from "node:test";
export { default as FakeTimers } from "@sinonjs/fake-timers";
export { default as fc } from "fast-check";
