/**
 * The web console's figures (issue 16):
 *
 * 1. Time to first byte of the builds list (`/`) and of a build page
 *    (`/builds/{id}`) with 1,000 builds in the database, against
 *    `GET /v1/builds` in the same run (p50/p95 over sequential requests, and
 *    the ratio of the p50s).
 * 2. Delay from a build event committed to it appearing on an open build
 *    page in chromium (p50/p95): the page's script stamps each event with
 *    the browser's clock when it has put it on the page; the event's
 *    `createdAt` is the database's clock at its transaction (same machine).
 *
 * A whole node on its embedded defaults with the fake Ollama, as the browser
 * test runs it. Needs /usr/bin/chromium for part 2 (skipped without it).
 *
 * Usage: deno run -A bench/web_load.ts [--builds=1000] [--requests=60] [--runs=4]
 *
 * @module
 */
import { createBuild } from "../storage/builds.ts";
import {
  hasChromium,
  launchBrowser,
  startNode,
} from "../tests/web/_browser.ts";

function arg(name: string, fallback: number): number {
  const hit = Deno.args.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split("=")[1]) : fallback;
}

const BUILDS = arg("builds", 1000);
const REQUESTS = arg("requests", 60);
const RUNS = arg("runs", 4);

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const ms = (x: number) => x.toFixed(1);

// The seeded builds count against the daily quota of the user who owns them.
await using node = await startNode(2, { DEFAULT_DAILY_QUOTA: "100000" });
const auth = { Authorization: `Bearer ${node.adminKey}` };
const me = await (await fetch(`${node.url}/v1/me`, { headers: auth })).json();
const db = node.platform.database.db;

const seedStart = performance.now();
let lastId = "";
for (let i = 0; i < BUILDS; i++) {
  const b = await createBuild(db, {
    userId: me.id,
    project: `seed-${i}`,
    language: "typescript",
    requirements: "A seeded build for the console benchmark.",
    source: "api",
  }, { actorUserId: me.id });
  lastId = b.id;
}
console.error(
  `seeded ${BUILDS} builds in ${ms(performance.now() - seedStart)} ms`,
);

// A session cookie, through the sign-in form like a browser.
const form = await fetch(`${node.url}/sign-in`);
const pre = form.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
const signed = await fetch(`${node.url}/sign-in`, {
  method: "POST",
  redirect: "manual",
  headers: { Cookie: pre, "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ _csrf: csrf, apiKey: node.adminKey }),
});
await signed.body?.cancel();
const cookie = signed.headers.getSetCookie().find((c) =>
  c.startsWith("troupe_session=")
)!.split(";")[0]!;

async function ttfb(path: string, headers: Record<string, string>) {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS + 5; i++) {
    const t0 = performance.now();
    const res = await fetch(`${node.url}${path}`, { headers });
    const t = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    await res.arrayBuffer();
    if (i >= 5) times.push(t); // warm-up
  }
  return times;
}

const rows: [string, number[]][] = [];
// Interleave rounds so drift hits all three alike.
const api: number[] = [], list: number[] = [], page: number[] = [];
for (let round = 0; round < 3; round++) {
  api.push(...await ttfb("/v1/builds?limit=25", auth)); // the page shows 25
  list.push(...await ttfb("/", { Cookie: cookie }));
  page.push(...await ttfb(`/builds/${lastId}`, { Cookie: cookie }));
}
rows.push(["GET /v1/builds?limit=25 (API, baseline)", api]);
rows.push(["GET / (builds list page)", list]);
rows.push(["GET /builds/{id} (build page)", page]);
const base = pct(api, 0.5);
console.log(
  `\n### Web console: time to first byte with ${BUILDS} builds (${
    REQUESTS * 3
  } sequential requests each)\n`,
);
console.log("| request | p50 ms | p95 ms | p50 vs API |");
console.log("| --- | --- | --- | --- |");
for (const [name, times] of rows) {
  console.log(
    `| ${name} | ${ms(pct(times, 0.5))} | ${ms(pct(times, 0.95))} | ${
      (pct(times, 0.5) / base).toFixed(2)
    }x |`,
  );
}

if (!hasChromium()) {
  console.log("\nchromium not installed: event-to-page delay not measured");
} else {
  const browser = await launchBrowser();
  try {
    const tab = await browser.newPage();
    await tab.setCookie({
      name: "troupe_session",
      value: cookie.split("=").slice(1).join("="),
      url: node.url,
    });
    const delays: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await tab.goto(`${node.url}/builds/new`);
      await tab.type("#project", `live-${run}`);
      await tab.type("#requirements", "Add two numbers, with tests.");
      await Promise.all([tab.waitForNavigation(), tab.click("button.primary")]);
      await tab.waitForFunction(
        `["succeeded","failed","cancelled"].includes(document.getElementById("status")?.dataset.status)`,
        { timeout: 120_000 },
      );
      const seen = await tab.evaluate(
        `({ openAt: window.__troupeOpenAt, seen: window.__troupeSeen })`,
      ) as {
        openAt: number;
        seen: { seq: number; createdAt: string; shownAt: number }[];
      };
      for (const e of seen.seen) {
        const committed = Date.parse(e.createdAt);
        // Only events committed while the page was listening (not the backlog).
        if (committed >= seen.openAt) delays.push(e.shownAt - committed);
      }
    }
    console.log(
      `\n### Web console: event committed -> on the open build page (chromium, ${RUNS} builds, ${delays.length} live events)\n`,
    );
    console.log("| p50 ms | p95 ms | max ms |");
    console.log("| --- | --- | --- |");
    console.log(
      `| ${ms(pct(delays, 0.5))} | ${ms(pct(delays, 0.95))} | ${
        ms(Math.max(...delays))
      } |`,
    );
  } finally {
    await browser.close();
  }
}
