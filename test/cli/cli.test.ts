import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");

function epcsim(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const QUICK = ["--set", "run.duration=2ms", "--set", "machine.epc=1024", "--set", "run.warmup=0"];

test("epcsim --help lists the commands and exits 0", () => {
  const r = epcsim("--help");
  assert.equal(r.code, 0);
  assert.match(r.out, /run \[options\] <scenario>/);
  assert.match(r.out, /scenarios/);
});

test("run --json prints one object with the contract's fields", () => {
  const r = epcsim("run", "seed-batching", "--json", ...QUICK);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  for (const k of ["scenario", "seed", "kernel", "simulated_ns"]) assert.ok(k in j, k);
  const metrics = [
    "ipi_rounds",
    "ipis",
    "etrack",
    "ewb",
    "ewb_not_tracked",
    "eblock",
    "eldu",
    "faults",
    "fault_latency_ns",
    "reclaimed_pages",
    "reclaim_rounds",
    "alloc_ebusy",
    "alloc_enomem",
    "sigbus",
    "accesses",
    "data_errors",
    "locks",
    "model_ops",
  ];
  for (const k of metrics) assert.ok(k in j.metrics, k);
  for (const p of ["p50", "p90", "p99", "max"]) assert.equal(typeof j.metrics.fault_latency_ns[p], "number");
  const rl = j.metrics.locks.sgx_reclaimer_lock;
  for (const f of ["acquisitions", "contended", "wait_ns", "hold_ns"]) assert.equal(typeof rl[f], "number");
  assert.equal(j.scenario, "seed-batching");
  assert.equal(j.kernel, "mainline");
});

test("run --set reclaimer.batch=1 and reclaimer.threads=4 change the run", () => {
  const a = JSON.parse(epcsim("run", "seed-batching", "--json", ...QUICK).out);
  const b = JSON.parse(epcsim("run", "seed-batching", "--json", ...QUICK, "--set", "reclaimer.batch=1").out);
  assert.ok(b.metrics.reclaim_rounds > a.metrics.reclaim_rounds);
  const c = epcsim("run", "seed-batching", "--json", ...QUICK, "--set", "reclaimer.threads=4");
  assert.equal(c.code, 0, c.err);
});

test("the same run twice gives identical JSON apart from wall-clock time", () => {
  const strip = (s: string) => ({ ...JSON.parse(s), wall_ms: 0 });
  const a = epcsim("run", "oversubscribed", "--json", "--set", "machine.epc=512");
  const b = epcsim("run", "oversubscribed", "--json", "--set", "machine.epc=512");
  assert.deepEqual(strip(a.out), strip(b.out));
});

test("a bad scenario file exits 2 with file:line:col and no stack trace", () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-"));
  const f = join(dir, "bad.yaml");
  writeFileSync(f, "name: bad\nmachine:\n  cpus: many\n");
  const r = epcsim("run", f);
  assert.equal(r.code, 2);
  assert.match(r.err, /bad\.yaml:3:9 machine\.cpus: /);
  assert.doesNotMatch(r.err, /\n\s+at /);
});

test("usage mistakes exit 2", () => {
  assert.equal(epcsim("run").code, 2);
  assert.equal(epcsim("nonsense").code, 2);
  assert.equal(epcsim("run", "seed-batching", "--seed", "x").code, 2);
  assert.equal(epcsim("run", "seed-batching", "--set", "reclaimer.batch=0").code, 2);
});

test("scenarios --json lists the built-ins with name, kind and description", () => {
  const r = epcsim("scenarios", "--json");
  const list = JSON.parse(r.out) as { name: string; kind: string; description: string }[];
  const sb = list.find((s) => s.name === "seed-batching");
  assert.ok(sb);
  assert.equal(sb.kind, "run");
});

test("run --trace writes Chrome trace-event JSON", () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-"));
  const f = join(dir, "t.json");
  const r = epcsim("run", "oversubscribed", "--set", "machine.epc=256", "--trace", f);
  assert.equal(r.code, 0, r.err);
  const t = JSON.parse(readFileSync(f, "utf8"));
  assert.ok(t.traceEvents.length > 100);
  assert.ok(t.traceEvents.some((e: { name: string }) => e.name.startsWith("ENCLS[EWB]")));
});
