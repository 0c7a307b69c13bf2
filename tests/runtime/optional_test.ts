/** omitUndefined: absent instead of undefined, everything else kept. */
import { assert, fc } from "../deps.ts";
import { omitUndefined } from "../../runtime/optional.ts";

Deno.test("omitUndefined leaves out undefined values and keeps null, 0, false and ''", () => {
  const out = omitUndefined({
    a: undefined,
    b: null,
    c: 0,
    d: false,
    e: "",
    f: { g: undefined },
  });
  assert.deepEqual(Object.keys(out), ["b", "c", "d", "e", "f"]);
  assert.deepEqual(out, {
    b: null,
    c: 0,
    d: false,
    e: "",
    f: { g: undefined },
  });
  assert.equal("a" in out, false);
});

Deno.test("omitUndefined returns a copy and leaves its argument alone", () => {
  const input = { a: 1, b: undefined };
  const out = omitUndefined(input);
  assert.notEqual(out, input);
  assert.deepEqual(input, { a: 1, b: undefined });
  assert.deepEqual(omitUndefined({}), {});
});

Deno.test("omitUndefined's type makes possibly undefined keys optional", () => {
  const timeoutMs = Number("5") > 1 ? undefined : 5;
  const out: { id: string; timeoutMs?: number } = omitUndefined({
    id: "x",
    timeoutMs,
  });
  assert.deepEqual(out, { id: "x" });
});

Deno.test("omitUndefined is the spread it replaces", () => {
  const value = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.integer(),
    fc.string(),
    fc.boolean(),
  );
  const key = fc.oneof(fc.string(), fc.constant("__proto__"));
  fc.assert(
    fc.property(fc.dictionary(key, value), (obj) => {
      const spread = Object.fromEntries(
        Object.entries(obj).flatMap(([k, v]) =>
          Object.entries(v === undefined ? {} : { [k]: v })
        ),
      );
      const out = omitUndefined(obj);
      assert.deepEqual(out, spread);
      assert.deepEqual(Object.keys(out), Object.keys(spread));
      for (const key of Object.keys(obj)) {
        assert.equal(Object.hasOwn(out, key), obj[key] !== undefined);
      }
    }),
    { numRuns: 500 },
  );
});
