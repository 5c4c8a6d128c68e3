/**
 * Sweeps: a scenario over the cells of a grid (the Cartesian product of `--grid` axes, or an
 * explicit list of cells), each cell replicated. By default every cell's replication r runs on the
 * same derived seed (common random numbers, so cells compare like A and B); with independent
 * streams each (cell, replication) gets its own seed. A guard refuses sweeps of more runs than
 * allowed.
 */

import { MAX_REPS, meanTimeline, progressOf, type SideProgress, type TimelineMean } from "./ab.ts";
import { canonicalJson, sha256 } from "./canonical.ts";
import { ExperimentError } from "./errors.ts";
import { codeVersion } from "./fingerprint.ts";
import { makeJob, prepareScenario, type RunJob } from "./jobs.ts";
import { flattenMetrics, isPercentileMetric, metricNames, metricValue } from "./metrics.ts";
import { type Cell, cartesian, cellLabel, cellSets, type GridAxis } from "./params.ts";
import { MODEL_VERSION, type RunResult } from "./run.ts";
import { deriveSeed, replicationSeed } from "./seeds.ts";
import { bootstrapMeanInterval, type CiMethod, tInterval } from "./stats.ts";

export const DEFAULT_MAX_RUNS = 256;

export interface SweepSpec {
  name: string;
  scenario: string;
  base: string[];
  /** Axes of a Cartesian product; ignored when `cells` is given. */
  grid: GridAxis[];
  /** An explicit list of cells. */
  cells?: Cell[];
  reps: number;
  seed?: number;
  /** One seed stream per (cell, replication) instead of common random numbers across cells. */
  independent?: boolean;
  maxRuns?: number;
  focus?: string[];
}

export interface SweepPlan {
  /** MODEL_VERSION plus the hash of the model's sources, as in the runs' cache keys. */
  codeVersion: string;
  spec: SweepSpec;
  key: string;
  scenarioName: string;
  rootSeed: number;
  /** The varied keys, in order. */
  keys: string[];
  cells: { cell: Cell; label: string; seeds: number[]; jobs: RunJob[] }[];
}

export function sweepCells(spec: SweepSpec): Cell[] {
  return spec.cells && spec.cells.length > 0 ? spec.cells : cartesian(spec.grid);
}

/** The seeds of a cell's replications. */
export function cellSeeds(rootSeed: number, reps: number, cell: Cell, independent: boolean): number[] {
  const name = canonicalJson(cell);
  return Array.from({ length: reps }, (_, r) => replicationSeed(rootSeed, r, independent ? name : undefined));
}

export function planSweep(spec: SweepSpec): SweepPlan {
  if (!Number.isInteger(spec.reps) || spec.reps < 1 || spec.reps > MAX_REPS)
    throw new ExperimentError(`--reps ${spec.reps}: expected an integer from 1 to ${MAX_REPS}`);
  const cells = sweepCells(spec);
  if (cells.length === 1 && Object.keys(cells[0]!).length === 0)
    throw new ExperimentError("sweep: give at least one --grid key=v1,v2,... or --cell key=value");
  const max = spec.maxRuns ?? DEFAULT_MAX_RUNS;
  const runs = cells.length * spec.reps;
  if (runs > max)
    throw new ExperimentError(
      `sweep: ${cells.length} cells x ${spec.reps} replications = ${runs} runs, more than --max-runs ${max} (raise it if you mean it)`,
    );
  const base = prepareScenario(spec.scenario, spec.base);
  const rootSeed = spec.seed ?? base.scenario.seed;
  const keys = [...new Set(cells.flatMap((c) => Object.keys(c)))];
  const planned = cells.map((cell) => {
    const params = [...spec.base, ...cellSets(cell)];
    const prepared = prepareScenario(
      spec.scenario,
      params,
      new Map(cellSets(cell).map((p) => [p, "--grid"])),
    );
    const seeds = cellSeeds(rootSeed, spec.reps, cell, Boolean(spec.independent));
    return { cell, label: cellLabel(cell), seeds, jobs: seeds.map((s) => makeJob(prepared, params, s)) };
  });
  const key = sha256(
    canonicalJson({ kind: "sweep", name: spec.name, cells: planned.map((c) => c.jobs.map((j) => j.key)) }),
  );
  return {
    codeVersion: codeVersion(),
    spec,
    key,
    scenarioName: base.scenario.name,
    rootSeed,
    keys,
    cells: planned,
  };
}

export interface CellStat {
  mean: number;
  ci_low: number | null;
  ci_high: number | null;
  ci_method: CiMethod;
}

export interface SweepCellResult {
  params: Cell;
  label: string;
  seeds: number[];
  metrics: Record<string, CellStat>;
  values: Record<string, number[]>;
  forward_progress: SideProgress;
  timeline: TimelineMean;
}

export interface SweepAnalysis {
  experiment: string;
  scenario: string;
  model_version: string;
  /** MODEL_VERSION plus the hash of the model's sources. */
  code_version: string;
  keys: string[];
  /** Values of each varied key in the order given. */
  axes: { key: string; values: string[] }[];
  reps: number;
  root_seed: number;
  common_random_numbers: boolean;
  cells: SweepCellResult[];
  metric_names: string[];
  focus: string[];
}

/** What analysis needs of a plan: its runs' keys (so stored experiments can be re-analyzed). */
export type SweepLayout = Omit<SweepPlan, "cells"> & {
  cells: { cell: Cell; label: string; seeds: number[]; jobs: readonly { key: string }[] }[];
};

export function analyzeSweep(plan: SweepLayout, results: ReadonlyMap<string, RunResult>): SweepAnalysis {
  const perCell = plan.cells.map((c) =>
    c.jobs.map((j) => {
      const r = results.get(j.key);
      if (!r) throw new Error(`missing result of run ${j.key}`);
      return r;
    }),
  );
  const flat = perCell.map((rs) => rs.map((r) => flattenMetrics(r.metrics)));
  const names = metricNames(flat.flat());
  const cells = plan.cells.map((c, i) => {
    const metrics: Record<string, CellStat> = {};
    const values: Record<string, number[]> = {};
    for (const name of names) {
      const xs = flat[i]!.map((m) => metricValue(m, name));
      values[name] = xs;
      const iv = isPercentileMetric(name)
        ? bootstrapMeanInterval(xs, deriveSeed(plan.rootSeed, `bootstrap/${c.label}/${name}`))
        : tInterval(xs);
      metrics[name] = { mean: iv.mean, ci_low: iv.low, ci_high: iv.high, ci_method: iv.method };
    }
    return {
      params: c.cell,
      label: c.label,
      seeds: c.seeds,
      metrics,
      values,
      forward_progress: progressOf(perCell[i]!),
      timeline: meanTimeline(perCell[i]!),
    };
  });
  const axes = plan.keys.map((key) => ({
    key,
    values: [...new Set(plan.cells.map((c) => c.cell[key]).filter((v): v is string => v !== undefined))],
  }));
  return {
    experiment: plan.spec.name,
    scenario: plan.scenarioName,
    model_version: MODEL_VERSION,
    code_version: plan.codeVersion,
    keys: plan.keys,
    axes,
    reps: plan.spec.reps,
    root_seed: plan.rootSeed,
    common_random_numbers: !plan.spec.independent,
    cells,
    metric_names: names,
    focus: plan.spec.focus ?? [],
  };
}
