/**
 * Reproduce one catalogued bug on a kernel variant: a check session for a concurrency bug, a timed
 * run and the bug's metric test for an accounting or liveness bug. Used by `epcsim bugs --verify`,
 * the per-bug tests and the time-to-find benchmark.
 */
import { runCheckSession } from "../check/session.ts";
import { runScenario } from "../experiment/run.ts";
import { loadScenario } from "../scenario/load.ts";
import type { Bug } from "./catalogue.ts";

export interface Reproduction {
  bug: string;
  kernel: string;
  /** The symptom showed (the checker found the bug's property, or the metric test held). */
  shows: boolean;
  /** What was observed: the checker's failure, or the metric's value. */
  observed: string;
  /** Check: kernel functions named in the report. */
  functions: string[];
  /** Check: executions explored; run: 1. */
  executions: number;
  elapsed_ms: number;
  /** Check: the full report when something was found. */
  report: string | null;
}

export interface ReproduceOptions {
  /** Executions for a check bug (default: the bug's pinned budget). */
  schedules?: number;
  seed?: number;
}

export function reproduce(bug: Bug, kernel: string, opt: ReproduceOptions = {}): Reproduction {
  const { scenario, raw } = loadScenario(bug.scenario, [`kernel=${kernel}`]);
  const t0 = performance.now();
  if (bug.command === "check") {
    const r = runCheckSession({ sc: scenario, raw, schedules: opt.schedules ?? bug.budget, seed: opt.seed });
    // Another failure than the bug's own (e.g. a different bug of an old kernel) does not count.
    const shows = r.found && (r.property ?? "").startsWith(bug.property);
    return {
      bug: bug.id,
      kernel,
      shows,
      observed: r.found ? `${r.property}: ${r.detail}` : `no bug in ${r.schedules} executions`,
      functions: r.functions,
      executions: r.schedules,
      elapsed_ms: r.elapsed_ms,
      report: r.report,
    };
  }
  const { result } = runScenario(scenario, { seed: opt.seed });
  return {
    bug: bug.id,
    kernel,
    shows: bug.shows(result.metrics),
    observed: bug.observe ? bug.observe(result.metrics) : `${bug.metric} = ${result.metrics[bug.metric]}`,
    functions: [],
    executions: 1,
    elapsed_ms: Math.round(performance.now() - t0),
    report: null,
  };
}
