/**
 * One timed run of a scenario: build, simulate, and package the result (the `epcsim run` JSON).
 * Pure computation: no I/O, no wall clock inside the result except `wall_ms`.
 */
import type { DmesgEntry } from "../model/machine.ts";
import type { StepResult } from "../model/user/cgroup_script.ts";
import { siteCapture, withFullStacks } from "../rt/site.ts";
import { type Built, buildSimulation } from "../scenario/build.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { CgroupTimeline } from "../sim/cgroup_metrics.ts";
import type { Metrics } from "../sim/metrics.ts";
import type { Sample, SimResult } from "../sim/simulator.ts";
import type { TraceData, TraceOptions } from "../sim/trace_recorder.ts";
import { endOfRunScan } from "./end_scan.ts";

/** Version of the model and metric definitions; part of every result and cache key. */
export const MODEL_VERSION = "epcsim-model-1";

export interface RunResult {
  scenario: string;
  seed: number;
  kernel: string;
  model_version: string;
  /** Length of the measured window (after warm-up). */
  simulated_ns: number;
  /** Simulated time spent before measurement started (building enclaves). */
  warmup_ns: number;
  /** Ops executed over the whole run, warm-up included. */
  total_ops: number;
  end: SimResult["end"];
  stalled: string[];
  metrics: Metrics;
  timeline: Sample[];
  /** Fault latency (ns) at q = 1%, 2%, ..., 100% (for exact CDFs in reports). */
  fault_latency_quantiles: number[];
  dmesg: DmesgEntry[];
  /** A selftest scenario's steps (docs/cgroups.md): name, expected, observed, passed. */
  steps?: StepResult[];
  /** misc.current of every cgroup over the measured window (pages), when the scenario has cgroups. */
  cgroup_timeline?: CgroupTimeline;
  /** Wall-clock time of the run (the only field that is not deterministic). */
  wall_ms: number;
}

export interface RunOptions {
  seed?: number;
  /** Record a trace: true (whole run, op detail) or the trace's options. */
  trace?: boolean | Partial<TraceOptions>;
  onProgress?: (fraction: number) => void;
  /** Called after the simulation is built and before it runs (tests add threads here). */
  hook?: (b: Built) => void;
}

export interface RunOutput {
  result: RunResult;
  trace: TraceData | null;
  threads: SimResult["threads"];
}

/**
 * kmemleak's report with the leaked object's allocation site. Sites are recorded only while they
 * are captured (a stack trace per allocation would slow every run down); a run is deterministic, so
 * it is run again with capture on, only when the scan found a leak.
 */
function withAllocationSites(sc: Scenario, seed: number): string | null {
  siteCapture.on = true;
  try {
    const again = buildSimulation(sc, { seed });
    return endOfRunScan(again, again.sim.run().end)?.msg ?? null;
  } finally {
    siteCapture.on = false;
  }
}

export function runScenario(sc: Scenario, opt: RunOptions = {}): RunOutput {
  const t0 = performance.now();
  const onProgress = opt.onProgress;
  const built = buildSimulation(sc, {
    seed: opt.seed,
    trace: opt.trace,
    onProgress: onProgress && ((now) => onProgress(Math.min(1, now / sc.run.duration))),
  });
  opt.hook?.(built);
  const functions = typeof opt.trace === "object" && opt.trace.detail === "functions";
  const r = functions ? withFullStacks(() => built.sim.run()) : built.sim.run();
  const cg = built.cgroupMetrics?.finish(r.simulated_ns, built.sim.now);
  // Once the workload is gone, kmemleak and the teardown checks look at what it left behind.
  const leak = endOfRunScan(built, r.end);
  if (leak) {
    r.metrics.warnings++;
    if (leak.tag === "kmemleak") leak.msg = withAllocationSites(sc, built.seed) ?? leak.msg;
  }
  return {
    result: {
      scenario: sc.name,
      seed: built.seed,
      kernel: sc.kernel,
      model_version: MODEL_VERSION,
      simulated_ns: r.simulated_ns,
      warmup_ns: r.warmup_ns,
      total_ops: r.total_ops,
      end: r.end,
      stalled: r.stalled,
      metrics: cg ? { ...r.metrics, cgroups: cg.metrics } : r.metrics,
      timeline: r.timeline,
      fault_latency_quantiles: r.fault_latency_quantiles,
      dmesg: r.dmesg,
      ...(built.steps ? { steps: built.steps } : {}),
      ...(cg ? { cgroup_timeline: cg.timeline } : {}),
      wall_ms: Math.round(performance.now() - t0),
    },
    trace: r.trace,
    threads: r.threads,
  };
}
