/**
 * `epcsim serve`'s server and API (src/serve/), over loopback HTTP: it binds 127.0.0.1, refuses
 * request paths that would leave its asset directory, answers the results database, validates a
 * scenario with the CLI's positions, runs a scenario in the background with progress and cancel,
 * and turns a replay token into the race step-through.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { type Running, serve } from "../../src/serve/server.ts";
import { resultsDbWithAB } from "../helpers/results_db.ts";

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");
const dir = mkdtempSync(join(tmpdir(), "epcsim-serve-"));
const ui = join(dir, "ui");
mkdirSync(join(ui, "assets"), { recursive: true });
writeFileSync(join(ui, "index.html"), "<!doctype html><title>ui</title>");
writeFileSync(join(ui, "assets", "app.js"), "console.log(1)");
writeFileSync(join(dir, "secret.txt"), "not for the web");
const db = join(dir, "results.db");
let s: Running;

before(async () => {
  // A results database with one A/B experiment in it.
  resultsDbWithAB(db);
  // And a small mutation campaign (three mutants that kmemleak kills).
  const mu = spawnSync(
    process.execPath,
    [BIN, "mutate", "--functions", "sgx_encl_release", "--operators", "drop-put", "--budget", "200"].concat([
      "--db",
      db,
      "--workers",
      "1",
      "--json",
    ]),
    { encoding: "utf8" },
  );
  assert.equal(mu.status, 0, mu.stderr);
  s = await serve({ host: "127.0.0.1", port: 0, dbPath: db, uiDir: ui });
});
after(() => s.close());

/** A raw request (the path is sent as given, not normalized). */
function get(
  path: string,
  method = "GET",
  body?: unknown,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path, method, headers: { "content-type": "application/json" } },
      (res) => {
        let data = "";
        res.on("data", (c) => (data += c));
        res.on("end", () => resolve({ status: res.statusCode!, body: data, headers: res.headers }));
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}
const getJson = async (path: string, method = "GET", body?: unknown) => {
  const r = await get(path, method, body);
  return { status: r.status, json: JSON.parse(r.body) };
};

test("binds the loopback address and serves the UI's assets", async () => {
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const addr = s.server.address() as { address: string };
  assert.equal(addr.address, "127.0.0.1");
  const r = await get("/");
  assert.equal(r.status, 200);
  assert.match(r.body, /<title>ui<\/title>/);
  assert.equal((await get("/assets/app.js")).status, 200);
});

test("request paths never leave the asset directory", async () => {
  for (const p of [
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/assets/%2e%2e/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/%252e%252e/secret.txt",
    "/assets/..\\..\\secret.txt",
    "/%00",
    "//etc/passwd",
  ]) {
    const r = await get(p);
    assert.ok(r.status === 400 || r.status === 404, `${p}: ${r.status}`);
    assert.doesNotMatch(r.body, /not for the web|root:/, p);
  }
  assert.equal((await get("/api/source?name=../../package.json")).status, 400);
});

test("the results database: experiments, runs, a run's export, a comparison", async () => {
  const ex = (await getJson("/api/experiments")).json as { id: number; kind: string }[];
  assert.equal(ex.length, 1);
  assert.equal(ex[0]!.kind, "ab");
  const runs = (await getJson(`/api/runs?experiment=${ex[0]!.id}`)).json as {
    id: number;
    scenario: string;
  }[];
  assert.equal(runs.length, 4);
  const one = (await getJson(`/api/runs/${runs[0]!.id}`)).json;
  assert.equal(typeof one.metrics.ipi_rounds, "number");
  const c = await get(`/api/runs/${runs[0]!.id}/export.csv`);
  assert.match(c.body, /^metric,value\n/);
  assert.match(String(c.headers["content-disposition"]), /attachment; filename="run-\d+\.csv"/);
  const cmp = (await getJson(`/api/compare?a=${runs[0]!.id}&b=${runs[1]!.id}`)).json;
  assert.ok(cmp.metrics.some((m: { metric: string }) => m.metric === "ipi_rounds"));
  assert.equal((await getJson("/api/runs/99999")).status, 404);
  // The experiment's own report, charts and verdicts included.
  const rep = await get(`/api/experiments/${ex[0]!.id}/report.html`);
  assert.equal(rep.status, 200);
  assert.match(String(rep.headers["content-type"]), /^text\/html/);
  assert.match(rep.body, /<figure class="chart" data-chart="ab-change">/);
  assert.match(rep.body, /<h2>Answer<\/h2>/);
});

test("a mutation campaign's outcomes, and a killed mutant's token steps through", async () => {
  const m = (await getJson("/api/mutants")).json as {
    name: string;
    outcome: { status: string; property: string; replay_token: string };
  }[];
  assert.equal(m.length, 3);
  const killed = m.find((x) => x.outcome.status === "killed" && x.outcome.replay_token)!;
  assert.ok(killed, JSON.stringify(m));
  const v = await getJson("/api/replay", "POST", { token: killed.outcome.replay_token });
  assert.equal(v.status, 200, JSON.stringify(v.json));
  // The mutant on the kernel of the scenario that killed it (a cgroup scenario: `...@cgroup-v16`).
  assert.ok(v.json.kernel.startsWith(killed.name), `${v.json.kernel} is not ${killed.name}`);
  assert.equal(v.json.failure.property, killed.outcome.property);
});

test("validation gives the CLI's errors with their positions", async () => {
  const text = "name: x\nkind: run\nmachine: { cpus: 0 }\nprocesses: []\n";
  const r = (await getJson("/api/validate", "POST", { text })).json;
  assert.equal(r.ok, false);
  const file = join(dir, "bad.yaml");
  writeFileSync(file, text);
  const cli = spawnSync(process.execPath, [BIN, "run", file], { encoding: "utf8" });
  assert.equal(cli.status, 2);
  const where = /bad\.yaml:(\d+):(\d+) machine\.cpus/.exec(cli.stderr);
  assert.ok(where, cli.stderr);
  const e = r.errors.find((x: { text: string }) => /machine\.cpus/.test(x.text));
  assert.ok(e, JSON.stringify(r.errors));
  assert.deepEqual([e.line, e.col], [Number(where[1]), Number(where[2])]);
  assert.equal(e.line, 3);
  const ok = (
    await getJson("/api/validate", "POST", {
      text: (await getJson("/api/scenarios/seed-batching")).json.text,
    })
  ).json;
  assert.equal(ok.ok, true);
});

test("a run in the background: progress, its timeline and trace; a cancel stops another", async () => {
  const { text } = (await getJson("/api/scenarios/seed-batching")).json;
  const started = await getJson("/api/jobs", "POST", { text, set: ["run.duration=3ms"] });
  assert.equal(started.status, 202);
  let job: { state: string; fraction: number; result: { metrics: { ipi_rounds: number } } | null };
  for (;;) {
    job = (await getJson(`/api/jobs/${started.json.id}`)).json;
    if (job.state !== "running") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(job.state, "done", JSON.stringify(job));
  assert.equal(job.fraction, 1);
  const t = (await getJson(`/api/jobs/${started.json.id}/timeline`)).json;
  assert.equal(t.cpus, 8);
  assert.ok(t.spans > 1000);
  assert.ok(t.labels.includes("enclave mode"));
  assert.ok(t.counters["free EPC pages"].node0.length > 10);
  // The spans stay on the server: the whole run as 1000 pixels, then a zoomed view.
  const whole = (await getJson(`/api/jobs/${started.json.id}/tiles?from=0&to=${t.end}&width=1000`)).json;
  assert.equal(whole.visible, t.spans);
  assert.equal(whole.rows.length, 16);
  assert.ok(whole.drawn < t.spans, `${whole.drawn} rectangles for ${t.spans} spans`);
  for (const row of whole.rows) for (const [x0, x1] of row.runs) assert.ok(x0 >= 0 && x1 <= 1000 && x1 > x0);
  const zoomed = (
    await getJson(`/api/jobs/${started.json.id}/tiles?from=${t.end - 20000}&to=${t.end}&width=1000`)
  ).json;
  assert.ok(zoomed.visible > 0 && zoomed.visible < whole.visible);
  assert.equal((await getJson(`/api/jobs/${started.json.id}/tiles?from=5&to=1&width=10`)).status, 400);
  // Single ops of a window: the run again up to its end, traced there.
  const o = (await getJson(`/api/jobs/${started.json.id}/ops?from=${t.end - 200000}&to=${t.end}`)).json;
  assert.ok(o.ts.length > 50, `${o.ts.length} ops`);
  assert.ok(o.labels.includes("enclave_run"));
  for (const ts of o.ts) assert.ok(ts >= t.end - 200000 && ts < t.end);
  assert.ok(Object.values(o.tasks).includes("ksgxd"));
  assert.equal((await getJson(`/api/jobs/${started.json.id}/ops?from=0&to=${t.end}`)).status, 400);
  const trace = await fetch(`${s.url}api/jobs/${started.json.id}/trace.json.gz`);
  assert.match(String(trace.headers.get("content-disposition")), /epcsim-run-\d+\.json\.gz/);
  const doc = JSON.parse(gunzipSync(Buffer.from(await trace.arrayBuffer())).toString());
  assert.ok(doc.traceEvents.length > 1000);

  const long = await getJson("/api/jobs", "POST", { text, set: ["run.duration=10s"] });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await getJson(`/api/jobs/${long.json.id}`, "DELETE")).json.cancelled, true);
  assert.equal((await getJson(`/api/jobs/${long.json.id}`)).json.state, "cancelled");
  const bad = await getJson("/api/jobs", "POST", { text: "name: x\nmachine: { cpus: 0 }\n" });
  for (;;) {
    const j = (await getJson(`/api/jobs/${bad.json.id}`)).json;
    if (j.state === "running") {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    assert.equal(j.state, "failed");
    assert.match(j.error, /scenario\.yaml:\d+:\d+/);
    break;
  }
});

test("a replay token becomes the race step-through: steps, locks held, page changes, model source", async () => {
  const r = spawnSync(
    process.execPath,
    [BIN, "check", "check-pcmd-truncate", "--kernel", "v5.19-B6", "--json"],
    { encoding: "utf8" },
  );
  const token = JSON.parse(r.stdout).replay_token as string;
  const v = (await getJson("/api/replay", "POST", { token })).json;
  assert.equal(v.kernel, "v5.19-B6");
  assert.equal(v.steps.length, v.held.length);
  assert.equal(v.steps.length, v.changes.length);
  assert.ok(v.races.length > 0);
  // The step after which reclaim holds encl->lock lists it among its locks.
  const i = v.steps.findIndex((st: { op: string }) => /^mutex_lock\(encl->lock/.test(st.op));
  assert.ok(i >= 0);
  const who = v.actors.indexOf(v.steps[i].thread);
  assert.ok(
    v.held[i][who].some((l: string) => l.startsWith("encl->lock#")),
    JSON.stringify(v.held[i]),
  );
  // Some step frees or moves an EPC page: its before and after differ.
  assert.ok(v.changes.some((c: unknown[]) => c.length > 0));
  const src = (await getJson("/api/source?name=main.ts")).json;
  assert.equal(src.path, "model/kernel/sgx/main.ts");
  assert.match(src.text, /function\* sgx_reclaim_pages/);
  const bad = await getJson("/api/replay", "POST", { token: "epcsim1.garbage" });
  assert.equal(bad.status, 400);
});

test("epcsim serve listens on 127.0.0.1 by default; another address only with --host and a warning", async () => {
  const { spawn } = await import("node:child_process");
  const start = (args: string[]) =>
    new Promise<{ out: string; err: string }>((resolve, reject) => {
      const p = spawn(process.execPath, [BIN, "serve", "--port", "0", "--db", db, ...args]);
      let out = "";
      let err = "";
      p.stdout.on("data", (c) => {
        out += c;
        if (/\n/.test(out)) p.kill("SIGTERM");
      });
      p.stderr.on("data", (c) => (err += c));
      p.on("exit", () => resolve({ out, err }));
      p.on("error", reject);
    });
  const local = await start([]);
  assert.match(local.out, /^epcsim serve: http:\/\/127\.0\.0\.1:\d+\/ /);
  assert.equal(local.err, "");
  const wide = await start(["--host", "0.0.0.0"]);
  assert.match(wide.out, /http:\/\/0\.0\.0\.0:\d+\//);
  assert.match(wide.err, /warning: --host 0\.0\.0\.0: .*reachable from the network/);
  const bad = spawnSync(process.execPath, [BIN, "serve", "--port", "70000"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--port 70000: expected 0\.\.65535/);
});

test("the command line's server runs a background job in a worker thread started from the build", async () => {
  const { spawn } = await import("node:child_process");
  // bin/epcsim.js runs from dist/ when it is fresh (make test builds it first), and its worker
  // threads then load dist/serve-job.js; from the sources they load the TypeScript through tsx.
  const p = spawn(process.execPath, [BIN, "serve", "--port", "0", "--db", db]);
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = "";
      p.stdout.on("data", (c) => {
        out += c;
        const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) resolve(m[1]!);
      });
      p.on("exit", () => reject(new Error(`serve exited: ${out}`)));
    });
    const call = async (path: string, method = "GET", body?: unknown) => {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return r.json() as Promise<Record<string, unknown>>;
    };
    const { text } = await call("/api/scenarios/seed-batching");
    const started = await call("/api/jobs", "POST", { text, set: ["run.duration=2ms"] });
    let job: Record<string, unknown>;
    for (;;) {
      job = await call(`/api/jobs/${started.id}`);
      if (job.state !== "running") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(job.state, "done", JSON.stringify(job));
    assert.equal(typeof (job.result as { metrics: { faults: number } }).metrics.faults, "number");
  } finally {
    p.kill("SIGTERM");
  }
});
