/**
 * Metrics of a timed run, derived only from the ops the simulator executed (and their result
 * fields). Nothing here is counted inside model code. docs/metrics.md documents every field.
 */

import { SGX_NOT_TRACKED } from "../model/hw/arch.ts";
import type { Op } from "../rt/ops.ts";
import type { CgroupMetrics } from "./cgroup_metrics.ts";

export interface LockStats {
  acquisitions: number;
  contended: number;
  wait_ns: number;
  hold_ns: number;
}

export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface Metrics {
  ipi_rounds: number;
  ipis: number;
  ipi_aex: number;
  tlb_shootdowns: number;
  tlb_shootdown_ipis: number;
  etrack: number;
  ewb: number;
  ewb_not_tracked: number;
  ewb_failed: number;
  eblock: number;
  eldu: number;
  eldu_failed: number;
  eremove: number;
  epa: number;
  eadd: number;
  /** SGX2: IPI rounds of sgx_enclave_etrack() (after each EMODT/EMODPR). */
  etrack_ipi_rounds: number;
  /** SGX2: EAUG, EMODT, EMODPR and ENCLU[EACCEPT] leaves executed. */
  eaug: number;
  emodt: number;
  emodpr: number;
  eaccept: number;
  /** SGX2: #PFs with the SGX bit (the EPCM refused an access), and threads they killed. */
  epcm_faults: number;
  sigsegv: number;
  /** SGX2 ioctls that stopped early with -EAGAIN / -EBUSY and were called again. */
  ioctl_eagain: number;
  ioctl_ebusy: number;
  /** Script steps whose expectation failed. */
  script_failures: number;
  /** Guest EPC faults the vEPC handler asked to retry (no free EPC page). */
  vepc_fault_retries: number;
  faults: number;
  fault_retries: number;
  fault_latency_ns: Percentiles;
  reclaimed_pages: number;
  secs_evictions: number;
  reclaim_rounds: number;
  reclaim_isolated: number;
  reclaim_pages_per_sec: number;
  alloc_ebusy: number;
  alloc_enomem: number;
  sigbus: number;
  accesses: number;
  accesses_per_sec: number;
  data_errors: number;
  timer_aex: number;
  context_switches: number;
  /** Backing-store (shmem) pages allocated, and how many of them were charged to the root memcg. */
  backing_allocs: number;
  backing_allocs_root: number;
  /** Pages in the enclaves' backing files at the end of the run, and the most seen at a sample. */
  backing_pages_end: number;
  backing_pages_peak: number;
  /** Longest time a thread ran kernel code on a CPU without a scheduling point (soft-lockup risk). */
  max_kernel_stretch_ns: number;
  /** The thread of that stretch. */
  max_kernel_stretch_thread: string;
  locks: Record<string, LockStats>;
  /** Per cgroup (by path), when the scenario has cgroups: see cgroup_metrics.ts. */
  cgroups?: Record<string, CgroupMetrics>;
  model_ops: number;
  warnings: number;
}

/** Exact percentiles of a sample (nearest-rank). */
export function percentiles(xs: Float64Array | number[]): Percentiles {
  return percentilesOfSorted(Float64Array.from(xs).sort());
}

/** percentiles() of a sample sorted ascending. */
function percentilesOfSorted(s: Float64Array): Percentiles {
  const n = s.length;
  if (n === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i]!;
  const at = (q: number) => s[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  return { count: n, mean: Math.round(sum / n), p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[n - 1]! };
}

/**
 * The sample's quantile function at q = 1/n, 2/n, ..., 1 (nearest rank): enough to draw the
 * distribution's CDF exactly at those points, and to average distributions of several runs.
 */
export function quantiles(xs: Float64Array | number[], n = 100): number[] {
  return quantilesOfSorted(Float64Array.from(xs).sort(), n);
}

/** quantiles() of a sample sorted ascending. */
function quantilesOfSorted(s: Float64Array, n = 100): number[] {
  if (s.length === 0) return [];
  const out: number[] = [];
  for (let i = 1; i <= n; i++) out.push(s[Math.min(s.length - 1, Math.ceil((i / n) * s.length) - 1)]!);
  return out;
}

/** Per-thread bookkeeping the collector needs (owned by the simulator's thread record). */
export interface MetricThread {
  /** Time of the first #PF of the access being resolved, or -1. */
  faultStart: number;
}

export class MetricsCollector {
  readonly m: Omit<
    Metrics,
    | "fault_latency_ns"
    | "locks"
    | "reclaim_pages_per_sec"
    | "accesses_per_sec"
    | "warnings"
    | "backing_pages_end"
    | "backing_pages_peak"
  >;
  private readonly latency: number[] = [];
  /** The latencies sorted, once the run has ended (the summary and the quantiles share one sort:
   * an 8 GiB build-and-zero run has 2M of them). */
  private sorted: Float64Array | null = null;
  private readonly locks = new Map<string, LockStats>();
  /** Stats object per lock id (a cache of `locks` by class). */
  private readonly statsById: (LockStats | undefined)[] = [];
  /** Start of the current exclusive hold, per lock id. */
  private holdStart = new Float64Array(1024);
  /** Shared holds: readers now and when that count last changed, per lock id (hold time = integral of readers). */
  private readonly readers: number[] = [];
  private readonly readersSince: number[] = [];

  constructor() {
    this.m = {
      ipi_rounds: 0,
      ipis: 0,
      ipi_aex: 0,
      tlb_shootdowns: 0,
      tlb_shootdown_ipis: 0,
      etrack: 0,
      ewb: 0,
      ewb_not_tracked: 0,
      ewb_failed: 0,
      eblock: 0,
      eldu: 0,
      eldu_failed: 0,
      eremove: 0,
      epa: 0,
      eadd: 0,
      etrack_ipi_rounds: 0,
      eaug: 0,
      emodt: 0,
      emodpr: 0,
      eaccept: 0,
      epcm_faults: 0,
      sigsegv: 0,
      ioctl_eagain: 0,
      ioctl_ebusy: 0,
      script_failures: 0,
      vepc_fault_retries: 0,
      faults: 0,
      fault_retries: 0,
      reclaimed_pages: 0,
      secs_evictions: 0,
      reclaim_rounds: 0,
      reclaim_isolated: 0,
      alloc_ebusy: 0,
      alloc_enomem: 0,
      sigbus: 0,
      accesses: 0,
      data_errors: 0,
      timer_aex: 0,
      context_switches: 0,
      backing_allocs: 0,
      backing_allocs_root: 0,
      max_kernel_stretch_ns: 0,
      max_kernel_stretch_thread: "",
      model_ops: 0,
    };
  }

  private lock(id: number, cls: string): LockStats {
    let s = this.statsById[id];
    if (s) return s;
    s = this.locks.get(cls);
    if (!s) {
      s = { acquisitions: 0, contended: 0, wait_ns: 0, hold_ns: 0 };
      this.locks.set(cls, s);
    }
    this.statsById[id] = s;
    return s;
  }

  private readerChange(id: number, s: LockStats, now: number, d: number): void {
    const r = this.readers[id] ?? 0;
    s.hold_ns += r * (now - (this.readersSince[id] ?? now));
    this.readers[id] = r + d;
    this.readersSince[id] = now;
  }

  private setHold(id: number, t: number): void {
    if (id >= this.holdStart.length) {
      const b = new Float64Array(Math.max(id + 1, this.holdStart.length * 2));
      b.set(this.holdStart);
      this.holdStart = b;
    }
    this.holdStart[id] = t;
  }

  /** An op executed that no metric looks at beyond the count (op_class.ts: not OC_METRICS). */
  counted(): void {
    this.m.model_ops++;
  }

  /**
   * Account an op right after its action. `waitedSince` is when the thread first found the op
   * disabled (-1 if it never waited); `wasSecs` tells whether an EWB targeted a SECS page.
   */
  executed(op: Op, now: number, t: MetricThread, waitedSince: number, wasSecs: boolean): void {
    const m = this.m;
    this.counted();
    switch (op.kind) {
      case "spin_lock":
      case "mutex_lock":
      case "down_read":
      case "down_write": {
        const s = this.lock(op.lock.id, op.lock.cls);
        s.acquisitions++;
        if (waitedSince >= 0) {
          s.contended++;
          s.wait_ns += now - waitedSince;
        }
        if (op.kind === "down_read") this.readerChange(op.lock.id, s, now, 1);
        else this.setHold(op.lock.id, now);
        break;
      }
      case "spin_unlock":
      case "mutex_unlock":
      case "up_write":
        this.lock(op.lock.id, op.lock.cls).hold_ns += now - this.holdStart[op.lock.id]!;
        break;
      case "up_read":
        this.readerChange(op.lock.id, this.lock(op.lock.id, op.lock.cls), now, -1);
        break;
      case "encls":
        switch (op.leaf) {
          case "EWB":
            m.ewb++;
            if (op.ret === SGX_NOT_TRACKED) m.ewb_not_tracked++;
            else if (op.ret !== 0) m.ewb_failed++;
            else if (wasSecs) m.secs_evictions++;
            else m.reclaimed_pages++;
            break;
          case "ETRACK":
            m.etrack++;
            break;
          case "EBLOCK":
            m.eblock++;
            break;
          case "ELDU":
            m.eldu++;
            if (op.ret !== 0) m.eldu_failed++;
            break;
          case "EREMOVE":
            m.eremove++;
            break;
          case "EPA":
            m.epa++;
            break;
          case "EADD":
            m.eadd++;
            break;
          case "EAUG":
            m.eaug++;
            break;
          case "EMODT":
            m.emodt++;
            break;
          case "EMODPR":
            m.emodpr++;
            break;
          case "EACCEPT":
            // A negative code: the page walk faulted before the leaf ran (the #PF is counted).
            if (op.ret < 0) break;
            m.eaccept++;
            // An access that faulted ends when its EACCEPT runs.
            if (t.faultStart >= 0) {
              this.latency.push(now - t.faultStart);
              t.faultStart = -1;
            }
            break;
          default:
            break;
        }
        break;
      case "ipi":
        if (op.why === "tlb_shootdown") {
          m.tlb_shootdowns++;
          m.tlb_shootdown_ipis += op.targets;
        } else if (op.why === "sgx_etrack") {
          m.etrack_ipi_rounds++;
        } else {
          m.ipi_rounds++;
          m.ipis += op.targets;
        }
        m.ipi_aex += op.aex.length;
        break;
      case "page_fault":
        if (t.faultStart < 0) {
          t.faultStart = now;
          m.faults++;
        } else {
          m.fault_retries++;
        }
        break;
      case "enclave_run":
        m.accesses += op.touches;
        m.data_errors += op.dataErrors;
        if (t.faultStart >= 0 && op.touches > 0) {
          this.latency.push(now - t.faultStart);
          t.faultStart = -1;
        }
        break;
      case "sigbus":
        m.sigbus++;
        t.faultStart = -1;
        break;
      case "sigsegv":
        m.sigsegv++;
        t.faultStart = -1;
        break;
      case "epcm_fault":
        m.epcm_faults++;
        break;
      case "aex":
        if (op.why === "tick" || op.why === "preempt") m.timer_aex++;
        break;
      case "mark":
        if (op.what === "reclaim_isolated") {
          m.reclaim_rounds++;
          m.reclaim_isolated += op.detail;
        } else if (op.what === "alloc_ebusy") m.alloc_ebusy++;
        else if (op.what === "alloc_enomem") m.alloc_enomem++;
        else if (op.what === "ioctl_eagain") m.ioctl_eagain++;
        else if (op.what === "ioctl_ebusy") m.ioctl_ebusy++;
        else if (op.what === "script_failed") m.script_failures++;
        else if (op.what === "vepc_fault_retry") m.vepc_fault_retries++;
        else if (op.what === "shmem_charge") {
          m.backing_allocs++;
          if (op.detail === 0) m.backing_allocs_root++;
        }
        break;
      default:
        break;
    }
  }

  /** A non-preemptible stretch of `ns` by `thread` ended (at a scheduling point). */
  kernelStretch(ns: number, thread: string): void {
    if (ns > this.m.max_kernel_stretch_ns) {
      this.m.max_kernel_stretch_ns = ns;
      this.m.max_kernel_stretch_thread = thread;
    }
  }

  private sortedLatency(): Float64Array {
    if (this.sorted === null || this.sorted.length !== this.latency.length)
      this.sorted = Float64Array.from(this.latency).sort();
    return this.sorted;
  }

  /** Fault latencies at q = 1%, 2%, ..., 100% (empty without faults). */
  latencyQuantiles(): number[] {
    return quantilesOfSorted(this.sortedLatency());
  }

  contextSwitch(): void {
    this.m.context_switches++;
  }

  finish(
    simulatedNs: number,
    warnings: number,
    backing: { end: number; peak: number } = { end: 0, peak: 0 },
  ): Metrics {
    const secs = simulatedNs / 1e9;
    const locks: Record<string, LockStats> = {};
    for (const k of [...this.locks.keys()].sort()) locks[k] = this.locks.get(k)!;
    return {
      ...this.m,
      fault_latency_ns: percentilesOfSorted(this.sortedLatency()),
      reclaim_pages_per_sec: secs > 0 ? Math.round(this.m.reclaimed_pages / secs) : 0,
      accesses_per_sec: secs > 0 ? Math.round(this.m.accesses / secs) : 0,
      locks,
      warnings,
      backing_pages_end: backing.end,
      backing_pages_peak: backing.peak,
    };
  }
}
