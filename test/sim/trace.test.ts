/**
 * The timed simulator's Perfetto trace (src/sim/trace_recorder.ts): valid Chrome trace-event JSON
 * (test/helpers/trace_format.ts checks it against the format's rules), with the tracks a kernel
 * developer looks for: per-CPU tracks with enclave mode and the AEX each IPI forces (a flow from
 * the IPI to it), lock hold and wait spans, counters, stable event names; a window, the three
 * detail levels and the gzip'd file.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { runScenario } from "../../src/experiment/run.ts";
import { chromeTraceChunks, chromeTraceJson, writeChromeTrace } from "../../src/report/chrome_trace.ts";
import { siteCapture } from "../../src/rt/site.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import {
  type ChromeEvent,
  CPU_PID,
  EPC_PID,
  LOCK_PID,
  TASK_PID,
  type TraceOptions,
} from "../../src/sim/trace_recorder.ts";
import { validateTrace } from "../helpers/trace_format.ts";

const BIN = join(import.meta.dirname, "../../bin/epcsim.js");

/** seed-batching, 10 ms measured (the enclave build before it is traced too). */
function traced(trace: Partial<TraceOptions> | true, duration = "10ms") {
  const { scenario } = loadScenario("seed-batching", [`run.duration=${duration}`]);
  return runScenario(scenario, { trace });
}

const whole = traced(true);
const events = whole.trace!.events;
const doc = JSON.parse(chromeTraceJson(whole.trace!));

test("the trace of seed-batching is valid trace-event JSON", () => {
  assert.deepEqual(validateTrace(doc), []);
  const names = events.filter((e) => e.ph === "M" && e.name === "process_name").map((e) => e.args!.name);
  assert.deepEqual(names, ["CPUs", "tasks", "locks", "EPC"]);
});

test("every IPI that forced AEXes has a flow to the AEX on each interrupted CPU", () => {
  const ipis = events.filter((e) => e.ph === "X" && e.pid === TASK_PID && e.name === "IPI sgx_ewb");
  const aexes = events.filter((e) => e.ph === "X" && e.pid === CPU_PID && e.name === "AEX + ERESUME");
  const starts = events.filter((e) => e.ph === "s" && e.name === "IPI -> AEX");
  const ends = events.filter((e) => e.ph === "f" && e.name === "IPI -> AEX");
  assert.ok(ipis.length > 0, "no IPI in the trace");
  // As many AEXes as the metrics count (the run's IPIs interrupted that many enclave threads).
  assert.equal(aexes.length, whole.result.metrics.ipi_aex + aexesBeforeMeasurement(whole));
  assert.equal(ends.length, aexes.length);
  assert.equal(starts.length, ends.length);
  for (const f of ends) {
    const s = starts.find((x) => x.id === f.id)!;
    assert.ok(
      ipis.some((i) => i.tid === s.tid && i.ts === s.ts),
      "a flow starts at an IPI",
    );
    assert.ok(
      aexes.some((a) => a.tid === f.tid && a.ts === f.ts),
      "a flow ends at an AEX",
    );
  }
});

/** AEXes of IPIs sent before measurement started (the metrics count only the measured window). */
function aexesBeforeMeasurement(out: ReturnType<typeof traced>): number {
  const from = out.result.warmup_ns / 1000;
  return events.filter((e) => e.ph === "X" && e.pid === CPU_PID && e.name === "AEX + ERESUME" && e.ts! < from)
    .length;
}

test("CPU tracks show the task on the CPU and its enclave mode inside it", () => {
  const cpu = events.filter((e) => e.ph === "X" && e.pid === CPU_PID);
  assert.ok(cpu.some((e) => e.name === "enclave mode"));
  assert.ok(cpu.some((e) => e.name === "kernel"));
  assert.ok(
    cpu.some((e) => e.name === "ksgxd"),
    "ksgxd runs on some CPU",
  );
  const cpus = new Set(cpu.map((e) => e.tid));
  assert.equal(cpus.size, 8);
});

test("locks have hold and wait spans, and wake-ups flow to the task they woke", () => {
  const holds = events.filter((e) => e.pid === LOCK_PID && e.ph === "b");
  for (const lock of ["sgx_reclaimer_lock", "encl->lock", "node->lock"])
    assert.ok(
      holds.some((e) => e.name === `hold ${lock}`),
      `no hold span of ${lock}`,
    );
  assert.ok(
    holds.some((e) => e.name.startsWith("wait ")),
    "no wait span",
  );
  const wakes = events.filter((e) => e.name === "wake" && e.ph === "f");
  assert.ok(wakes.length > 0);
});

test("counter tracks: free pages per node, pages on the LRU and isolated, backing pages", () => {
  const c = events.filter((e) => e.ph === "C" && e.pid === EPC_PID);
  const free = c.filter((e) => e.name === "free EPC pages");
  assert.ok(free.length > 50);
  // The EPC fills during the build: free pages go down to the watermarks.
  const series = free.map((e) => e.args!.node0 as number);
  assert.ok(
    Math.max(...series) > 4 * Math.min(...series),
    `free pages ${Math.min(...series)}..${Math.max(...series)}`,
  );
  const use = c.filter((e) => e.name === "EPC pages in use");
  assert.ok(
    use.some((e) => (e.args!["isolated by the reclaimer"] as number) > 0),
    "a batch is isolated at some sample",
  );
  assert.ok(c.some((e) => e.name === "backing pages" && (e.args!.pages as number) > 0));
});

test("event names are stable: numbers go to args", () => {
  const named = events.filter((e) => e.ph !== "M");
  const withNumbers = named.filter((e) => /#\d|\(\d|\b\d+\b/.test(e.name.replace(/\bEPC\b/, "")));
  assert.deepEqual([...new Set(withNumbers.map((e) => e.name))].slice(0, 5), []);
});

test("a window keeps only its events; summary and functions detail", () => {
  const from = 95e6;
  const to = 97e6;
  for (const detail of ["ops", "functions", "summary"] as const) {
    const out = traced({ detail, window: { from, to } });
    const ev = out.trace!.events.filter((e) => e.ph !== "M");
    const v = validateTrace(JSON.parse(chromeTraceJson(out.trace!)));
    assert.deepEqual(v, [], detail);
    assert.ok(ev.length > 0, detail);
    for (const e of ev) {
      assert.ok(e.ts! >= from / 1000 && e.ts! <= to / 1000, `${detail}: ${e.name} at ${e.ts}`);
      if (e.ph === "X")
        assert.ok(e.ts! + e.dur! <= to / 1000 + 1e-9, `${detail}: ${e.name} ends after the window`);
    }
    const has = (f: (e: ChromeEvent) => boolean) => ev.some(f);
    // Call stacks are captured only while the run's window is traced: never left on afterwards
    // (the end-of-run scan drains the simulator after the run).
    assert.equal(siteCapture.on, false, `${detail}: site capture left on`);
    if (detail === "functions") {
      assert.ok(
        has((e) => e.ph === "B" && e.name === "sgx_reclaim_pages"),
        "function spans",
      );
      assert.ok(has((e) => e.ph === "B" && e.name === "sgx_vma_fault"));
    }
    if (detail === "summary") {
      assert.ok(!has((e) => e.pid === LOCK_PID), "summary has no lock spans");
      assert.ok(!has((e) => e.pid === TASK_PID && e.name.startsWith("spin_lock")), "summary has no ops");
      assert.ok(has((e) => e.name === "AEX + ERESUME"));
    }
  }
});

test("the same seed gives the same trace bytes; .gz holds the same JSON", async () => {
  const again = traced(true);
  assert.equal(chromeTraceJson(again.trace!), chromeTraceJson(whole.trace!));
  const file = join(mkdtempSync(join(tmpdir(), "epcsim-trace-")), "t.json.gz");
  const bytes = await writeChromeTrace(whole.trace!, file);
  const gz = readFileSync(file);
  assert.equal(gz.length, bytes);
  assert.equal(gunzipSync(gz).toString(), chromeTraceJson(whole.trace!));
  assert.ok(gz.length * 8 < chromeTraceJson(whole.trace!).length, "gzip shrinks it at least 8x");
  // Written in pieces (a long run's JSON is longer than a V8 string can be).
  assert.ok([...chromeTraceChunks(whole.trace!, 1 << 16)].length > 10);
});

test("epcsim run --trace-window and --trace-detail: written, and bad values are usage errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-trace-"));
  const file = join(dir, "t.json.gz");
  const args = ["run", "seed-batching", "--set", "run.duration=2ms", "--trace", file];
  const ok = spawnSync(
    process.execPath,
    [BIN, ...args, "--trace-window", "92ms..93ms", "--trace-detail", "summary"],
    {
      encoding: "utf8",
    },
  );
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /trace: \d+ events .* written to .*t\.json\.gz/);
  assert.deepEqual(validateTrace(JSON.parse(gunzipSync(readFileSync(file)).toString())), []);
  for (const [flag, value, msg] of [
    ["--trace-detail", "all", /--trace-detail all: expected one of ops, functions, summary/],
    ["--trace-window", "5ms", /--trace-window 5ms: expected two durations/],
    ["--trace-window", "9ms..2ms", /the end must come after the start/],
  ] as const) {
    const r = spawnSync(process.execPath, [BIN, ...args, flag, value], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, msg);
  }
});

test("the validator finds what the format forbids", () => {
  const M = { name: "thread_name", ph: "M", pid: 1, tid: 0, args: { name: "t" } };
  const X = (ts: number, dur: number) => ({ name: "x", ph: "X", pid: 1, tid: 0, ts, dur });
  const cases: [unknown[], RegExp][] = [
    [[M, X(0, 10), X(5, 10)], /overlaps event 1 on 1\/0 without nesting/],
    [[M, { name: "f", ph: "B", pid: 1, tid: 0, ts: 1 }], /B events never closed/],
    [[M, { name: "c", ph: "C", pid: 1, ts: 1, args: { n: "7" } }], /counter c\.n = 7/],
    [[M, X(0, 10), { name: "w", ph: "s", cat: "w", id: 1, pid: 1, tid: 0, ts: 1 }], /flow 1 has no end/],
    [
      [
        X(0, 10),
        { name: "w", ph: "s", cat: "w", id: 1, pid: 1, tid: 0, ts: 1 },
        { name: "w", ph: "f", bp: "e", cat: "w", id: 1, pid: 1, tid: 0, ts: 20 },
      ],
      /flow end 1 .* is not inside a slice/,
    ],
    [[{ name: "x", ph: "Q", pid: 1 }], /unknown phase Q/],
    [[{ name: "x", ph: "X", pid: 1, tid: 0, ts: -1, dur: 1 }], /ts -1 is not a time/],
  ];
  for (const [traceEvents, want] of cases) assert.match(validateTrace({ traceEvents }).join("\n"), want);
  assert.deepEqual(validateTrace({ traceEvents: [M, X(0, 10), X(2, 3), X(10, 1)] }), []);
});

test("a functions trace whose window outlasts the run leaves call-stack capture off", () => {
  const out = traced({ detail: "functions", window: { from: 100e6, to: 1e12 } }, "10ms");
  assert.ok(out.trace!.events.some((e) => e.ph === "B"));
  assert.equal(siteCapture.on, false);
});
