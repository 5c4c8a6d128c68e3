/** Human-readable tables for the terminal. */
import type { RunResult } from "../experiment/run.ts";
import { fmtNs } from "../scenario/units.ts";
import type { Metrics } from "../sim/metrics.ts";
import { cgroupLines } from "./cgroup_format.ts";

/** Align rows of cells into columns: the first column left, the rest right (numbers) or left (`text`). */
export function table(rows: string[][], text = false): string {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === 0 || text ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The metrics that answer the seed's questions, in the order a reviewer reads them. */
export const KEY_METRICS: [label: string, get: (m: Metrics) => number, unit: "n" | "ns"][] = [
  ["IPI rounds (EWB ladder)", (m) => m.ipi_rounds, "n"],
  ["IPIs sent", (m) => m.ipis, "n"],
  ["AEX forced by IPIs", (m) => m.ipi_aex, "n"],
  ["TLB shootdowns (zap)", (m) => m.tlb_shootdowns, "n"],
  ["ETRACK", (m) => m.etrack, "n"],
  ["EWB (all attempts)", (m) => m.ewb, "n"],
  ["EWB not tracked", (m) => m.ewb_not_tracked, "n"],
  ["reclaimed pages", (m) => m.reclaimed_pages, "n"],
  ["reclaim rounds", (m) => m.reclaim_rounds, "n"],
  ["reclaim pages/s", (m) => m.reclaim_pages_per_sec, "n"],
  ["faults", (m) => m.faults, "n"],
  ["fault retries (NOPAGE)", (m) => m.fault_retries, "n"],
  ["fault latency p50", (m) => m.fault_latency_ns.p50, "ns"],
  ["fault latency p99", (m) => m.fault_latency_ns.p99, "ns"],
  ["sgx_reclaimer_lock acquisitions", (m) => m.locks.sgx_reclaimer_lock?.acquisitions ?? 0, "n"],
  ["sgx_reclaimer_lock contended", (m) => m.locks.sgx_reclaimer_lock?.contended ?? 0, "n"],
  ["node->lock contended", (m) => m.locks["node->lock"]?.contended ?? 0, "n"],
  ["encl->lock wait", (m) => m.locks["encl->lock"]?.wait_ns ?? 0, "ns"],
  ["enclave accesses/s", (m) => m.accesses_per_sec, "n"],
  ["SIGBUS", (m) => m.sigbus, "n"],
  ["data errors", (m) => m.data_errors, "n"],
];

export function fmtValue(v: number, unit: "n" | "ns"): string {
  return unit === "ns" ? fmtNs(v) : v.toLocaleString("en-US");
}

/** What each end of a run means, in words (the JSON keeps the short name). */
const END_WORDS: Record<string, string> = {
  time_limit: "the simulated duration ran out: the normal end of a timed run",
  workload_done: "every thread finished its touches",
  stalled: "STALLED: threads were left that could never run again",
  kernel_bug: "KERNEL BUG: see the kernel log below",
  op_limit: "stopped at run.max_ops: the simulation ran away",
};

export function formatRun(r: RunResult): string {
  const head = `${r.scenario} (kernel ${r.kernel}, seed ${r.seed}): ${fmtNs(r.simulated_ns)} simulated, ended: ${r.end} (${END_WORDS[r.end] ?? r.end})`;
  const rows = KEY_METRICS.map(([l, g, u]) => [l, fmtValue(g(r.metrics), u)]);
  const lines = [head, table(rows), ...cgroupLines(r)];
  if (r.stalled.length) lines.push(`stalled threads:\n  ${r.stalled.join("\n  ")}`);
  // Every kernel log line (WARN and BUG), the first ten of them.
  if (r.dmesg.length) {
    lines.push(`kernel log (${r.dmesg.length} lines):`);
    for (const d of r.dmesg.slice(0, 10)) lines.push(`  [${d.comm}] ${d.level.toUpperCase()}: ${d.msg}`);
  }
  return lines.join("\n");
}

/** Side-by-side table of several runs' key metrics. */
export function formatSideBySide(labels: string[], results: RunResult[]): string {
  const rows = [["metric", ...labels]];
  for (const [l, g, u] of KEY_METRICS) rows.push([l, ...results.map((r) => fmtValue(g(r.metrics), u))]);
  return table(rows);
}
