import { assert, fc } from "../deps.ts";
import {
  encodeCallback,
  languageKeyboard,
  LANGUAGES,
  parseCallback,
} from "../../bot/keyboards.ts";
import { SUPPORTED_LANGUAGES } from "../../actors/languages/mod.ts";

Deno.test("callback data round-trips and always fits Telegram's 64 bytes", () => {
  const action = fc.oneof(
    fc.record({
      type: fc.constant("language" as const),
      nonce: fc.stringMatching(/^[A-Za-z0-9]{1,16}$/),
      language: fc.constantFrom(...LANGUAGES.map((l) => l.id)),
    }),
    fc.record({
      type: fc.constant("cancel" as const),
      nonce: fc.stringMatching(/^[A-Za-z0-9]{1,16}$/),
    }),
    fc.record({ type: fc.constant("refresh" as const), buildId: fc.uuid() }),
  );
  fc.assert(fc.property(action, (a) => {
    const data = encodeCallback(a);
    assert.ok(new TextEncoder().encode(data).length <= 64, data);
    assert.deepEqual(parseCallback(data), { ...a });
  }));
});

Deno.test("anything else parses as unknown, never throws", () => {
  fc.assert(fc.property(fc.string(), (s) => {
    const parsed = parseCallback(s);
    if (!s.startsWith("v1:")) assert.equal(parsed.type, "unknown");
  }));
  for (
    const bad of [
      "",
      "v1",
      "v1:lang:w1",
      "v1:lang:w1:cobol",
      "v1:lang::typescript",
      "v1:cancel:w1:x",
      "v2:cancel:w1",
      "v1:status:../../etc",
    ]
  ) {
    assert.equal(parseCallback(bad).type, "unknown", bad);
  }
  assert.equal(parseCallback(undefined).type, "unknown");
});

Deno.test("the wizard offers exactly the languages builds can target, plus cancel", () => {
  assert.deepEqual(LANGUAGES.map((l) => l.id), [...SUPPORTED_LANGUAGES]);
  const keyboard = languageKeyboard("w7");
  const buttons = keyboard.inline_keyboard.flat();
  assert.deepEqual(buttons.map((b) => b.text), [
    "TypeScript",
    "JavaScript",
    "Python",
    "Cancel",
  ]);
  for (const b of buttons) {
    assert.ok("callback_data" in b);
    assert.notEqual(parseCallback(b.callback_data).type, "unknown");
  }
  assert.equal(
    JSON.stringify(JSON.parse(JSON.stringify(keyboard))),
    JSON.stringify(keyboard),
    "plain data",
  );
});
