/// <reference lib="dom" />
/**
 * `epcsim serve --backend redis://...`: the hunts of a Redis server (a real one, Debian's
 * redis-server, with an `epcsim worker`) and their findings in the API and the results view; a
 * finding's "step through" link opens the race step-through on its replay token.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { type Running, serve } from "../../src/serve/server.ts";
import { BIN, TestRedis } from "../helpers/redis.ts";

const UI = join(import.meta.dirname, "../../dist-ui");
let redis: TestRedis;
let s: Running;
let huntId = "";

before(async () => {
  redis = await TestRedis.start();
  const w = await redis.worker();
  const r = spawnSync(
    process.execPath,
    [BIN, "hunt", "check-pcmd-truncate", "--kernel", "v5.19-B6", "--duration", "3s", "--slice", "50"].concat([
      "--parallel",
      "2",
      "--backend",
      redis.url,
      "--json",
    ]),
    { encoding: "utf8" },
  );
  assert.equal(r.status, 1, r.stderr);
  huntId = /hunt ([0-9a-f]{12})/.exec(r.stderr)?.[1] ?? "";
  assert.ok(huntId, r.stderr);
  await redis.stopWorker(w);
  s = await serve({
    host: "127.0.0.1",
    port: 0,
    dbPath: join(redis.dir, "none.db"),
    uiDir: UI,
    huntsUrl: redis.url,
  });
});
after(async () => {
  await s?.close();
  await redis?.close();
});

test("the API lists the Redis server's hunts and a hunt's findings, whose tokens step through", async () => {
  const h = (await (await fetch(`${s.url}api/hunts`)).json()) as {
    backend: string;
    hunts: { id: string; status: string }[];
  };
  assert.equal(h.backend, redis.url);
  assert.deepEqual(
    h.hunts.map((x) => [x.id, x.status]),
    [[huntId, "done"]],
  );
  const f = (await (await fetch(`${s.url}api/hunts/${huntId}/findings`)).json()) as {
    token: string;
    property: string;
  }[];
  assert.ok(f.length >= 1);
  assert.match(f[0]!.property, /evicted data is in the backing store/);
  const v = await fetch(`${s.url}api/replay`, {
    method: "POST",
    body: JSON.stringify({ token: f[0]!.token }),
  });
  assert.equal(v.status, 200);
  assert.equal((await fetch(`${s.url}api/hunts/not-an-id/findings`)).status, 400);
});

test("the results view lists hunts; a finding opens the race step-through", async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox"],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${s.url}#/results`);
    await page.waitForSelector("#hunts tbody tr");
    await page.click("#hunts tbody tr");
    await page.waitForSelector("#findings a");
    await page.click("#findings a");
    await page.waitForSelector("#step-now", { timeout: 60_000 });
    assert.match((await page.textContent("#failure")) ?? "", /evicted data is in the backing store/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
