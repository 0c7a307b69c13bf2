import { Api } from "grammy";
import { assert, fc } from "../deps.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { html, joinHtml, trustedHtml } from "../../bot/html.ts";
import { MAX_MESSAGE_LENGTH, PARSE_MODE } from "../../bot/format.ts";

Deno.test("html escapes interpolated text and keeps interpolated Html", () => {
  const hostile = `<script>alert("x")</script> & &amp; >`;
  assert.equal(
    html`<b>${hostile}</b>`.text,
    "<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &amp;amp; &gt;</b>",
  );
  assert.equal(html`${42} < ${html`<i>${"&"}</i>`}`.text, "42 < <i>&amp;</i>");
  assert.equal(
    html`a ${trustedHtml("<code>x</code>")} b`.text,
    "a <code>x</code> b",
  );
  assert.equal(
    joinHtml([html`<b>T</b>`, "<1>", 2], " & ").text,
    "<b>T</b> &amp; &lt;1&gt; &amp; 2",
  );
  assert.equal(`${html`<b>${"x"}</b>`}`, "<b>x</b>", "toString is the HTML");
});

Deno.test("any text put into markup with html is accepted by the Bot API and shown as typed", async () => {
  await using tg = await FakeTelegram.start();
  const api = new Api(tg.token, { apiRoot: tg.apiRoot });
  let chat = 1;
  await fc.assert(
    fc.asyncProperty(
      fc.string({ maxLength: 1000 }),
      fc.string({ maxLength: 1000 }),
      async (a, b) => {
        const text = html`<b>${a}</b> said <code>${b}</code>\n${
          joinHtml([a, b], "\n")
        }`;
        const id = chat++;
        const sent = await api.sendMessage(id, text.text, {
          parse_mode: PARSE_MODE,
        });
        assert.ok(sent.text!.length <= MAX_MESSAGE_LENGTH);
        const [shown] = tg.texts(id);
        assert.equal(shown, `${a} said ${b}\n${a}\n${b}`);
      },
    ),
    { numRuns: 80 },
  );
  // The characters the parse mode cares about, many times over.
  const long = "<&>\"'".repeat(300);
  await api.sendMessage(chat, html`<pre>${long}</pre>`.text, {
    parse_mode: PARSE_MODE,
  });
  assert.equal(tg.texts(chat)[0], long);
});
