import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");
const TINY = ["--set", "machine.epc=512", "--set", "run.duration=1ms", "--set", "run.warmup=0"];

function epcsim(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "epcsim-cli-"));
  dirs.push(d);
  return d;
}

test("ab --json prints one object: every metric's means, paired difference and interval, plus reps, seeds, db, report", () => {
  const dir = tmp();
  const db = join(dir, "r.db");
  const report = join(dir, "ab.html");
  const r = epcsim(
    "ab",
    "seed-batching",
    "--a",
    "reclaimer.batch=16",
    "--b",
    "reclaimer.batch=1",
    "--reps",
    "3",
    "--json",
    "--db",
    db,
    "--report",
    report,
    ...TINY,
  );
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.reps, 3);
  assert.equal(j.seeds.length, 3);
  assert.equal(j.root_seed, 1);
  assert.equal(j.db, db);
  assert.equal(j.report, report);
  assert.ok(existsSync(report));
  for (const name of [
    "ipi_rounds",
    "etrack",
    "fault_latency_ns.p99",
    "locks.sgx_reclaimer_lock.acquisitions",
  ]) {
    const m = j.metrics[name];
    assert.ok(m, name);
    for (const k of ["a_mean", "b_mean", "diff_mean", "diff_ci_low", "diff_ci_high", "ratio", "significant"])
      assert.ok(k in m, `${name}.${k}`);
  }
  assert.equal(j.metrics["fault_latency_ns.p99"].ci_method, "bootstrap");
  assert.equal(j.metrics.ipi_rounds.ci_method, "t");
  assert.match(r.err, /runs: 6 \(6 simulated/);
  // Again: everything comes from the database.
  const again = JSON.parse(
    epcsim(
      "ab",
      "seed-batching",
      "--a",
      "reclaimer.batch=16",
      "--b",
      "reclaimer.batch=1",
      "--reps",
      "3",
      "--json",
      "--db",
      db,
      ...TINY,
    ).out,
  );
  assert.deepEqual(again.runs.cached, 6);
  assert.deepEqual(again.metrics, j.metrics);
});

test("ab prints a table of the key metrics without --json; a failed --assert exits 1", () => {
  const db = join(tmp(), "r.db");
  const ab = ["ab", "seed-batching", "--a", "reclaimer.batch=16", "--b", "reclaimer.batch=1", "--reps", "3"];
  const r = epcsim(
    ...ab,
    "--db",
    db,
    "--assert",
    "locks.sgx_reclaimer_lock.acquisitions>0",
    "--assert",
    "data_errors=0",
    ...TINY,
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /metric\s+A mean\s+B mean\s+B - A\s+95% CI of B - A\s+B \/ A\s+significant/);
  assert.match(r.out, /ipi_rounds/);
  assert.match(r.out, /seeds: \d+ \d+/);
  assert.match(r.err, /assertion holds: data_errors=0/);
  const f = epcsim(...ab, "--db", db, "--assert", "reclaim_rounds<0", ...TINY);
  assert.equal(f.code, 1, f.err);
  assert.match(f.err, /ASSERTION FAILED: reclaim_rounds<0: B - A = \+/);
});

test("bad experiment input exits 2 with one line and no stack trace", () => {
  const cases = [
    ["ab", "seed-batching", "--a", "reclaimer.batch=0", "--b", "reclaimer.batch=1", "--no-db", ...TINY],
    ["ab", "seed-batching", "--a", "kernel=no-such-kernel", "--reps", "1", "--no-db", ...TINY],
    [
      "sweep",
      "seed-batching",
      "--grid",
      "reclaimer.batch=1,2,4",
      "--reps",
      "3",
      "--max-runs",
      "8",
      "--no-db",
    ],
    ["ab", "oversubscribed", "--reps", "0"],
    ["sweep", "seed-batching", "--grid", "reclaimer.batch"],
    ["results", "show", "99", "--db", join(tmp(), "empty.db")],
  ];
  const expect = [
    /--a reclaimer\.batch=0: reclaimer\.batch: /,
    /unknown kernel variant "no-such-kernel"/,
    /9 runs, more than --max-runs 8/,
    /--reps 0: expected an integer >= 1/,
    /--grid reclaimer\.batch: expected key=v1,v2/,
    /no results database there/,
  ];
  for (const c of cases) {
    const r = epcsim(...c);
    assert.equal(r.code, 2, `${c.join(" ")}: ${r.err}`);
    assert.match(r.err, /^epcsim: /, c.join(" "));
    assert.doesNotMatch(r.err, /\n\s+at /, c.join(" "));
    assert.match(r.err, expect.shift()!, c.join(" "));
  }
});

test("experiments lists the seven built-in experiments with their commands", () => {
  const r = epcsim("experiments", "--json");
  assert.equal(r.code, 0, r.err);
  const list = JSON.parse(r.out) as { name: string; command: string }[];
  assert.deepEqual(
    list.map((e) => e.command),
    [
      "epcsim ab seed-batching",
      "epcsim ab multi-enclave-batching",
      "epcsim sweep reclaim-threads",
      "epcsim sweep batch-size-threads",
      "epcsim ab cgroup-tenants",
      "epcsim ab v38-per-page",
      "epcsim ab mainline-vs-isgx",
    ],
  );
});

const SWEEP = [
  "sweep",
  "seed-batching",
  "--grid",
  "reclaimer.batch=1,2,4,8,16,32",
  "--reps",
  "1",
  "--workers",
  "1",
  ...TINY,
];

function dbRows(db: string): { key: string; metrics_json: string }[] {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return d.prepare("SELECT key, metrics_json FROM runs ORDER BY key").all() as {
      key: string;
      metrics_json: string;
    }[];
  } finally {
    d.close();
  }
}

function countRows(db: string): number {
  if (!existsSync(db)) return 0;
  try {
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (d.prepare("SELECT count(*) AS n FROM runs").get() as { n: number }).n;
    } finally {
      d.close();
    }
  } catch {
    return 0; // not created yet
  }
}

async function killWhen(child: ChildProcess, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (ready()) {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("the sweep ended before it could be killed");
}

test("a sweep killed with SIGKILL mid-way resumes: same rows and values as an uninterrupted sweep", async () => {
  const dir = tmp();
  const killed = join(dir, "killed.db");
  const whole = join(dir, "whole.db");
  const child = spawn(process.execPath, [BIN, ...SWEEP, "--db", killed], { stdio: "ignore" });
  await killWhen(child, () => countRows(killed) >= 2);
  const atKill = countRows(killed);
  assert.ok(atKill >= 2 && atKill < 6, `killed after ${atKill} of 6 runs`);

  const resumed = epcsim(...SWEEP, "--db", killed, "--json");
  assert.equal(resumed.code, 0, resumed.err);
  const rj = JSON.parse(resumed.out);
  assert.equal(rj.runs.cached, atKill, "the runs recorded before the kill are not run again");
  assert.equal(rj.runs.executed, 6 - atKill);

  const straight = epcsim(...SWEEP, "--db", whole, "--json");
  assert.equal(straight.code, 0, straight.err);
  const a = dbRows(killed);
  const b = dbRows(whole);
  assert.equal(a.length, 6);
  assert.deepEqual(a, b);
  assert.deepEqual(rj.cells, JSON.parse(straight.out).cells);
});

test("results list, show and export read the database without simulating", async () => {
  const dir = tmp();
  const db = join(dir, "r.db");
  const sweep = epcsim(
    "sweep",
    "seed-batching",
    "--grid",
    "reclaimer.batch=1,16",
    "--grid",
    "reclaimer.threads=1,2",
    "--reps",
    "2",
    "--json",
    "--db",
    db,
    ...TINY,
  );
  assert.equal(sweep.code, 0, sweep.err);
  const sj = JSON.parse(sweep.out);
  assert.equal(sj.cells.length, 4);
  const sweepArgs = [
    "sweep",
    "seed-batching",
    "--grid",
    "reclaimer.batch=1,16",
    "--grid",
    "reclaimer.threads=1,2",
  ];
  assert.match(
    epcsim(...sweepArgs, "--reps", "2", "--db", db, ...TINY).out,
    /reclaimer\.threads \\ reclaimer\.batch/,
  );

  const list = JSON.parse(epcsim("results", "list", "--json", "--db", db).out);
  assert.equal(list.length, 1);
  assert.equal(list[0].kind, "sweep");
  assert.equal(list[0].stored, 8);
  assert.equal(list[0].planned, 8);

  const show = epcsim("results", "show", String(list[0].id), "--json", "--db", db);
  assert.equal(show.code, 0, show.err);
  assert.deepEqual(JSON.parse(show.out).cells, sj.cells);

  const out = join(dir, "runs.csv");
  const ex = epcsim("results", "export", "--experiment", String(list[0].id), "--out", out, "--db", db);
  assert.equal(ex.code, 0, ex.err);
  const lines = readFileSync(out, "utf8").trim().split("\n");
  assert.equal(lines.length, 1 + 8);
  const head = lines[0]!.split(",");
  for (const c of [
    "run_id",
    "cell",
    "rep",
    "seed",
    "model_version",
    "wall_ms",
    "ipi_rounds",
    "fault_latency_ns.p99",
  ])
    assert.ok(head.includes(c), c);

  // Tidy: one column per grid key with its values, no packed params; timelines as a second table.
  assert.ok(head.includes("reclaimer.batch") && head.includes("reclaimer.threads"), lines[0]);
  assert.ok(!head.includes("params"), lines[0]);
  const batchCol = head.indexOf("reclaimer.batch");
  assert.deepEqual([...new Set(lines.slice(1).map((l) => l.split(",")[batchCol]))].sort(), ["1", "16"]);
  const tl = join(dir, "timelines.csv");
  const ex2 = epcsim(
    "results",
    "export",
    "--experiment",
    String(list[0].id),
    "--out",
    out,
    "--timelines",
    tl,
    "--db",
    db,
  );
  assert.equal(ex2.code, 0, ex2.err);
  const tlines = readFileSync(tl, "utf8").trim().split("\n");
  assert.equal(tlines[0], "run_id,t_ns,free_pages,reclaim_rounds,faults,accesses,backing_pages");
  assert.ok(tlines.length > 8, `${tlines.length} timeline rows`);
  // Parquet, read back with a Parquet reader: the same rows and columns as the CSV.
  const pq = join(dir, "runs.parquet");
  const ex3 = epcsim(
    "results",
    "export",
    "--experiment",
    String(list[0].id),
    "--format",
    "parquet",
    "--out",
    pq,
    "--db",
    db,
  );
  assert.equal(ex3.code, 0, ex3.err);
  const { parquetReadObjects } = await import("hyparquet");
  const buf = readFileSync(pq);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
  assert.equal(rows.length, 8);
  assert.deepEqual([...new Set(rows.map((r) => String(r["reclaimer.batch"])))].sort(), ["1", "16"]);
  assert.equal(typeof rows[0]!.ipi_rounds, "number");
  // SQL without json_extract: the views.
  const Database = (await import("better-sqlite3")).default;
  const sql = new Database(db, { readonly: true });
  const n = sql.prepare("SELECT count(*) AS n FROM run_metrics WHERE metric = 'ipi_rounds'").get() as {
    n: number;
  };
  assert.equal(n.n, 8);
  const keys = sql.prepare("SELECT DISTINCT key FROM run_params ORDER BY key").all() as { key: string }[];
  // The grid's keys, and the --set overrides of the test's tiny runs.
  for (const k of ["reclaimer.batch", "reclaimer.threads", "run.duration"])
    assert.ok(
      keys.some((x) => x.key === k),
      k,
    );
  const cells = sql.prepare("SELECT count(*) AS n FROM experiment_cells WHERE run_id IS NOT NULL").get() as {
    n: number;
  };
  assert.equal(cells.n, 8);
  const wall = (sql.prepare("SELECT wall_ms FROM experiments").get() as { wall_ms: number }).wall_ms;
  sql.close();
  // A rerun from the cache keeps the wall time of the run that did the work.
  epcsim(...sweepArgs, "--reps", "2", "--db", db, ...TINY);
  const again = new Database(db, { readonly: true });
  assert.equal((again.prepare("SELECT wall_ms FROM experiments").get() as { wall_ms: number }).wall_ms, wall);
  again.close();

  const runs = JSON.parse(epcsim("results", "export", "--format", "json", "--db", db).out);
  assert.equal(runs.length, 8);
  const one = epcsim("results", "show", "--run", String(runs[0].id), "--json", "--db", db);
  assert.equal(JSON.parse(one.out).result.scenario, "seed-batching");
});
