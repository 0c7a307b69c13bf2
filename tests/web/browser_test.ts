/**
 * The web console in a real browser (Debian's chromium, headless, driven by
 * puppeteer-core) against a whole node on its embedded defaults and the fake
 * Ollama. Screenshots go to tests/web/screenshots/ (git-ignored).
 */
import { unzipSync } from "fflate";
import type { Page } from "puppeteer-core";
import { assert } from "../deps.ts";
import {
  hasChromium,
  launchBrowser,
  startNode,
  startRelay,
} from "./_browser.ts";

const SHOTS = new URL("./screenshots/", import.meta.url).pathname;
const chromium = hasChromium();
if (!chromium) {
  console.warn(
    "skipping the web console's browser test: no /usr/bin/chromium (apt-get install -y chromium)",
  );
}

async function signIn(page: Page, url: string, key: string) {
  await page.goto(`${url}/`);
  assert.match(page.url(), /\/sign-in\?next=/);
  await page.type("#api-key", key);
  await Promise.all([
    page.waitForNavigation(),
    page.click("button[type=submit]"),
  ]);
}

async function shoot(page: Page, name: string) {
  for (const width of [360, 1280]) {
    await page.setViewport({ width, height: 900 });
    await page.screenshot({
      path: `${SHOTS}${name}-${width}.png`,
      fullPage: true,
    });
  }
  // The dark theme follows the system's preference.
  await page.emulateMediaFeatures([
    { name: "prefers-color-scheme", value: "dark" },
  ]);
  const dark = await page.evaluate(
    `getComputedStyle(document.body).backgroundColor`,
  );
  await page.screenshot({
    path: `${SHOTS}${name}-1280-dark.png`,
    fullPage: true,
  });
  await page.emulateMediaFeatures([
    { name: "prefers-color-scheme", value: "light" },
  ]);
  const light = await page.evaluate(
    `getComputedStyle(document.body).backgroundColor`,
  );
  assert.notEqual(dark, light, "a dark theme under prefers-color-scheme: dark");
}

Deno.test({
  name:
    "web console in chromium: sign in, build, watch, read, download; isolation, sign-out, revocation, CSRF",
  ignore: !chromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await Deno.mkdir(SHOTS, { recursive: true });
    const downloads = await Deno.makeTempDir({ prefix: "troupe-dl-" });
    await using node = await startNode(40);
    using relay = startRelay(node.url);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(60_000);
      await signIn(page, node.url, node.adminKey);
      assert.equal(new URL(page.url()).pathname, "/");

      // Create a build from the form.
      // Through a relay whose connections the test can cut.
      await page.goto(`${relay.url}/builds/new`);
      // Keyboard: Tab from the top of the page reaches the form's first field.
      let focused = "";
      for (let i = 0; i < 12 && focused !== "project"; i++) {
        await page.keyboard.press("Tab");
        focused = String(
          await page.evaluate(`document.activeElement?.id ?? ""`),
        );
      }
      assert.equal(focused, "project", "the form is reachable by keyboard");
      await page.type("#project", "calc");
      await page.select("#language", "typescript");
      await page.type(
        "#requirements",
        "Add two numbers, and evaluate expressions. With tests.",
      );
      await Promise.all([
        page.waitForNavigation(),
        page.click("button.primary"),
      ]);
      const buildUrl = page.url();
      assert.match(buildUrl, /\/builds\/[0-9a-f-]{36}$/);
      const buildId = buildUrl.split("/").pop()!;

      // The page reaches "succeeded" without a reload, and the results come in,
      // even when the event stream drops on the way: it says so and resumes.
      const navigations: string[] = [];
      page.on("framenavigated", (f) => navigations.push(f.url()));
      await page.waitForFunction(`window.__troupeOpenAt !== undefined`);
      relay.cut();
      await page.waitForSelector("#stream-notice:not([hidden])", {
        timeout: 10_000,
      });
      assert.match(
        await page.$eval("#stream-notice", (n) => n.textContent ?? ""),
        /reconnecting/,
      );
      await page.waitForFunction(
        `document.getElementById("status")?.dataset.status === "succeeded"`,
        { timeout: 60_000 },
      );
      await page.waitForFunction(
        `document.getElementById("build")?.dataset.results === "loaded"`,
      );
      assert.deepEqual(navigations, [], "no reload");
      assert.equal(
        await page.$eval("#stream-notice", (n) => n.hidden),
        true,
        "the notice goes once the stream is back",
      );
      const timeline = await page.$$eval(
        "#timeline li",
        (li) => li.map((x) => x.textContent),
      );
      assert.ok(
        timeline.some((t) => t?.includes("→ succeeded")),
        timeline.join("\n"),
      );
      assert.equal(
        timeline.filter((t) => t?.includes("→ succeeded")).length,
        1,
        `no event twice after the reconnect: ${timeline.join("\n")}`,
      );
      assert.ok(
        timeline.some((t) => t?.includes("planning → generating")),
        timeline.join("\n"),
      );
      const rounds = await page.$$eval(
        "#test-rounds li",
        (li) => li.map((x) => x.textContent),
      );
      assert.match(rounds.join("\n"), /Round 1: passed — 1 passed, 0 failed/);
      assert.match(
        await page.$eval("#token-count", (e) => e.textContent ?? ""),
        /\d+ tokens/,
      );
      await page.setViewport({ width: 1280, height: 900 });
      await shoot(page, "build");

      // A finding marked on its line; then open a file and see it highlighted.
      // On a finished build the page's script replays the stream, then
      // swaps #results for a fresh copy: read and click after that swap, or
      // the handles point at nodes that left the document.
      const resultsSwapped = () =>
        page.waitForFunction(
          `document.getElementById("build")?.dataset.results === "loaded"`,
        );
      await page.goto(`${buildUrl}?file=calc.ts`);
      await resultsSwapped();
      const marked = await page.$$eval(
        "li.has-finding",
        (lis) =>
          lis.map((li) => ({
            code: li.querySelector("code")?.textContent ?? "",
            note: [...li.querySelectorAll(".finding-note")].map((n) =>
              n.textContent
            ).join(" "),
          })),
      );
      const onEval = marked.find((m) => m.code.includes("eval(expression)"));
      assert.ok(
        onEval,
        `a finding on the eval line: ${JSON.stringify(marked)}`,
      );
      assert.match(onEval.note, /eval/i);
      await Promise.all([
        page.waitForNavigation(),
        page.click('a[href*="file=calc_test.ts"]'),
      ]);
      await resultsSwapped();
      assert.equal(
        await page.$eval(".code ol", (ol) => ol.getAttribute("data-path")),
        "calc_test.ts",
      );
      assert.ok(await page.$(".code .hljs-keyword"), "highlighted");
      const color = await page.evaluate(
        `getComputedStyle(document.querySelector(".code .hljs-string")).color`,
      );
      const plain = await page.evaluate(
        `getComputedStyle(document.querySelector(".code ol")).color`,
      );
      assert.notEqual(color, plain, "strings are coloured");

      // Download the zip through the button.
      const cdp = await page.createCDPSession();
      await cdp.send("Browser.setDownloadBehavior", {
        behavior: "allow",
        downloadPath: downloads,
      });
      await page.click("#download");
      let zip: Uint8Array | undefined;
      for (let i = 0; i < 200 && !zip; i++) {
        await new Promise((r) => setTimeout(r, 50));
        for await (const e of Deno.readDir(downloads)) {
          if (e.name.endsWith(".zip")) {
            zip = await Deno.readFile(`${downloads}/${e.name}`);
          }
        }
      }
      assert.ok(zip, "the zip was downloaded");
      assert.deepEqual(
        Object.keys(unzipSync(zip)).sort(),
        ["calc/README.md", "calc/calc.ts", "calc/calc_test.ts"],
      );

      // The builds list, live badge and all.
      await page.goto(`${node.url}/`);
      assert.equal(
        await page.$eval(
          `[data-live-build="${buildId}"]`,
          (b) => b.textContent,
        ),
        "succeeded",
      );
      await shoot(page, "builds");

      // CSRF: a form post without the token is refused.
      const csrf = await page.evaluate(async () => {
        const res = await fetch("/builds", {
          method: "POST",
          body: new URLSearchParams({
            project: "x",
            language: "typescript",
            requirements: "y",
          }),
        });
        return { status: res.status, text: await res.text() };
      });
      assert.equal(csrf.status, 403);
      assert.match(csrf.text, /security token/);

      // Live badges: a build started elsewhere turns "succeeded" on the open list.
      const started = await (await fetch(`${node.url}/v1/builds`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${node.adminKey}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({
          project: "calc-2",
          language: "typescript",
          requirements: "Add two numbers, with tests.",
        }),
      })).json();
      await page.goto(`${node.url}/`);
      const listed = page.url();
      assert.notEqual(
        await page.$eval(
          `[data-live-build="${started.id}"]`,
          (b) => b.getAttribute("data-status"),
        ),
        "succeeded",
      );
      await page.waitForFunction(
        `document.querySelector('[data-live-build="${started.id}"]')?.dataset.status === "succeeded"`,
        { timeout: 60_000 },
      );
      assert.equal(page.url(), listed, "no reload");

      // A second user: 404 on the first one's build, 403 on admin pages.
      const made = await (await fetch(`${node.url}/v1/admin/users`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${node.adminKey}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({
          email: "sam@example.com",
          name: "Sam",
          apiKey: { name: "web" },
        }),
      })).json();
      const other = await browser.createBrowserContext();
      const samPage = await other.newPage();
      await signIn(samPage, node.url, made.apiKey.token);
      const theirs = await samPage.goto(buildUrl);
      assert.equal(theirs?.status(), 404);
      assert.match(
        await samPage.$eval("h1", (h) => h.textContent ?? ""),
        /Not found/,
      );
      const admin = await samPage.goto(`${node.url}/admin`);
      assert.equal(admin?.status(), 403);
      assert.match(
        await samPage.$eval("h1", (h) => h.textContent ?? ""),
        /Not allowed/,
      );

      // A revoked key's session is refused on the next request.
      const revoked = await fetch(
        `${node.url}/v1/admin/users/${made.user.id}/keys/${made.apiKey.id}`,
        {
          method: "DELETE",
          headers: { Authorization: `Bearer ${node.adminKey}` },
        },
      );
      assert.equal(revoked.status, 200);
      await revoked.body?.cancel();
      await samPage.goto(`${node.url}/`);
      assert.match(samPage.url(), /\/sign-in\?.*reason=revoked_api_key/);
      assert.match(
        await samPage.$eval("[role=alert]", (a) => a.textContent ?? ""),
        /revoked/,
      );
      await other.close();

      // Sign out; the build page then redirects to sign-in.
      await Promise.all([
        page.waitForNavigation(),
        page.click("header form button"),
      ]);
      assert.match(page.url(), /\/sign-in/);
      await page.goto(buildUrl);
      assert.match(page.url(), /\/sign-in\?next=%2Fbuilds%2F/);
    } finally {
      await browser.close();
      await Deno.remove(downloads, { recursive: true }).catch(() => {});
    }
  },
});
