/**
 * Metric names for experiments: the metrics of `epcsim run`, nested ones flattened with dots
 * (`fault_latency_ns.p99`, `locks.sgx_reclaimer_lock.contended`), and the key metrics that answer
 * the seed's questions, in the order a reviewer reads them.
 */
import type { Metrics } from "../sim/metrics.ts";

/** Flatten a run's metrics object into dotted names; only numbers are kept. */
export function flattenMetrics(m: Metrics | Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (prefix: string, v: unknown): void => {
    if (typeof v === "number") out[prefix] = v;
    else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      for (const k of Object.keys(v)) walk(prefix ? `${prefix}.${k}` : k, (v as Record<string, unknown>)[k]);
    }
  };
  walk("", m);
  return out;
}

/**
 * The union of metric names over runs, in a stable order (first run's order, then new names
 * sorted). A name missing from a run counts as 0 there: lock classes appear only once acquired.
 */
export function metricNames(runs: readonly Record<string, number>[]): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  const extra: string[] = [];
  runs.forEach((r, i) => {
    for (const k of Object.keys(r)) {
      if (seen.has(k)) continue;
      seen.add(k);
      (i === 0 ? names : extra).push(k);
    }
  });
  return [...names, ...extra.sort()];
}

export function metricValue(run: Record<string, number>, name: string): number {
  return run[name] ?? 0;
}

/** Order statistics of one run's sample (skewed; their CIs come from the bootstrap). */
export function isPercentileMetric(name: string): boolean {
  return /\.(p\d+|max)$/.test(name);
}

export type Unit = "n" | "ns" | "per_s";

/** Which way a metric is better; null where neither is (more reclaimed pages is not better in itself). */
export type Better = "lower" | "higher" | null;

export interface KeyMetric {
  name: string;
  label: string;
  unit: Unit;
}

/** The metrics that answer the seed's questions. */
export const KEY_METRICS: KeyMetric[] = [
  { name: "ipi_rounds", label: "IPI rounds (EWB ladder)", unit: "n" },
  { name: "ipis", label: "IPIs sent", unit: "n" },
  { name: "ipi_aex", label: "AEX forced by IPIs", unit: "n" },
  { name: "etrack", label: "ETRACK", unit: "n" },
  { name: "ewb", label: "EWB (all attempts)", unit: "n" },
  { name: "ewb_not_tracked", label: "EWB not tracked", unit: "n" },
  { name: "reclaimed_pages", label: "reclaimed pages", unit: "n" },
  { name: "reclaim_rounds", label: "reclaim rounds", unit: "n" },
  { name: "reclaim_pages_per_sec", label: "reclaim throughput (pages/s)", unit: "per_s" },
  { name: "faults", label: "faults", unit: "n" },
  { name: "fault_retries", label: "fault retries (NOPAGE)", unit: "n" },
  { name: "fault_latency_ns.p50", label: "fault latency p50", unit: "ns" },
  { name: "fault_latency_ns.p99", label: "fault latency p99", unit: "ns" },
  { name: "locks.sgx_reclaimer_lock.acquisitions", label: "sgx_reclaimer_lock acquisitions", unit: "n" },
  { name: "locks.sgx_reclaimer_lock.contended", label: "sgx_reclaimer_lock contended", unit: "n" },
  { name: "locks.sgx_reclaimer_lock.wait_ns", label: "sgx_reclaimer_lock wait", unit: "ns" },
  { name: "locks.encl->lock.contended", label: "encl->lock contended", unit: "n" },
  { name: "locks.encl->lock.wait_ns", label: "encl->lock wait", unit: "ns" },
  { name: "alloc_ebusy", label: "EBUSY retries (alloc)", unit: "n" },
  { name: "accesses_per_sec", label: "enclave accesses/s (forward progress)", unit: "per_s" },
  { name: "sigbus", label: "SIGBUS", unit: "n" },
  { name: "data_errors", label: "data errors", unit: "n" },
];

const LABELS = new Map(KEY_METRICS.map((k) => [k.name, k]));

export function metricLabel(name: string): string {
  return LABELS.get(name)?.label ?? name;
}

/**
 * The direction of "better" declared per metric: costs (IPIs, ETRACKs, failed or untracked EWBs,
 * retries, latency, lock contention and waits, errors, kernel stretches) are better lower; throughput
 * and forward progress are better higher; counts of work done (EWB, reclaimed pages, faults) have no
 * better direction by themselves.
 */
export function betterWhen(name: string): Better {
  if (/_per_sec$/.test(name) || name === "accesses" || /(^|\.)accesses$/.test(name)) return "higher";
  const lower = [
    /^ipi_rounds$/,
    /^ipis$/,
    /^ipi_aex$/,
    /^tlb_shootdown/,
    /^etrack/,
    /^ewb_not_tracked$/,
    /_failed$/,
    /^fault_retries$/,
    /^vepc_fault_retries$/,
    /(^|\.)fault_latency_ns\.(mean|p\d+|max)$/,
    /^locks\..*\.(contended|wait_ns)$/,
    /^alloc_(ebusy|enomem)$/,
    /^ioctl_(ebusy|eagain)$/,
    /^(sigbus|sigsegv|data_errors|script_failures|warnings)$/,
    /^max_kernel_stretch_ns$/,
    /^epcm_faults$/,
    /(^|\.)oom_kills$/,
  ];
  return lower.some((r) => r.test(name)) ? "lower" : null;
}

export function metricUnit(name: string): Unit {
  const k = LABELS.get(name);
  if (k) return k.unit;
  // Fault latency percentiles, machine-wide or of a cgroup (cgroups.<path>.fault_latency_ns.p99).
  if (name.endsWith("_ns") || (/(^|\.)fault_latency_ns\./.test(name) && !name.endsWith(".count")))
    return "ns";
  if (name.endsWith("_per_sec")) return "per_s";
  return "n";
}
