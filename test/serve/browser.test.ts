/// <reference lib="dom" />
/**
 * The web UI in a real browser (Debian's chromium, driven by playwright-core; `make test` installs
 * it where missing and builds the UI): each view loads without console errors, the timeline's
 * canvas is drawn and zooming changes the spans in view, the race step-through moves between
 * steps, the editor shows an error at the CLI's position, and a path traversal is refused.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { type Running, serve } from "../../src/serve/server.ts";
import { resultsDbWithAB } from "../helpers/results_db.ts";

const ROOT = join(import.meta.dirname, "../..");
const UI = join(ROOT, "dist-ui");
export const CHROMIUM = "/usr/bin/chromium";

let s: Running;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(join(UI, "index.html")), "the web UI is not built: run `make ui`");
  assert.ok(existsSync(CHROMIUM), `no ${CHROMIUM}: \`make test\` installs Debian's chromium`);
  const dir = mkdtempSync(join(tmpdir(), "epcsim-ui-"));
  const db = join(dir, "results.db");
  resultsDbWithAB(db);
  s = await serve({ host: "127.0.0.1", port: 0, dbPath: db, uiDir: UI });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
  await s?.close();
});

/** A page of view `name` with its console errors collected. */
async function open(name: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${s.url}#/${name}`);
  await page.waitForSelector(`main[data-view="${name}"]`);
  return { page, errors };
}

test("results: the database's experiment and runs; two runs compared", async () => {
  const { page, errors } = await open("results");
  await page.waitForSelector("#runs tbody tr");
  assert.equal(await page.locator("#experiments tbody tr").count(), 1);
  assert.equal(await page.locator("#runs tbody tr").count(), 4);
  await page.locator("#runs tbody tr input").nth(0).check();
  await page.locator("#runs tbody tr input").nth(1).check();
  await page.waitForSelector("#compare tbody tr");
  assert.ok((await page.locator("#compare tbody tr").count()) > 10);
  // An experiment's report (with its charts) in the page.
  await page.locator("#experiments tbody tr").first().click();
  const frame = page.frameLocator("#report");
  await frame.locator("figure.chart").first().waitFor();
  assert.ok((await frame.locator("figure.chart svg").count()) > 3);
  await page.fill("#run-filter", "no-such-scenario");
  assert.equal(await page.locator("#runs tbody tr").count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("timeline: a run draws its CPU tracks; zooming changes the spans in view", async () => {
  const { page, errors } = await open("timeline");
  await page.waitForSelector("#timeline-scenario option", { state: "attached" });
  await page.fill("#timeline-duration", "3ms");
  await page.click("#timeline-run");
  await page.waitForSelector("#span-count", { timeout: 60_000 });
  const painted = await page.evaluate(() => {
    const c = document.getElementById("timeline-canvas") as HTMLCanvasElement;
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! < 240 || d[i + 1]! < 240 || d[i + 2]! < 240) n++;
    return n / (d.length / 4);
  });
  assert.ok(painted > 0.05, `only ${(painted * 100).toFixed(1)}% of the canvas is painted`);
  const visible = async () => Number(await page.getAttribute("#span-count", "data-visible"));
  const whole = await visible();
  await page.click("#zoom-in");
  await page.waitForFunction(
    (n) => Number(document.getElementById("span-count")!.dataset.visible) !== n,
    whole,
  );
  const zoomed = await visible();
  assert.ok(zoomed < whole, `${zoomed} spans in view after zooming in, ${whole} before`);
  // Zoomed to 2 ms or less: every op of the window, from a deterministic re-run.
  for (let i = 0; i < 4 && !(await page.isVisible("#load-ops")); i++) await page.click("#zoom-in");
  await page.click("#load-ops");
  await page.waitForSelector("#ops-count", { timeout: 60_000 });
  assert.ok(Number(await page.getAttribute("#ops-count", "data-ops")) > 0);
  await page.click("#zoom-reset");
  await page.waitForFunction(
    (n) => Number(document.getElementById("span-count")!.dataset.visible) === n,
    whole,
  );
  assert.match(
    (await page.getAttribute("#open-perfetto", "href")) ?? "",
    /^\/api\/jobs\/\d+\/trace\.json\.gz$/,
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test("race step-through: next and back change the step, its op and the highlighted row", async () => {
  const { page, errors } = await open("race");
  await page.click("#example-race");
  await page.waitForSelector("#step-now", { timeout: 60_000 });
  const now = () => page.textContent("#step-now");
  const current = () =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll("#columns tbody tr")).findIndex((r) =>
        r.classList.contains("current"),
      ),
    );
  const first = await now();
  const row = await current();
  const op = await page.textContent("#step-op");
  await page.click("#step-next");
  assert.notEqual(await now(), first);
  assert.equal(await current(), row + 1);
  assert.notEqual(await page.textContent("#step-op"), op);
  await page.click("#step-back");
  assert.equal(await now(), first);
  assert.equal(await current(), row);
  assert.match(
    (await page.textContent("#failure")) ?? "",
    /BUG: invariant: evicted data is in the backing store/,
  );
  await page.waitForSelector("#source .hl");
  assert.ok((await page.locator("#columns tbody tr.race").count()) > 0, "the race window is highlighted");
  assert.deepEqual(errors, []);
  await page.close();
});

test("editor: an error is shown at the CLI's line and column", async () => {
  const { page, errors } = await open("editor");
  await page.waitForFunction(
    () => (document.getElementById("scenario-text") as HTMLTextAreaElement).value.length > 100,
  );
  await page.fill("#scenario-text", "name: broken\nkind: run\nmachine: { cpus: 0 }\nprocesses: []\n");
  await page.waitForSelector("#errors li");
  const li = page.locator("#errors li").first();
  assert.equal(await li.getAttribute("data-line"), "3");
  assert.equal(await li.getAttribute("data-col"), "18");
  assert.match((await li.textContent()) ?? "", /^3:18 machine\.cpus/);
  assert.ok(await page.isDisabled("#run-scenario"));
  assert.deepEqual(errors, []);
  await page.close();
});

test("a path traversal from the page is refused", async () => {
  const { page } = await open("results");
  const statuses = await page.evaluate(async () =>
    Promise.all(
      ["/%2e%2e/package.json", "/assets/%2e%2e/%2e%2e/package.json", "/..%2fpackage.json"].map(
        async (p) => (await fetch(p)).status,
      ),
    ),
  );
  for (const st of statuses) assert.ok(st === 400 || st === 404, String(statuses));
  await page.close();
});
