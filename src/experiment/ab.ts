/**
 * A/B experiments: the same scenario under two sets of overrides (A and B), replicated on common
 * random numbers (replication r of A and of B run on the same derived seed), and for every metric
 * the means, the paired difference B - A with its 95% interval, the ratio B / A, whether the
 * interval excludes zero, and a verdict (better, worse, no significant difference) from p-values
 * adjusted for testing every metric at once.
 */
import { canonicalJson, sha256 } from "./canonical.ts";
import { ExperimentError } from "./errors.ts";
import { codeVersion } from "./fingerprint.ts";
import { makeJob, prepareScenario, type RunJob } from "./jobs.ts";
import {
  type Better,
  betterWhen,
  flattenMetrics,
  isPercentileMetric,
  metricNames,
  metricValue,
} from "./metrics.ts";
import type { RunResult } from "./run.ts";
import { MODEL_VERSION } from "./run.ts";
import { deriveSeed, replicationSeed } from "./seeds.ts";
import {
  bhAdjust,
  bootstrapMeanInterval,
  type CiMethod,
  excludesZero,
  type Interval,
  pairedDiffs,
  ratio,
  signFlipP,
  tInterval,
  tTestP,
} from "./stats.ts";

export interface Side {
  label: string;
  /** `key=value` overrides of this side, applied after the experiment's base overrides. */
  params: string[];
}

export interface ABSpec {
  /** Experiment name (a built-in experiment's, or `ab <scenario>`). */
  name: string;
  /** Scenario file or built-in scenario name. */
  scenario: string;
  /** Overrides common to A and B. */
  base: string[];
  a: Side;
  b: Side;
  reps: number;
  /** Root seed; default: the scenario's seed. */
  seed?: number;
  /** Metrics shown first in tables and reports. */
  focus?: string[];
}

export interface ABPlan {
  /** MODEL_VERSION plus the hash of the model's sources, as in the runs' cache keys. */
  codeVersion: string;
  spec: ABSpec;
  key: string;
  scenarioName: string;
  rootSeed: number;
  seeds: number[];
  a: RunJob[];
  b: RunJob[];
}

export const MAX_REPS = 10_000;

export function planAB(spec: ABSpec): ABPlan {
  if (!Number.isInteger(spec.reps) || spec.reps < 1 || spec.reps > MAX_REPS)
    throw new ExperimentError(`--reps ${spec.reps}: expected an integer from 1 to ${MAX_REPS}`);
  const base = prepareScenario(spec.scenario, spec.base);
  const rootSeed = spec.seed ?? base.scenario.seed;
  const seeds = Array.from({ length: spec.reps }, (_, r) => replicationSeed(rootSeed, r));
  const pa = [...spec.base, ...spec.a.params];
  const pb = [...spec.base, ...spec.b.params];
  const sa = prepareScenario(spec.scenario, pa, new Map(spec.a.params.map((p) => [p, "--a"])));
  const sb = prepareScenario(spec.scenario, pb, new Map(spec.b.params.map((p) => [p, "--b"])));
  const a = seeds.map((s) => makeJob(sa, pa, s));
  const b = seeds.map((s) => makeJob(sb, pb, s));
  const key = sha256(
    canonicalJson({ kind: "ab", name: spec.name, a: a.map((j) => j.key), b: b.map((j) => j.key) }),
  );
  return { codeVersion: codeVersion(), spec, key, scenarioName: base.scenario.name, rootSeed, seeds, a, b };
}

export interface ABMetric {
  a_mean: number;
  b_mean: number;
  diff_mean: number;
  diff_ci_low: number | null;
  diff_ci_high: number | null;
  ratio: number | null;
  significant: boolean;
  ci_method: CiMethod;
  /** Two-sided p-value of B - A = 0 (paired t-test, or a sign-flip test for percentiles); null below 2 reps. */
  p_value: number | null;
  /**
   * p_value after the Benjamini–Hochberg adjustment over every metric that varies: many metrics are
   * tested at once, and some would come out "significant" by chance.
   */
  p_adjusted: number | null;
  /** The declared direction of "better" (metrics.ts). */
  better: Better;
  verdict: Verdict;
  /** Intervals of each side's mean (for error bars). */
  a_ci_low: number | null;
  a_ci_high: number | null;
  b_ci_low: number | null;
  b_ci_high: number | null;
}

/**
 * A metric's verdict for B against A: `same` when every run of both sides has the same value (e.g.
 * 0 in both), else better/worse where a direction is declared and the adjusted p < 0.05,
 * higher/lower where none is, and `no_difference` otherwise.
 */
export type Verdict = "better" | "worse" | "higher" | "lower" | "no_difference" | "same";

export const VERDICT_ALPHA = 0.05;

export function verdictOf(m: Pick<ABMetric, "diff_mean" | "p_adjusted" | "better">, same: boolean): Verdict {
  if (same) return "same";
  if (m.p_adjusted === null || m.p_adjusted >= VERDICT_ALPHA || m.diff_mean === 0) return "no_difference";
  const up = m.diff_mean > 0;
  if (m.better === null) return up ? "higher" : "lower";
  return up === (m.better === "higher") ? "better" : "worse";
}

export interface SideProgress {
  /** How the runs ended: time_limit, workload_done, stalled, kernel_bug, op_limit. */
  ends: Record<string, number>;
  stalled_threads: number;
}

export interface TimelineMean {
  /** Time since the measured window opened (ns). */
  t: number[];
  free_pages: number[];
  reclaim_rounds: number[];
  /** EPC pages per cgroup (misc.current) at the times cgroup_t, when the scenario has cgroups. */
  cgroup_t?: number[];
  cgroups?: Record<string, number[]>;
}

export interface ABAnalysis {
  experiment: string;
  scenario: string;
  model_version: string;
  /** MODEL_VERSION plus the hash of the model's sources. */
  code_version: string;
  /** Overrides common to A and B. */
  base: string[];
  a: Side;
  b: Side;
  reps: number;
  root_seed: number;
  seeds: number[];
  metrics: Record<string, ABMetric>;
  /** Per-replication values of every metric: values[name] = {a: [...], b: [...]}. */
  values: Record<string, { a: number[]; b: number[] }>;
  forward_progress: { a: SideProgress; b: SideProgress };
  timeline: { a: TimelineMean; b: TimelineMean };
  /** Fault latency at q = 1%..100%, averaged over the replications quantile by quantile (empty: none recorded). */
  latency_quantiles: { a: number[]; b: number[] };
  simulated_ns: number;
  focus: string[];
}

function interval(name: string, xs: number[], rootSeed: number, what: string): Interval {
  return isPercentileMetric(name)
    ? bootstrapMeanInterval(xs, deriveSeed(rootSeed, `bootstrap/${what}/${name}`))
    : tInterval(xs);
}

/** The p-value of B - A = 0: the paired t-test, or a sign-flip test for percentile metrics. */
function pValue(name: string, diffs: number[], rootSeed: number): number | null {
  return isPercentileMetric(name)
    ? signFlipP(diffs, deriveSeed(rootSeed, `signflip/${name}`))
    : tTestP(diffs);
}

export function progressOf(rs: readonly RunResult[]): SideProgress {
  const ends: Record<string, number> = {};
  let stalled = 0;
  for (const r of rs) {
    ends[r.end] = (ends[r.end] ?? 0) + 1;
    stalled += r.stalled.length;
  }
  return { ends, stalled_threads: stalled };
}

/** Mean per-cgroup EPC usage over runs, sample by sample (runs of scenarios with cgroups). */
function meanCgroupTimeline(
  rs: readonly RunResult[],
): { cgroup_t: number[]; cgroups: Record<string, number[]> } | null {
  const tls = rs.map((r) => r.cgroup_timeline).filter((t) => t !== undefined);
  if (!tls.length) return null;
  const len = Math.max(...tls.map((t) => t.t.length));
  const cgroup_t: number[] = [];
  const cgroups: Record<string, number[]> = {};
  for (const name of Object.keys(tls[0]!.usage)) cgroups[name] = [];
  for (let i = 0; i < len; i++) {
    const at = tls.filter((t) => i < t.t.length);
    cgroup_t.push(Math.round(at.reduce((s, t) => s + t.t[i]!, 0) / at.length));
    for (const name of Object.keys(cgroups))
      cgroups[name]!.push(at.reduce((s, t) => s + (t.usage[name]?.[i] ?? 0), 0) / at.length);
  }
  return { cgroup_t, cgroups };
}

/**
 * The runs' fault-latency quantile functions averaged point by point (quantile averaging): the
 * distribution of a typical run. Runs without faults, or stored before quantiles were recorded,
 * are left out; empty when none has them.
 */
export function meanQuantiles(rs: readonly RunResult[]): number[] {
  const qs = rs.map((r) => r.fault_latency_quantiles ?? []).filter((q) => q.length > 0);
  if (!qs.length) return [];
  return qs[0]!.map((_, i) => Math.round(qs.reduce((s, q) => s + q[i]!, 0) / qs.length));
}

/** Mean timeline over runs, sample by sample, time relative to the start of the measured window. */
export function meanTimeline(rs: readonly RunResult[]): TimelineMean {
  const len = Math.max(0, ...rs.map((r) => r.timeline.length));
  const out: TimelineMean = { t: [], free_pages: [], reclaim_rounds: [] };
  for (let i = 0; i < len; i++) {
    const at = rs.filter((r) => i < r.timeline.length);
    const avg = (f: (r: RunResult) => number) => at.reduce((s, r) => s + f(r), 0) / at.length;
    out.t.push(Math.round(avg((r) => r.timeline[i]!.t - r.timeline[0]!.t)));
    out.free_pages.push(avg((r) => r.timeline[i]!.free_pages));
    out.reclaim_rounds.push(avg((r) => r.timeline[i]!.reclaim_rounds));
  }
  const cg = meanCgroupTimeline(rs);
  return cg ? { ...out, ...cg } : out;
}

/** What analysis needs of a plan: its runs' keys (so stored experiments can be re-analyzed). */
export type ABLayout = Omit<ABPlan, "a" | "b"> & {
  a: readonly { key: string }[];
  b: readonly { key: string }[];
};

export function analyzeAB(plan: ABLayout, results: ReadonlyMap<string, RunResult>): ABAnalysis {
  const get = (j: { key: string }) => {
    const r = results.get(j.key);
    if (!r) throw new Error(`missing result of run ${j.key}`);
    return r;
  };
  const ra = plan.a.map(get);
  const rb = plan.b.map(get);
  const fa = ra.map((r) => flattenMetrics(r.metrics));
  const fb = rb.map((r) => flattenMetrics(r.metrics));
  const names = metricNames([...fa, ...fb]);
  const metrics: Record<string, ABMetric> = {};
  const values: ABAnalysis["values"] = {};
  const constant = new Set<string>();
  const raw: (number | null)[] = [];
  for (const name of names) {
    const a = fa.map((m) => metricValue(m, name));
    const b = fb.map((m) => metricValue(m, name));
    values[name] = { a, b };
    const diffs = pairedDiffs(a, b);
    const d = interval(name, diffs, plan.rootSeed, "diff");
    const ia = interval(name, a, plan.rootSeed, "a");
    const ib = interval(name, b, plan.rootSeed, "b");
    // A metric with one value in every run of both sides is not a test (it would only dilute the adjustment).
    const same = [...a, ...b].every((x) => x === a[0]);
    if (same) constant.add(name);
    const p = same ? null : pValue(name, diffs, plan.rootSeed);
    raw.push(p);
    metrics[name] = {
      a_mean: ia.mean,
      b_mean: ib.mean,
      diff_mean: d.mean,
      diff_ci_low: d.low,
      diff_ci_high: d.high,
      ratio: ratio(ia.mean, ib.mean),
      significant: excludesZero(d),
      ci_method: d.method,
      p_value: p,
      p_adjusted: null,
      better: betterWhen(name),
      verdict: "no_difference",
      a_ci_low: ia.low,
      a_ci_high: ia.high,
      b_ci_low: ib.low,
      b_ci_high: ib.high,
    };
  }
  bhAdjust(raw).forEach((p, i) => {
    const m = metrics[names[i]!]!;
    m.p_adjusted = p;
    m.verdict = verdictOf(m, constant.has(names[i]!));
  });
  return {
    experiment: plan.spec.name,
    scenario: plan.scenarioName,
    model_version: MODEL_VERSION,
    code_version: plan.codeVersion,
    base: plan.spec.base,
    a: plan.spec.a,
    b: plan.spec.b,
    reps: plan.spec.reps,
    root_seed: plan.rootSeed,
    seeds: plan.seeds,
    metrics,
    values,
    forward_progress: { a: progressOf(ra), b: progressOf(rb) },
    timeline: { a: meanTimeline(ra), b: meanTimeline(rb) },
    latency_quantiles: { a: meanQuantiles(ra), b: meanQuantiles(rb) },
    simulated_ns: ra[0]?.simulated_ns ?? 0,
    focus: plan.spec.focus ?? [],
  };
}
