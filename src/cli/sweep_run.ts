/** `epcsim sweep`: a scenario over a grid of overrides, each cell replicated. */

import { loadExperiment, sweepSpecOf } from "../experiment/builtin.ts";
import { runSweep } from "../experiment/execute.ts";
import { metricUnit } from "../experiment/metrics.ts";
import { parseCell, parseGrid } from "../experiment/params.ts";
import type { SweepAnalysis, SweepSpec } from "../experiment/sweep.ts";
import { csv } from "../report/csv.ts";
import { fmtMetric } from "../report/format.ts";
import { focusMetrics } from "../report/tables.ts";
import { didYouMean } from "../scenario/did_you_mean.ts";
import { UsageError } from "./errors.ts";
import {
  checkOutputs,
  commandLine,
  executeOptions,
  openStore,
  parseInt10,
  type RunnerOpts,
  writeOut,
} from "./experiment_opts.ts";
import { table } from "./format.ts";
import { DEFAULT_SWEEP_METRICS, DEFAULT_SWEEP_REPS } from "./sweep.ts";

/** Metrics a sweep shows when neither --metric nor the experiment names any (a table must fit). */

export interface SweepOpts extends RunnerOpts {
  grid: string[];
  cell: string[];
  maxRuns?: string;
  independentSeeds?: boolean;
  metric: string[];
}

export function sweepSpecFrom(arg: string, o: SweepOpts): { spec: SweepSpec; description?: string } {
  const reps = parseInt10(o.reps, "--reps", 1);
  const seed = parseInt10(o.seed, "--seed", 0);
  const maxRuns = parseInt10(o.maxRuns, "--max-runs", 1);
  const def = loadExperiment(arg);
  const exp = def?.kind === "sweep" ? def : undefined;
  const base = exp ? sweepSpecOf(exp) : undefined;
  const grid = o.grid.map(parseGrid);
  const cells = o.cell.map(parseCell);
  if (!exp && grid.length === 0 && cells.length === 0)
    throw new UsageError(
      `sweep ${arg}: give --grid key=v1,v2,... (or --cell key=value,...), or name a built-in sweep (see \`epcsim experiments\`)`,
    );
  if (grid.length > 0 && cells.length > 0) throw new UsageError("sweep: give --grid or --cell, not both");
  const keys = grid.map((g) => g.key);
  if (new Set(keys).size !== keys.length) throw new UsageError("sweep: a key is given to --grid twice");
  const own = grid.length > 0 || cells.length > 0;
  const spec: SweepSpec = {
    name: base?.name ?? arg,
    scenario: base?.scenario ?? arg,
    base: [...(base?.base ?? []), ...o.set],
    grid: own ? grid : (base?.grid ?? []),
    cells: own && cells.length ? cells : undefined,
    reps: reps ?? base?.reps ?? DEFAULT_SWEEP_REPS,
    seed,
    independent: Boolean(o.independentSeeds),
    maxRuns: maxRuns ?? base?.maxRuns,
    focus: o.metric.length ? o.metric : base?.focus?.length ? base.focus : DEFAULT_SWEEP_METRICS,
  };
  return { spec, description: exp ? `${exp.description}. ${exp.question}`.trim() : undefined };
}

/** `mean ±half-width` of a cell's metric (the interval may be asymmetric for bootstraps: widest side). */
function compact(s: SweepAnalysis, i: number, n: string): string {
  const m = s.cells[i]!.metrics[n];
  if (!m) return "-";
  const u = metricUnit(n);
  if (m.ci_low === null || m.ci_high === null) return fmtMetric(m.mean, u);
  const hw = Math.max(m.mean - m.ci_low, m.ci_high - m.mean);
  return hw === 0 ? fmtMetric(m.mean, u) : `${fmtMetric(m.mean, u)} ±${fmtMetric(hw, u)}`;
}

/** A metric over two keys as a matrix: rows the second key's values, columns the first's. */
export function textHeatmap(s: SweepAnalysis, n: string): string {
  const [ax, ay] = [s.axes[0]!, s.axes[1]!];
  const idx = new Map(s.cells.map((c, i) => [`${c.params[ax.key]}\u0000${c.params[ay.key]}`, i]));
  const u = metricUnit(n);
  const rows = [[`${ay.key} \\ ${ax.key}`, ...ax.values]];
  for (const vy of ay.values) {
    rows.push([
      vy,
      ...ax.values.map((vx) => {
        const i = idx.get(`${vx}\u0000${vy}`);
        return i === undefined ? "" : fmtMetric(s.cells[i]!.metrics[n]?.mean ?? 0, u);
      }),
    ]);
  }
  return `${n} (mean)\n${table(rows)}`;
}

export function formatSweep(s: SweepAnalysis, names: string[]): string {
  const lines = [
    `sweep ${s.experiment} on scenario ${s.scenario}: ${s.cells.length} cells x ${s.reps} replications (root seed ${s.root_seed}, ${s.common_random_numbers ? "common random numbers across cells" : "independent seeds per cell"}); mean ±95% half-width`,
    "",
    table([
      [...s.keys, ...names],
      ...s.cells.map((c, i) => [
        ...s.keys.map((k) => c.params[k] ?? ""),
        ...names.map((n) => compact(s, i, n)),
      ]),
    ]),
  ];
  if (s.axes.length === 2) for (const n of names.slice(0, 3)) lines.push("", textHeatmap(s, n));
  const stalled = s.cells.filter((c) => c.forward_progress.stalled_threads > 0);
  lines.push(
    "",
    stalled.length
      ? `forward progress: stalled threads in ${stalled.map((c) => c.label).join("; ")}`
      : "forward progress: no stalled threads in any cell",
  );
  if (s.common_random_numbers) lines.push(`seeds: ${s.cells[0]?.seeds.join(" ")}`);
  return lines.join("\n");
}

export function sweepCsv(s: SweepAnalysis): string {
  const head = [...s.keys];
  for (const n of s.metric_names) head.push(`${n}`, `${n}.ci_low`, `${n}.ci_high`);
  return csv([
    head,
    ...s.cells.map((c) => [
      ...s.keys.map((k) => c.params[k] ?? ""),
      ...s.metric_names.flatMap((n) => {
        const m = c.metrics[n]!;
        return [m.mean, m.ci_low, m.ci_high];
      }),
    ]),
  ]);
}

/** The action of `epcsim sweep` (loaded only when the command runs). */
export async function sweepAction(arg: string, o: SweepOpts): Promise<void> {
  const { spec, description } = sweepSpecFrom(arg, o);
  checkOutputs(o);
  const store = openStore(o);
  try {
    const out = await runSweep(spec, { store, ...executeOptions(o, `sweep ${spec.name}`) });
    const an = out.analysis;
    const unknown = spec.focus?.filter((n) => !an.metric_names.includes(n)) ?? [];
    if (o.metric.length && unknown.length)
      process.stderr.write(
        `epcsim: no such metric: ${unknown.map((n) => `${n}${didYouMean(n, an.metric_names)}`).join(", ")}\n`,
      );
    const names = focusMetrics(an.focus, an.metric_names);
    const db = store ? store.path : null;
    let report: string | null = null;
    if (o.report)
      report = writeOut(
        o.report,
        (await import("../report/sweep_report.ts")).sweepReportHtml(an, {
          description,
          db,
          runs: out.runs,
          command: commandLine(),
        }),
      );
    if (o.csv) writeOut(o.csv, sweepCsv(an));
    const r = out.runs;
    const note = `runs: ${r.total} (${r.executed} simulated on ${r.workers} workers in ${(r.wall_ms / 1000).toFixed(1)} s, ${r.cached} from the cache)${db ? `; results database ${db} (experiment ${out.experiment_id})` : ""}${report ? `; report ${report}` : ""}${o.csv ? `; CSV ${o.csv}` : ""}`;
    if (o.json) {
      const { cells, ...rest } = an;
      process.stdout.write(
        `${JSON.stringify({
          ...rest,
          cells: cells.map(({ timeline: _t, ...cell }) => cell),
          runs: out.runs,
          experiment_id: out.experiment_id,
          db,
          report,
        })}\n`,
      );
      process.stderr.write(`${note}\n`);
    } else process.stdout.write(`${formatSweep(an, names)}\n${note}\n`);
  } finally {
    store?.close();
  }
}
