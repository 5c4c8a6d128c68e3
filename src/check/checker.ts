/**
 * `epcsim check` in one function: run the chosen strategy (or a portfolio that round-robins
 * several) on a prepared check model until a failure is found, every explorer is exhausted, or the
 * budget (executions, wall time) ends.
 */
import { watchdogDeadline } from "../rt/watchdog.ts";
import { DporExplorer } from "./dpor.ts";
import type { CheckModel } from "./engine.ts";
import { CIRCULAR, type CrossCycle, crossCycleDetail, crossCycleSeed, LockGraph } from "./lockdep.ts";
import {
  BfsExplorer,
  DfsExplorer,
  type Explorer,
  pctExplorer,
  portfolioExplorer,
  randomExplorer,
  StatefulDfsExplorer,
  type StrategyOptions,
  type Trial,
} from "./strategies.ts";

import { STRATEGIES, type StrategyChoice } from "./strategy_names.ts";

export { STRATEGIES, type StrategyChoice };

export interface CheckOptions extends StrategyOptions {
  strategy: StrategyChoice;
  /** Executions to run at most. */
  schedules: number;
  /** Wall-clock budget in ms. */
  timeMs: number;
  onProgress?: (p: { schedules: number; elapsedMs: number; strategy: string; states: number }) => void;
  /** For workers: this explorer instance runs executions start, start + stride, ... (sampling strategies). */
  start?: number;
  stride?: number;
}

export interface CheckRun {
  found: Trial | null;
  /** Strategy that found it (or the strategy/portfolio that ran). */
  strategy: string;
  schedules: number;
  states: number;
  elapsedMs: number;
  /** Every explorer ran out of things to explore within its bounds, every choice value included. */
  exhausted: boolean;
  /** A systematic explorer explored only part of a `choose` op's domain (MAX_CHOICE_DOMAIN). */
  choicesCut: boolean;
  /** Executions cut off at the step bound. */
  truncated: number;
  /** Executions that ended in a failure the scenario declares known (check.known). */
  known: number;
}

/** Is this failure one the scenario declares a known limitation of the kernel? */
export function isKnown(model: CheckModel, property: string): boolean {
  return model.chk.known.some((k) => k.property === property);
}

export function explorers(model: CheckModel, opt: CheckOptions): Explorer[] {
  const start = opt.start ?? 0;
  const stride = opt.stride ?? 1;
  switch (opt.strategy) {
    case "random":
      return [randomExplorer(model, opt, start, stride)];
    case "pct":
      return [pctExplorer(model, opt, start, stride)];
    case "dfs":
      return [new DfsExplorer(model, opt)];
    case "dpor":
      return [new DporExplorer(model, opt)];
    case "sdfs":
      return [new StatefulDfsExplorer(model, opt)];
    case "bfs":
      return [new BfsExplorer(model, opt)];
    case "portfolio":
      return [portfolioExplorer(model, opt, start, stride)];
  }
}

export function runCheck(model: CheckModel, opt: CheckOptions): CheckRun {
  // A step of this thread that hangs past the time budget is stopped by the watchdog: the budget
  // holds even when model code loops without yielding (the CLI also covers the set-up before).
  if (Number.isFinite(opt.timeMs)) watchdogDeadline(Date.now() + opt.timeMs);
  try {
    return search(model, opt);
  } finally {
    watchdogDeadline(0);
  }
}

function search(model: CheckModel, opt: CheckOptions): CheckRun {
  const t0 = performance.now();
  const live = explorers(model, opt);
  const all = [...live];
  let schedules = 0;
  let truncated = 0;
  let known = 0;
  let lastProgress = 0;
  let found: Trial | null = null;
  let foundBy = "";
  // lockdep across executions: the dependencies of every execution of this run.
  const locks = new LockGraph();
  while (live.length && schedules < opt.schedules) {
    const now = performance.now();
    if (now - t0 >= opt.timeMs) break;
    const ex = live[schedules % live.length]!;
    const trial = ex.next();
    if (!trial) {
      live.splice(live.indexOf(ex), 1);
      continue;
    }
    schedules++;
    if (trial.out.truncated) truncated++;
    if (trial.out.failure && isKnown(model, trial.out.failure.property)) known++;
    else if (trial.out.failure) {
      found = trial;
      foundBy = ex.name;
      break;
    }
    const cycle = locks.add(schedules - 1, trial.out.lockEdges ?? []);
    if (cycle && !isKnown(model, CIRCULAR)) {
      found = crossExecutionFinding(model, trial, cycle);
      foundBy = ex.name;
      break;
    }
    if (opt.onProgress && now - lastProgress > 200) {
      lastProgress = now;
      // Stateful strategies count the states they have hashed: the search space, not only time.
      opt.onProgress({
        schedules,
        elapsedMs: now - t0,
        strategy: opt.strategy,
        states: all.reduce((n, e) => n + e.states(), 0),
      });
    }
  }
  return {
    found,
    strategy: found ? foundBy : all.map((e) => e.name).join(", "),
    schedules,
    states: all.reduce((n, e) => n + e.states(), 0),
    elapsedMs: performance.now() - t0,
    exhausted: live.length === 0 && !all.some((e) => e.choicesCut?.()),
    choicesCut: all.some((e) => e.choicesCut?.() ?? false),
    truncated,
    known,
  };
}

/**
 * A lock-order cycle whose dependencies were taken in different executions: the execution that
 * closed it becomes the finding, and the earlier dependencies seed lockdep in every replay of it
 * (minimization, report, replay token), where the closing acquisition then reports the cycle.
 */
export function crossExecutionFinding(model: CheckModel, trial: Trial, cycle: CrossCycle): Trial {
  model.lockdepSeed = crossCycleSeed(cycle);
  return {
    ...trial,
    out: { ...trial.out, failure: { property: CIRCULAR, detail: crossCycleDetail(cycle), tid: -1 } },
  };
}
