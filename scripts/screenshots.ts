/// <reference lib="dom" />
/**
 * `make screenshots`: a PNG of each web UI view for the docs (docs/screenshots/), taken in Debian's
 * chromium against a server on a scratch results database.
 *   node --import tsx scripts/screenshots.ts
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "../src/serve/server.ts";
import { resultsDbWithAB } from "../test/helpers/results_db.ts";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "docs", "screenshots");
mkdirSync(OUT, { recursive: true });
const db = join(mkdtempSync(join(tmpdir(), "epcsim-shots-")), "results.db");
resultsDbWithAB(db, "5ms");
const s = await serve({ host: "127.0.0.1", port: 0, dbPath: db, uiDir: join(ROOT, "dist-ui") });
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const shot = async (name: string) => {
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: false });
    console.log(`wrote docs/screenshots/${name}.png`);
  };
  await page.goto(`${s.url}#/results`);
  await page.waitForSelector("#runs tbody tr");
  await page.locator("#runs tbody tr input").nth(0).check();
  await page.locator("#runs tbody tr input").nth(1).check();
  await page.waitForSelector("#compare tbody tr");
  await shot("results");
  await page.goto(`${s.url}#/timeline`);
  await page.waitForSelector("#timeline-scenario option", { state: "attached" });
  await page.click("#timeline-run");
  await page.waitForSelector("#span-count", { timeout: 120_000 });
  await shot("timeline");
  await page.goto(`${s.url}#/race`);
  await page.click("#example-race");
  await page.waitForSelector("#source .hl", { timeout: 60_000 });
  await shot("race");
  await page.goto(`${s.url}#/editor`);
  await page.waitForFunction(
    () => (document.getElementById("scenario-text") as HTMLTextAreaElement).value.length > 100,
  );
  await page.fill("#scenario-text", "name: broken\nkind: run\nmachine: { cpus: 0 }\nprocesses: []\n");
  await page.waitForSelector("#errors li");
  await shot("editor");
} finally {
  await browser.close();
  await s.close();
}
