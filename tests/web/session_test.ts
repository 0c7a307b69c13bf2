/** Session cookies, the session secret file and line-split highlighting. */
import { assert } from "../deps.ts";
import { highlightLines } from "../../web/highlight.ts";
import { loadSessionSecret } from "../../web/secret.ts";
import { sameToken, sessionSealer } from "../../web/session.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const session = {
  apiKey: "trp_abc_secret",
  csrf: "c".repeat(22),
  issuedAt: T0,
};

Deno.test("a sealed session opens with its secret only, unaltered and unexpired", async () => {
  const sealer = await sessionSealer(new Uint8Array(32).fill(1), 60_000);
  const cookie = await sealer.seal(session);
  assert.equal(cookie.includes("trp_abc"), false, "the key is not readable");
  assert.deepEqual(await sealer.open(cookie, T0 + 1000), session);
  assert.notEqual(await sealer.seal(session), cookie, "a fresh IV each time");

  const flipped = cookie.slice(0, 20) + (cookie[20] === "A" ? "B" : "A") +
    cookie.slice(21);
  assert.equal(await sealer.open(flipped, T0), undefined, "tampered");
  assert.equal(await sealer.open(cookie.slice(0, -2), T0), undefined, "cut");
  assert.equal(await sealer.open("not base64!", T0), undefined);
  assert.equal(await sealer.open(cookie, T0 + 60_001), undefined, "expired");
  const other = await sessionSealer(new Uint8Array(32).fill(2));
  assert.equal(await other.open(cookie, T0), undefined, "another secret");
});

Deno.test("sameToken compares whole tokens", () => {
  assert.equal(sameToken("abc", "abc"), true);
  assert.equal(sameToken("abc", "abd"), false);
  assert.equal(sameToken("abc", "abcd"), false);
  assert.equal(sameToken("", ""), false, "an empty token never matches");
});

Deno.test("the session secret is made once, 0600, and read back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "troupe-secret-" });
  try {
    const first = await loadSessionSecret(`${dir}/data`);
    assert.equal(first.length, 32);
    const info = await Deno.stat(`${dir}/data/web-session.key`);
    assert.equal(info.mode! & 0o777, 0o600);
    assert.deepEqual(await loadSessionSecret(`${dir}/data`), first);
    await Deno.writeFile(`${dir}/data/web-session.key`, new Uint8Array(5));
    await assert.rejects(
      () => loadSessionSecret(`${dir}/data`),
      /holds 5 bytes, expected 32/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("highlighted lines stand alone: a block comment is reopened on each line", () => {
  const lines = highlightLines(
    "/* one\n two */\nconst x = `a\nb`;\n",
    "a.ts",
  );
  assert.equal(lines.length, 4);
  for (const line of lines) {
    const opened = line.match(/<span/g)?.length ?? 0;
    const closed = line.match(/<\/span>/g)?.length ?? 0;
    assert.equal(opened, closed, line);
  }
  assert.match(lines[0]!, /^<span class="hljs-comment">\/\* one<\/span>$/);
  assert.match(lines[1]!, /^<span class="hljs-comment"> two \*\/<\/span>$/);
  assert.match(lines[2]!, /<span class="hljs-keyword">const<\/span>/);
  assert.deepEqual(highlightLines("<b>&</b>", "notes.txt"), [
    "&lt;b&gt;&amp;&lt;/b&gt;",
  ]);
});
