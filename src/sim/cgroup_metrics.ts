/**
 * Per-cgroup metrics of a timed run (docs/metrics.md, "cgroups"): derived, like every metric, from
 * the ops the simulator executed, attributed to the cgroup of the task that executed them (a task's
 * cgroup is configuration: the scenario places processes). Fault latency, faults and accesses count
 * for the task's cgroup and every ancestor below the root, so a parent aggregates its tenants; the
 * reclaim counts belong to the cgroup whose LRU a reclaim round took pages from (whoever ran it);
 * limit hits to the cgroup whose charge was refused. EPC usage (misc.current) is sampled.
 */
import { type misc_cg, task_misc_cg } from "../model/kernel/cgroup/misc.ts";
import type { task_struct } from "../model/kernel/lib/sched.ts";
import type { Machine } from "../model/machine.ts";
import type { Op, TaskLike } from "../rt/ops.ts";
import { type Percentiles, percentiles } from "./metrics.ts";

/** What the simulator tells an observer of executed ops. */
export interface OpObserver {
  /** `op` was executed by `task` at `now` (right after its action). */
  executed(op: Op, now: number, task: TaskLike): void;
  /** The measured window (re)starts at `now`: forget what came before. */
  reset(now: number): void;
}

export interface CgroupMetrics {
  /** misc.max of sgx_epc at the end, in pages (null: "max"). */
  limit_pages: number | null;
  /** misc.current in pages: mean and max over the timeline samples, and at the end of the window. */
  usage_pages_mean: number;
  usage_pages_max: number;
  usage_pages_end: number;
  /** Charges of this cgroup refused by its own or an ancestor's misc.max (misc.events.local "max"). */
  limit_hits: number;
  /** sgx_reclaim_pages rounds that isolated pages from this cgroup's LRU, those pages, and pages written back. */
  reclaim_rounds: number;
  reclaim_isolated: number;
  reclaimed_pages: number;
  /** Enclaves the EPC OOM killer killed in this cgroup's subtree (cgroup-v2-oom). */
  oom_kills: number;
  /** Of the tasks in this cgroup and its descendants. */
  faults: number;
  fault_retries: number;
  fault_latency_ns: Percentiles;
  accesses: number;
  accesses_per_sec: number;
  sigbus: number;
}

/** misc.current of every cgroup over time (pages), one series per cgroup path. */
export interface CgroupTimeline {
  t: number[];
  usage: Record<string, number[]>;
}

class Acc {
  limit_hits = 0;
  reclaim_rounds = 0;
  reclaim_isolated = 0;
  reclaimed_pages = 0;
  oom_kills = 0;
  faults = 0;
  fault_retries = 0;
  readonly latency: number[] = [];
  accesses = 0;
  sigbus = 0;
}

export class CgroupMetricsCollector implements OpObserver {
  /** Cgroups reported (every cgroup but the root), by id. */
  private readonly cgs: misc_cg[];
  private acc: Acc[] = [];
  private readonly faultStart = new Map<number, number>();
  /** The cgroup whose LRU each thread's current reclaim round took pages from (-1: global list). */
  private readonly round = new Map<number, number>();
  private timeline: CgroupTimeline = { t: [], usage: {} };
  private nextSample = 0;
  private start = 0;

  constructor(
    private readonly m: Machine,
    private readonly sampleNs: number,
  ) {
    this.cgs = m.misc.all.filter((c) => c.parent !== null);
    this.reset(0);
  }

  reset(now: number): void {
    this.acc = this.m.misc.all.map(() => new Acc());
    this.faultStart.clear();
    this.timeline = { t: [], usage: Object.fromEntries(this.cgs.map((c) => [c.name, []])) };
    this.start = now;
    this.nextSample = now;
  }

  /** The cgroup of a task and its ancestors below the root. */
  private chain(task: TaskLike): Acc[] {
    const out: Acc[] = [];
    for (let c: misc_cg | null = task_misc_cg(this.m, task as task_struct); c?.parent; c = c.parent)
      out.push(this.acc[c.id]!);
    return out;
  }

  private sample(upTo: number): void {
    while (this.nextSample <= upTo) {
      this.timeline.t.push(this.nextSample - this.start);
      for (const c of this.cgs) this.timeline.usage[c.name]!.push(Math.floor(c.res.usage.v / 4096));
      this.nextSample += this.sampleNs;
    }
  }

  executed(op: Op, now: number, task: TaskLike): void {
    if (now >= this.nextSample) this.sample(now);
    switch (op.kind) {
      case "page_fault": {
        const s = this.faultStart.get(task.pid);
        const first = s === undefined || s < 0;
        if (first) this.faultStart.set(task.pid, now);
        for (const a of this.chain(task)) first ? a.faults++ : a.fault_retries++;
        break;
      }
      case "enclave_run": {
        if (!op.touches) break;
        const s = this.faultStart.get(task.pid);
        const chain = this.chain(task);
        for (const a of chain) a.accesses += op.touches;
        if (s !== undefined && s >= 0) {
          for (const a of chain) a.latency.push(now - s);
          this.faultStart.set(task.pid, -1);
        }
        break;
      }
      case "sigbus":
        this.faultStart.set(task.pid, -1);
        for (const a of this.chain(task)) a.sigbus++;
        break;
      case "encls":
        if (op.leaf === "EWB" && op.ret === 0) {
          const cg = this.round.get(task.pid);
          if (cg !== undefined && cg >= 0) this.acc[cg]!.reclaimed_pages++;
        }
        break;
      case "mark":
        switch (op.what) {
          case "lru_reclaim":
            this.round.set(task.pid, op.detail);
            break;
          case "reclaim_isolated": {
            // A round counts for the cgroup whose LRU gave it pages (an empty LRU gives a round nothing).
            const cg = this.round.get(task.pid);
            if (cg !== undefined && cg >= 0 && op.detail > 0) {
              this.acc[cg]!.reclaim_rounds++;
              this.acc[cg]!.reclaim_isolated += op.detail;
            }
            break;
          }
          case "misc_charge_failed":
            this.acc[op.detail]!.limit_hits++;
            break;
          case "epc_oom":
            this.acc[op.detail]!.oom_kills++;
            break;
          default:
            break;
        }
        break;
      default:
        break;
    }
  }

  /** The metrics of the measured window (`measuredNs` long, ending at `end`) and the usage timeline. */
  finish(
    measuredNs: number,
    end: number,
  ): { metrics: Record<string, CgroupMetrics>; timeline: CgroupTimeline } {
    this.sample(end);
    const secs = measuredNs / 1e9;
    const metrics: Record<string, CgroupMetrics> = {};
    for (const c of this.cgs) {
      const a = this.acc[c.id]!;
      const u = this.timeline.usage[c.name]!;
      const now = Math.floor(c.res.usage.v / 4096);
      metrics[c.name] = {
        limit_pages: Number.isFinite(c.res.max) ? Math.floor(c.res.max / 4096) : null,
        usage_pages_mean: u.length ? Math.round((u.reduce((x, y) => x + y, 0) / u.length) * 10) / 10 : now,
        usage_pages_max: u.length ? Math.max(...u) : now,
        usage_pages_end: now,
        limit_hits: a.limit_hits,
        reclaim_rounds: a.reclaim_rounds,
        reclaim_isolated: a.reclaim_isolated,
        reclaimed_pages: a.reclaimed_pages,
        oom_kills: a.oom_kills,
        faults: a.faults,
        fault_retries: a.fault_retries,
        fault_latency_ns: percentiles(a.latency),
        accesses: a.accesses,
        accesses_per_sec: secs > 0 ? Math.round(a.accesses / secs) : 0,
        sigbus: a.sigbus,
      };
    }
    return { metrics, timeline: this.timeline };
  }
}
