/**
 * Re-analysis of an experiment recorded in the results database, from its stored runs alone (no
 * scenario file is read and nothing is simulated).
 */
import { type ABAnalysis, type ABSpec, analyzeAB } from "./ab.ts";
import { ExperimentError } from "./errors.ts";
import { cellLabel } from "./params.ts";
import type { ExperimentRecord, ResultsStore } from "./store.ts";
import { analyzeSweep, cellSeeds, type SweepAnalysis, type SweepSpec, sweepCells } from "./sweep.ts";

export type StoredAnalysis =
  | { kind: "ab"; analysis: ABAnalysis }
  | { kind: "sweep"; analysis: SweepAnalysis };

export function analyzeStored(store: ResultsStore, e: ExperimentRecord): StoredAnalysis {
  if (e.stored < e.planned)
    throw new ExperimentError(
      `experiment ${e.id} is incomplete: ${e.stored} of ${e.planned} runs are in the database (run its command again to resume)`,
    );
  const links = store.experimentRuns(e.id);
  const records = store.getRuns(links.map((l) => l.run_key));
  const results = new Map([...records].map(([k, r]) => [k, r.result]));
  const codeVersion = [...records.values()][0]?.code_version ?? "";
  const keysOf = (cell: string) =>
    links
      .filter((l) => l.cell === cell)
      .sort((x, y) => x.rep - y.rep)
      .map((l) => ({ key: l.run_key }));
  if (e.kind === "ab") {
    const spec = e.spec as ABSpec & { seeds: number[] };
    const analysis = analyzeAB(
      {
        codeVersion,
        spec,
        key: e.key,
        scenarioName: e.scenario_name,
        rootSeed: e.root_seed,
        seeds: spec.seeds,
        a: keysOf("A"),
        b: keysOf("B"),
      },
      results,
    );
    return { kind: "ab", analysis };
  }
  const spec = e.spec as SweepSpec;
  const cells = sweepCells(spec).map((cell) => {
    const label = cellLabel(cell);
    return {
      cell,
      label,
      seeds: cellSeeds(e.root_seed, spec.reps, cell, Boolean(spec.independent)),
      jobs: keysOf(label),
    };
  });
  const keys = [...new Set(cells.flatMap((c) => Object.keys(c.cell)))];
  const analysis = analyzeSweep(
    { codeVersion, spec, key: e.key, scenarioName: e.scenario_name, rootSeed: e.root_seed, keys, cells },
    results,
  );
  return { kind: "sweep", analysis };
}
