import assert from "node:assert/strict";
import { compareVersions, maxVersion } from "./semver.ts";

Deno.test("core", () => {
assert.equal(compareVersions("1.2.3", "1.2.3"), 0); assert.equal(compareVersions("1.10.0", "1.9.9"), 1); assert.equal(compareVersions("0.1.0", "1.0.0"), -1);
});

Deno.test("pre-release order", () => {
const order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]; for (let i = 0; i + 1 < order.length; i++) { assert.equal(compareVersions(order[i]!, order[i + 1]!), -1, order[i]); assert.equal(compareVersions(order[i + 1]!, order[i]!), 1); }
});

Deno.test("metadata and max", () => {
assert.equal(compareVersions("1.0.0+build.5", "1.0.0"), 0); assert.equal(maxVersion(["1.2.0", "1.10.0-rc.1", "1.9.0"]), "1.10.0-rc.1"); assert.equal(maxVersion([]), undefined);
});

Deno.test("invalid", () => {
for (const bad of ["1.2", "01.2.3", "1.2.3-", "a.b.c"]) assert.throws(() => compareVersions(bad, "1.0.0"), TypeError, bad);
});
