/**
 * The command line prints what Troupe has to say, not a dependency's
 * deprecation notice (grammY's npm build pulls in `punycode`).
 */
import process from "node:process";
import { assert } from "../deps.ts";

Deno.test("loading the CLI prints no punycode deprecation warning from grammY's node-fetch", async () => {
  // The notice is printed on the next tick, so the child stays alive a moment
  // after loading everything `main.ts` imports.
  const main = new URL("../../main.ts", import.meta.url).href;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `await import(${
        JSON.stringify(main)
      }); await new Promise((r) => setTimeout(r, 200));`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.doesNotMatch(stderr, /DEP0040|punycode/);
});

Deno.test("other warnings still reach the terminal", async () => {
  await import("../../cli/_node_warnings.ts");
  const seen: string[] = [];
  const listener = (warning: Error) => seen.push(warning.message);
  process.on("warning", listener);
  try {
    process.emitWarning("kept", { code: "TROUPE_TEST" });
    process.emitWarning("dropped", { code: "DEP0040" });
    await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.off("warning", listener);
  }
  assert.deepEqual(seen, ["kept"]);
});
