/**
 * Run an A/B experiment or a sweep end to end: plan it, record it in the results database, run
 * what is not cached, and analyze.
 */
import { type ABAnalysis, type ABPlan, type ABSpec, analyzeAB, planAB } from "./ab.ts";
import { type ExecuteOptions, type ExecuteResult, executeJobs } from "./jobs.ts";
import { analyzeSweep, planSweep, type SweepAnalysis, type SweepPlan, type SweepSpec } from "./sweep.ts";

export interface Executed {
  experiment_id: number | null;
  runs: { total: number; cached: number; executed: number; workers: number; wall_ms: number };
}

function summary(x: ExecuteResult, total: number): Executed["runs"] {
  return { total, cached: x.cached, executed: x.executed, workers: x.workers, wall_ms: x.wall_ms };
}

export async function runAB(
  spec: ABSpec,
  opt: ExecuteOptions = {},
): Promise<{ plan: ABPlan; analysis: ABAnalysis } & Executed> {
  const plan = planAB(spec);
  const id =
    opt.store?.openExperiment({
      key: plan.key,
      kind: "ab",
      name: spec.name,
      scenario_name: plan.scenarioName,
      spec: { ...spec, root_seed: plan.rootSeed, seeds: plan.seeds },
      root_seed: plan.rootSeed,
      runs: [
        ...plan.a.map((j, rep) => ({ cell: "A", rep, run_key: j.key })),
        ...plan.b.map((j, rep) => ({ cell: "B", rep, run_key: j.key })),
      ],
    }) ?? null;
  const x = await executeJobs([...plan.a, ...plan.b], opt);
  // A rerun served from the cache keeps the wall time of the run that did the work.
  if (id !== null) opt.store?.finishExperiment(id, x.wall_ms, x.executed > 0);
  return { plan, analysis: analyzeAB(plan, x.results), experiment_id: id, runs: summary(x, 2 * spec.reps) };
}

export async function runSweep(
  spec: SweepSpec,
  opt: ExecuteOptions = {},
): Promise<{ plan: SweepPlan; analysis: SweepAnalysis } & Executed> {
  const plan = planSweep(spec);
  const id =
    opt.store?.openExperiment({
      key: plan.key,
      kind: "sweep",
      name: spec.name,
      scenario_name: plan.scenarioName,
      spec: { ...spec, root_seed: plan.rootSeed },
      root_seed: plan.rootSeed,
      runs: plan.cells.flatMap((c) => c.jobs.map((j, rep) => ({ cell: c.label, rep, run_key: j.key }))),
    }) ?? null;
  const jobs = plan.cells.flatMap((c) => c.jobs);
  const x = await executeJobs(jobs, opt);
  if (id !== null) opt.store?.finishExperiment(id, x.wall_ms, x.executed > 0);
  return { plan, analysis: analyzeSweep(plan, x.results), experiment_id: id, runs: summary(x, jobs.length) };
}
