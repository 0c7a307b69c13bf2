/**
 * The console's static assets: its stylesheet (light and dark, following the
 * system) and the two small scripts of the live parts. Served by the app
 * under `/assets/`, nothing from a CDN.
 *
 * @module
 */

/** The stylesheet. */
export const CSS =
  `:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f23;--muted:#57606a;--line:#d0d7de;--card:#f6f8fa;--accent:#0b5cad;--ok:#116329;--bad:#a40e26;--warn:#7d4e00;--mark:#fff8c5;
--k:#cf222e;--s:#0a3069;--c:#6e7781;--n:#0550ae;--t:#8250df;--f:#953800}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--card:#161b22;--accent:#58a6ff;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--mark:#3b2e00;
--k:#ff7b72;--s:#a5d6ff;--c:#8b949e;--n:#79c0ff;--t:#d2a8ff;--f:#ffa657}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,sans-serif}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;border-bottom:1px solid var(--line);background:var(--card)}
header.top nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
header.top .brand{font-weight:700;text-decoration:none;color:var(--fg)}header.top form{margin-left:auto}
main{max-width:72rem;margin:0 auto;padding:1rem}h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:var(--bg);padding:.25rem .5rem;z-index:2}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.table-wrap{overflow-x:auto}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}input,select,textarea{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.4rem .5rem;max-width:100%}
input[type=text],input[type=email],input[type=password],input[type=number],textarea,select.wide{width:100%}textarea{min-height:8rem}
button,.button{font:inherit;cursor:pointer;border:1px solid var(--line);background:var(--card);color:var(--fg);border-radius:6px;padding:.4rem .8rem;text-decoration:none;display:inline-block}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}button.danger{color:var(--bad)}
.inline{display:inline}.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}.row label{margin:0 0 .25rem}
.alert{border:1px solid var(--bad);color:var(--bad);border-radius:6px;padding:.5rem .75rem;margin:.5rem 0}.note{border:1px solid var(--line);background:var(--card);border-radius:6px;padding:.5rem .75rem;margin:.5rem 0}
.field-error{color:var(--bad);font-size:.9rem;margin:.25rem 0}
.badge{display:inline-block;border-radius:999px;padding:0 .6rem;font-size:.85rem;font-weight:600;border:1px solid currentColor;color:var(--muted)}
.badge[data-status=succeeded],.badge[data-status=up]{color:var(--ok)}.badge[data-status=failed],.badge[data-status=cancelled],.badge[data-status=down]{color:var(--bad)}
.badge[data-status=analyzing],.badge[data-status=planning],.badge[data-status=generating],.badge[data-status=testing],.badge[data-status=finalizing]{color:var(--warn)}
.timeline{list-style:none;padding:0;margin:0;border-left:2px solid var(--line)}.timeline li{padding:.15rem .75rem;position:relative}.timeline li::before{content:"";position:absolute;left:-6px;top:.7rem;width:10px;height:10px;border-radius:50%;background:var(--accent)}
pre{overflow-x:auto}pre.tokens{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem;white-space:pre-wrap;max-height:12rem;overflow-y:auto;font-size:.85rem}
.grid{display:grid;gap:1rem;grid-template-columns:minmax(0,1fr)}@media (min-width:60rem){.grid.two{grid-template-columns:minmax(0,1fr) minmax(0,2fr)}}
.scores{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;padding:0}.scores li{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem}
.code{font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;border:1px solid var(--line);border-radius:6px;overflow-x:auto;background:var(--card)}
.code ol{margin:0;padding:0;list-style:none;counter-reset:ln}.code li{counter-increment:ln;white-space:pre;padding-right:1rem}
.code li::before{content:counter(ln);display:inline-block;width:3.5em;padding-right:1em;text-align:right;color:var(--muted);user-select:none}
.code li.has-finding{background:var(--mark)}.code .finding-note{display:block;white-space:pre-wrap;color:var(--bad);font-family:system-ui,sans-serif;padding-left:4.5em}
.files{list-style:none;padding:0;margin:0}.files a[aria-current=page]{font-weight:700}
.hljs-keyword,.hljs-literal,.hljs-meta{color:var(--k)}.hljs-string,.hljs-regexp{color:var(--s)}.hljs-comment,.hljs-quote{color:var(--c);font-style:italic}
.hljs-number,.hljs-attr,.hljs-variable,.hljs-property{color:var(--n)}.hljs-title,.hljs-title.function_,.hljs-section{color:var(--t)}.hljs-built_in,.hljs-type,.hljs-params{color:var(--f)}
.token-shown{font-weight:700}.muted{color:var(--muted)}.pager{display:flex;gap:1rem;margin:1rem 0}
@media (max-width:40rem){th.opt,td.opt{display:none}main{padding:.75rem}}
`;

/** The build page's live part: the event stream, the timeline, tokens, test rounds. */
export const BUILD_JS = `(() => {
  const root = document.getElementById("build");
  if (!root) return;
  const id = root.dataset.buildId;
  const final = ["succeeded", "failed", "cancelled"];
  const $ = (x) => document.getElementById(x);
  const status = $("status"), timeline = $("timeline"), tokens = $("tokens"), rounds = $("test-rounds"), notice = $("stream-notice");
  const seen = (window.__troupeSeen = []);
  const add = (list, text, cls) => { const li = document.createElement("li"); li.textContent = text; if (cls) li.className = cls; list.appendChild(li); return li; };
  const when = (ev) => new Date(ev.createdAt).toLocaleTimeString();
  const setStatus = (s) => { status.textContent = s; status.dataset.status = s; root.dataset.status = s; if (final.includes(s)) { const c = $("cancel-form"); if (c) c.remove(); } };
  let done = false;
  const es = new EventSource("/builds/" + id + "/events");
  const on = (type, fn) => es.addEventListener(type, (e) => { const ev = JSON.parse(e.data); fn(ev, ev.data || {}); seen.push({ seq: ev.seq, type: ev.type, createdAt: ev.createdAt, shownAt: Date.now() }); });
  es.addEventListener("open", () => { notice.hidden = true; window.__troupeOpenAt ??= Date.now(); });
  es.addEventListener("error", () => {
    if (done) return;
    notice.hidden = false;
    notice.textContent = es.readyState === EventSource.CLOSED
      ? "The event stream was closed by the server. Reload the page to try again."
      : "Connection to the event stream lost; reconnecting…";
  });
  on("status", (ev, d) => { setStatus(d.to); add(timeline, when(ev) + " — " + d.from + " → " + d.to + (d.error ? ": " + d.error : "")); });
  on("step", (ev, d) => { add(timeline, when(ev) + " — step " + d.node + (d.attempt > 1 ? " (attempt " + d.attempt + ")" : "")); });
  on("tokens", (ev, d) => { tokens.hidden = false; tokens.textContent = d.tail; $("token-count").textContent = d.count + " tokens (" + d.node + ")"; });
  on("tests", (ev, d) => { add(rounds, "Round " + d.attempt + ": " + d.status + " — " + d.passed + " passed, " + d.failed + " failed" + (d.reason ? " — " + d.reason : ""), d.status === "passed" ? "ok" : "bad"); });
  on("retry", (ev, d) => { add(timeline, when(ev) + " — retry " + d.node + " (attempt " + d.attempt + "): " + d.reason); });
  on("warning", (ev, d) => { add(timeline, when(ev) + " — warning (" + d.node + "): " + d.message); });
  es.addEventListener("end", async (e) => {
    done = true; es.close(); notice.hidden = true;
    const end = JSON.parse(e.data);
    if (end.status) setStatus(end.status);
    const res = await fetch("/builds/" + id + "/results" + location.search);
    if (res.ok) { $("results").innerHTML = await res.text(); root.dataset.results = "loaded"; }
  });
})();
`;

/** The builds list's live badges: polls the statuses of unfinished builds. */
export const LIST_JS = `(() => {
  const final = ["succeeded", "failed", "cancelled"];
  const badges = [...document.querySelectorAll("[data-live-build]")];
  const tick = async () => {
    const ids = badges.filter((b) => !final.includes(b.dataset.status)).map((b) => b.dataset.liveBuild);
    if (ids.length === 0) return;
    try {
      const res = await fetch("/builds/status?ids=" + ids.join(","));
      if (res.ok) {
        const statuses = await res.json();
        for (const b of badges) { const s = statuses[b.dataset.liveBuild]; if (s) { b.textContent = s; b.dataset.status = s; } }
      }
    } catch { /* offline for a moment: try again */ }
    setTimeout(tick, 3000);
  };
  setTimeout(tick, 3000);
})();
`;
